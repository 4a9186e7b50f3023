"""Opening hours of a permanence: is it open now, and when does it next open.

Pure functions over weekly slots, dated exceptions and a calendar (time zone and
French public holidays). No database and no Flask here, so the telephony view,
the callback sweep and the dashboard can all ask the same question and get the
same answer, and tests can pin every DST and holiday edge without fixtures.

Slots and exceptions are wall-clock times in the calendar's time zone; every
interval this module returns is an aware datetime in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[datetime, datetime]

ALSACE_MOSELLE_SUBDIV = "57"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WeeklySlot:
    """A weekly opening, e.g. every Monday 09:00-12:30, in the calendar's zone.

    `end <= start` means the slot crosses midnight and ends on the next day, so
    `time(0)` to `time(0)` is the whole 24 h day. The slot belongs to the day it
    starts on: that day's holiday or closure is the one that cancels it.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6, got {self.weekday}")


@dataclass(frozen=True)
class DatedException:
    """A change on one date: a closure (whole day or a range) or an extra opening.

    An extra opening (closed=False) needs start and end; a closure with neither
    closes the whole day. `end <= start` crosses midnight, as for WeeklySlot.
    """

    day: date
    closed: bool = True
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError(f"exception on {self.day}: give both start and end")
        if not self.closed and self.start is None:
            raise ValueError(f"extra opening on {self.day} needs start and end")


@dataclass(frozen=True)
class Calendar:
    """Where a structure's hours are read: its zone and which holidays close it."""

    tz: ZoneInfo
    close_on_holidays: bool = True
    alsace_moselle: bool = False


@lru_cache(maxsize=64)
def _holidays(year: int, alsace_moselle: bool) -> Mapping[date, str]:
    """French holidays of one year, built once: the library is slow to build.

    The names are asked in French so they do not follow the process locale, and
    the result is a read-only copy so no caller can expand or alter the cache.
    """
    subdiv = ALSACE_MOSELLE_SUBDIV if alsace_moselle else None
    found = holidays.country_holidays("FR", subdiv=subdiv, years=year, language="fr")
    return MappingProxyType(dict(found))


def is_holiday(calendar: Calendar, day: date) -> bool:
    """Whether `day` is a French public holiday for this calendar.

    A fact about the date (Alsace-Moselle adds two days); it ignores
    `close_on_holidays`, which only decides whether the permanence closes.
    """
    return day in _holidays(day.year, calendar.alsace_moselle)


def holiday_name(calendar: Calendar, day: date) -> str | None:
    """The French name of the holiday on `day` ("Noël"), or None on a normal day."""
    return _holidays(day.year, calendar.alsace_moselle).get(day)


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The first instant after the DST gap that swallowed the wall time `naive`.

    In a gap, fold=1 reads the wall time with the new offset (an instant before
    the change) and fold=0 with the old one (an instant after it); the change
    lies between, and is found to the second by bisection.
    """
    before = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    after = int(naive.replace(tzinfo=tz, fold=0).timestamp())
    new_offset = datetime.fromtimestamp(after, tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == new_offset:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """UTC instant of a wall time on `day`.

    A time skipped by the spring change means the end of the gap (02:30 -> 03:00);
    an autumn time that happens twice means its first occurrence (fold=0).
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    instant = naive.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant
    return _gap_end(naive, tz)


