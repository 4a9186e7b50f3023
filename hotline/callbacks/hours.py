"""When a structure may call people back: its allowed outbound hours.

A callback rings somebody's own phone, often a shared one, so it must come at a decent
hour whatever the permanence's own schedule is. The hours are weekly slots read with
`hotline.schedules`, in the structure's time zone, and by default closed on French public
holidays even when the permanence itself stays open on them (`close_on_holidays` here is a
separate setting from the structure's `holidays.close`).

Stored in `Structure.settings["callbacks"]["outbound_hours"]` as the structure file writes
them: `{"hours": [{"days": "weekdays", "from": "09:00", "to": "18:00"}],
"close_on_holidays": true}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from hotline.callbacks.errors import SettingsError
from hotline.models import Person, Structure
from hotline.schedules import Calendar, WeeklySlot, is_open, next_opening

DEFAULT_OUTBOUND_HOURS: dict[str, Any] = {
    "hours": [{"days": "weekdays", "from": "09:00", "to": "18:00"}],
    "close_on_holidays": True,
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NAMED_DAYS = {"all": tuple(range(7)), "weekdays": tuple(range(5))}
# Far enough to cross the longest run of holidays plus a weekend; a structure whose hours
# leave no slot within it is told so rather than given a date months away.
HORIZON_DAYS = 21
MIDNIGHT = time(0)  # as an end: the end of the day (a WeeklySlot reads it so)


@dataclass(frozen=True)
class OutboundHours:
    """Weekly slots in which a caller may be rung, and the calendar they are read in."""

    slots: tuple[WeeklySlot, ...]
    calendar: Calendar


def _read_clock(raw: Any, path: tuple[str | int, ...]) -> time:
    text = str(raw)
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise SettingsError(path, f"{text!r} is not a time HH:MM") from None


def _read_days(raw: Any, path: tuple[str | int, ...] = ()) -> tuple[int, ...]:
    """`all`, `weekdays` or a list of day names, as in duty rows → weekday numbers."""
    if isinstance(raw, str) and raw in _NAMED_DAYS:
        return _NAMED_DAYS[raw]
    if isinstance(raw, list) and raw and all(day in WEEKDAYS for day in raw):
        return tuple(sorted({WEEKDAYS.index(day) for day in raw}))
    raise SettingsError(path, "days are all, weekdays or a list among mon, tue … sun")


def _write_days(weekdays: tuple[int, ...]) -> str | list[str]:
    """The shortest spelling, so a stored value compares equal however it was written."""
    for name, days in _NAMED_DAYS.items():
        if weekdays == days:
            return name
    return [WEEKDAYS[day] for day in weekdays]


def normalise_outbound_hours(raw: Any) -> dict[str, Any]:
    """Check outbound hours as written and return their stored form (days written shortest).

    A slot must end after it starts on the same day: a callback never crosses midnight. An
    end of "00:00" is that midnight (as everywhere in the structure file), so "00:00" to
    "00:00" is the whole day.
    """
    if raw is None:
        raw = DEFAULT_OUTBOUND_HOURS
    if not isinstance(raw, Mapping):
        raise SettingsError(("outbound_hours",), "must be a mapping with hours")
    unknown = sorted(set(raw) - {"hours", "close_on_holidays"})
    if unknown:
        raise SettingsError(("outbound_hours", unknown[0]), "unknown field")
    rows = raw.get("hours", DEFAULT_OUTBOUND_HOURS["hours"])
    if not isinstance(rows, list) or not rows:
        raise SettingsError(("outbound_hours", "hours"), "give at least one slot")
    hours = [
        _normalise_row(row, ("outbound_hours", "hours", index)) for index, row in enumerate(rows)
    ]
    close = raw.get("close_on_holidays", True)
    if not isinstance(close, bool):
        raise SettingsError(("outbound_hours", "close_on_holidays"), "must be true or false")
    return {"hours": hours, "close_on_holidays": close}


def _normalise_row(row: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
    if not isinstance(row, Mapping) or set(row) != {"days", "from", "to"}:
        raise SettingsError(path, "a slot is {days, from, to}")
    start = _read_clock(row["from"], (*path, "from"))
    end = _read_clock(row["to"], (*path, "to"))
    if end <= start and end != MIDNIGHT:
        raise SettingsError((*path, "to"), "must be after `from` on the same day (or 00:00)")
    days = _read_days(row["days"], (*path, "days"))
    return {"days": _write_days(days), "from": start.strftime("%H:%M"), "to": end.strftime("%H:%M")}


def outbound_hours(stored: Mapping[str, Any] | None, structure: Structure) -> OutboundHours:
    """The allowed hours from their stored form, read in the structure's zone and holidays."""
    data = normalise_outbound_hours(stored)
    slots = tuple(
        WeeklySlot(weekday, _read_clock(row["from"], ()), _read_clock(row["to"], ()))
        for row in data["hours"]
        for weekday in _read_days(row["days"])
    )
    calendar = Calendar(
        tz=ZoneInfo(structure.timezone),
        close_on_holidays=data["close_on_holidays"],
        alsace_moselle=structure.alsace_moselle,
    )
    return OutboundHours(slots, calendar)


