"""When a series happens: its RFC 5545 rule, evaluated in the structure's wall-clock time.

The rule is expanded on naive local datetimes (DTSTART = first day at the start time), then
each occurrence is given the structure's timezone: "every Monday 10:00" stays 10:00 in winter
(UTC+1) and in summer (UTC+2). A time that does not exist on the day clocks go forward
(02:30) is read with fold=0, i.e. one hour later by the clock; a repeated time (the October
night) is its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from hotline.models import GroupSeries

FORBIDDEN_PARTS = ("DTSTART", "TZID", "UNTIL=") + ("BYHOUR", "BYMINUTE", "BYSECOND")


def rule_error(text: str) -> str | None:
    """Why `text` is not a usable rule (French), or None.

    DTSTART and the time of day come from the series' own fields, so the rule may not carry
    them; UNTIL is refused because dateutil compares it to naive local times (use COUNT or
    deactivate the series).
    """
    cleaned = text.strip().upper()
    if not cleaned.startswith("FREQ=") and ";FREQ=" not in cleaned:
        return "La règle de récurrence doit indiquer FREQ (par exemple FREQ=WEEKLY;BYDAY=MO)."
    if any(part in cleaned for part in FORBIDDEN_PARTS):
        return "La règle ne doit contenir ni DTSTART, ni UNTIL, ni heure : ils sont à part."
    try:
        rrulestr(cleaned, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError):
        return "Cette règle de récurrence n'est pas valide (RFC 5545)."
    return None


def _rule(text: str, first_day: date, start_time: time) -> rrule:
    dtstart = datetime.combine(first_day, start_time.replace(tzinfo=None))
    parsed = rrulestr(text.strip().upper(), dtstart=dtstart)
    if not isinstance(parsed, rrule):  # pragma: no cover - rule_error refuses sets
        raise ValueError("a single RRULE is expected")
    return parsed


def expand(
    text: str, first_day: date, start_time: time, tz: str, start: datetime, end: datetime
) -> list[datetime]:
    """UTC instants of the rule in [start, end)."""
    zone = ZoneInfo(tz)
    # A day of margin each side: the local window differs from the UTC one by the offset.
    local_start = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    local_end = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    instants = []
    for local in _rule(text, first_day, start_time).between(local_start, local_end, inc=True):
        instant = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if start <= instant < end:
            instants.append(instant)
    return instants


def occurrences(series: GroupSeries, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants of the series between `start` (included) and `end` (excluded)."""
    return expand(series.rrule, series.first_day, series.start_time, tz, start, end)