def _local_interval(day: date, start: time, end: time, tz: ZoneInfo) -> Interval:
    """UTC interval of a local start/end on `day`; `end <= start` ends next day."""
    end_day = day + _ONE_DAY if end <= start else day
    return _local_to_utc(day, start, tz), _local_to_utc(end_day, end, tz)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals; touching ones join (Monday 20-24 + Tuesday 0-8)."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """What remains of `intervals` once every cut is removed."""
    for cut_start, cut_end in cuts:
        remaining: list[Interval] = []
        for start, end in intervals:
            if cut_end <= start or end <= cut_start:
                remaining.append((start, end))
                continue
            if start < cut_start:
                remaining.append((start, cut_start))
            if cut_end < end:
                remaining.append((cut_end, end))
        intervals = remaining
    return intervals


def _day_cancelled(calendar: Calendar, day: date, closed_days: set[date]) -> bool:
    """Whether the slots starting on `day` are cancelled (holiday or closure)."""
    if day in closed_days:
        return True
    return calendar.close_on_holidays and is_holiday(calendar, day)


def _weekly_intervals(
    slots: tuple[WeeklySlot, ...],
    calendar: Calendar,
    days: list[date],
    closed_days: set[date],
) -> list[Interval]:
    """Intervals of the weekly slots starting on `days`, less cancelled days."""
    found: list[Interval] = []
    for day in days:
        if _day_cancelled(calendar, day, closed_days):
            continue
        for slot in slots:
            if slot.weekday == day.weekday():
                found.append(_local_interval(day, slot.start, slot.end, calendar.tz))
    return found


def _exception_interval(exception: DatedException, calendar: Calendar) -> Interval | None:
    """UTC interval of a ranged exception; None for a whole-day closure."""
    if exception.start is None or exception.end is None:
        return None
    return _local_interval(exception.day, exception.start, exception.end, calendar.tz)


def _require_aware(**moments: datetime) -> None:
    """Refuse naive datetimes: a naive one would silently mean the server zone."""
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


def open_intervals(
    slots: Iterable[WeeklySlot],
    exceptions: Iterable[DatedException],
    calendar: Calendar,
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """Merged, sorted UTC opening intervals within [start, end), clipped to it.

    Slots are cancelled on a holiday (unless opted out) or a whole-day closure
    of the day they start on; ranged closures are then cut out, and extra
    openings added last, so an extra opening wins even on a holiday or closure.
    """
    _require_aware(start=start, end=end)
    if end <= start:
        return []
    slots, exceptions = tuple(slots), tuple(exceptions)
    first = start.astimezone(calendar.tz).date() - _ONE_DAY
    last = end.astimezone(calendar.tz).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    closed_days = {e.day for e in exceptions if e.closed and e.start is None}
    found = _weekly_intervals(slots, calendar, days, closed_days)
    cuts = [_exception_interval(e, calendar) for e in exceptions if e.closed]
    found = _subtract(_merge(found), [c for c in cuts if c is not None])
    extras = [_exception_interval(e, calendar) for e in exceptions if not e.closed]
    found += [x for x in extras if x is not None]
    clipped = ((max(s, start), min(e, end)) for s, e in _merge(found))
    return [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in clipped if s < e]


def is_open(
    slots: Iterable[WeeklySlot],
    exceptions: Iterable[DatedException],
    calendar: Calendar,
    at: datetime,
) -> bool:
    """Whether the permanence is open at the instant `at` (aware)."""
    window = open_intervals(slots, exceptions, calendar, at, at + timedelta(seconds=1))
    return bool(window) and window[0][0] == at.astimezone(UTC)


def next_opening(
    slots: Iterable[WeeklySlot],
    exceptions: Iterable[DatedException],
    calendar: Calendar,
    after: datetime,
    horizon_days: int = 21,
) -> datetime | None:
    """First instant >= `after` at which it is open, in UTC; None past the horizon.

    Open at `after` gives `after` itself (the intervals are clipped to the
    window); otherwise the start of the next opening. The horizon bounds the
    search so a line with no hours answers fast.
    """
    _require_aware(after=after)
    until = after + timedelta(days=horizon_days)
    window = open_intervals(slots, exceptions, calendar, after, until)
    return window[0][0] if window else None


def _template(words: Mapping[str, Any], key: str) -> Any:
    """The phrase `key` of the voice script, or a ValueError naming it."""
    if key not in words:
        raise ValueError(f"describe_moment: words lacks the key {key!r}")
    return words[key]


def _fill(words: Mapping[str, Any], key: str, **fields: object) -> str:
    """Format the template `key`; a placeholder it cannot fill names the key."""
    try:
        return str(_template(words, key)).format(**fields)
    except (KeyError, IndexError) as error:
        raise ValueError(f"describe_moment: template {key!r} uses {error}") from error


def _name(words: Mapping[str, Any], key: str, index: int, count: int) -> str:
    """The `index`-th name of the list `key`, which must hold `count` names."""
    names = _template(words, key)
    if isinstance(names, str) or len(names) != count:
        raise ValueError(f"describe_moment: {key!r} must list {count} names")
    return str(names[index])


def _spoken_time(local: datetime, words: Mapping[str, Any]) -> str:
    """The clock time in words: midday/midnight when the script has them."""
    if local.minute == 0 and local.hour == 12 and "midday" in words:
        return str(words["midday"])
    if local.minute == 0 and local.hour == 0 and "midnight" in words:
        return str(words["midnight"])
    if local.minute == 0:
        return _fill(words, "time_full_hour", hour=local.hour)
    return _fill(words, "time_minutes", hour=local.hour, minute=f"{local.minute:02d}")


def describe_moment(at: datetime, now: datetime, tz: ZoneInfo, words: Mapping[str, Any]) -> str:
    """Say `at` in words relative to `now` ("demain à midi"), in the script's language.

    The phrases come from the voice script so this module holds no language;
    the day is chosen on local dates: today, tomorrow, within the week (2-6
    days ahead, weekday only) or later (weekday, day and month).
    """
    _require_aware(at=at, now=now)
    local = at.astimezone(tz)
    days_ahead = (local.date() - now.astimezone(tz).date()).days
    spoken = _spoken_time(local, words)
    if days_ahead == 0:
        return _fill(words, "today", time=spoken)
    if days_ahead == 1:
        return _fill(words, "tomorrow", time=spoken)
    weekday = _name(words, "weekdays", local.weekday(), 7)
    if 2 <= days_ahead <= 6:
        return _fill(words, "this_week", weekday=weekday, time=spoken)
    day: object = local.day
    if local.day == 1 and "day_one" in words:
        day = words["day_one"]
    month = _name(words, "months", local.month - 1, 12)
    return _fill(words, "later", weekday=weekday, day=day, month=month, time=spoken)