def _hours_of(source: Structure | OutboundHours) -> OutboundHours:
    if isinstance(source, OutboundHours):
        return source
    callbacks = (source.settings or {}).get("callbacks") or {}
    return outbound_hours(callbacks.get("outbound_hours"), source)


def is_allowed(source: Structure | OutboundHours, at: datetime) -> bool:
    """Whether a caller of this structure may be rung at the instant `at`."""
    hours = _hours_of(source)
    return is_open(hours.slots, (), hours.calendar, at)


@dataclass(frozen=True)
class CallWindow:
    """When a person may be rung, seen from `now`: now, at `opens`, or (`opens` None) no slot."""

    now: datetime
    opens: datetime | None

    @property
    def open_now(self) -> bool:
        return self.opens is not None and self.opens <= self.now


_END_OF_DAY = time(23, 59, 59)


def for_person(source: Structure | OutboundHours, person: Person | None) -> OutboundHours:
    """The structure's outbound hours narrowed to the person's own call hours, if they have any.

    A person's hours ("after 14:00, she works mornings") never widen the structure's: each
    weekly slot keeps only what both allow. An end of 00:00 is midnight on either side.
    """
    hours = _hours_of(source)
    if person is None or person.call_from is None or person.call_to is None:
        return hours
    person_end = _END_OF_DAY if person.call_to == MIDNIGHT else person.call_to
    slots = []
    for slot in hours.slots:
        slot_end = _END_OF_DAY if slot.end == MIDNIGHT else slot.end
        start, stop = max(slot.start, person.call_from), min(slot_end, person_end)
        if start < stop:
            slots.append(WeeklySlot(slot.weekday, start, MIDNIGHT if stop == _END_OF_DAY else stop))
    return OutboundHours(tuple(slots), hours.calendar)


def when_may_we_call(
    source: Structure | OutboundHours, now: datetime, person: Person | None = None
) -> CallWindow:
    """The one answer to "when may we call this person": every caller of the hours asks here.

    Starting a callback, dialling it from a job, taking the next one from the phone menu and
    showing the "Rappeler" button all read this, so the rule cannot drift between them;
    `wording.call_window` says it to people. With `person`, their own call hours hold too.
    """
    return CallWindow(now, next_allowed(for_person(source, person), now))


def next_allowed(source: Structure | OutboundHours, at: datetime) -> datetime | None:
    """The first instant >= `at` at which a caller may be rung (UTC), or None within 3 weeks.

    `at` itself when it is allowed, so a retry already in hours is not pushed back.
    """
    hours = _hours_of(source)
    return next_opening(hours.slots, (), hours.calendar, at, horizon_days=HORIZON_DAYS)
