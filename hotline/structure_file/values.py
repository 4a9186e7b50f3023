"""Reading the hand-written values of a structure file: times, days, zones.

Each reader returns the normalised value or raises `ValueError` with a sentence meant for
the coordinator who wrote the file; the caller adds the file, line and field.
"""

from __future__ import annotations

import difflib
from datetime import date, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = tuple(range(7))
WORKING_DAYS = tuple(range(5))


def read_time(raw: str) -> time:
    """ "HH:MM" (the schema has checked the shape) → a naive wall-clock time."""
    hours, minutes = raw.split(":")
    return time(int(hours), int(minutes))


def write_time(value: time) -> str:
    return value.strftime("%H:%M")


def read_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date that exists") from None


def read_days(raw: str | list[str]) -> tuple[int, ...]:
    """`all`, `weekdays` or a list of day names → weekday numbers, Monday = 0."""
    if raw == "all":
        return ALL_DAYS
    if raw == "weekdays":
        return WORKING_DAYS
    return tuple(sorted(WEEKDAYS.index(day) for day in raw))


def write_days(weekdays: set[int]) -> str | list[str]:
    """The shortest way a coordinator would write these days."""
    ordered = tuple(sorted(weekdays))
    if ordered == ALL_DAYS:
        return "all"
    if ordered == WORKING_DAYS:
        return "weekdays"
    return [WEEKDAYS[day] for day in ordered]


def read_timezone(raw: str) -> str:
    """A zone name zoneinfo knows; a near miss gets a suggestion."""
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {raw!r}"
        close = difflib.get_close_matches(raw, _zone_names(), n=1)
        message += f"; did you mean {close[0]!r}?" if close else " (e.g. Europe/Paris)"
        raise ValueError(message) from None
    return raw


@cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())
