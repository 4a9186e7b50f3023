"""Reading the hand-written values of a structure file: phones, times, days, zones.

Each reader returns the normalised value or raises `ValueError` with a sentence meant for
the coordinator who wrote the file; the caller adds the file, line and field.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = tuple(range(7))
WORKING_DAYS = tuple(range(5))

# phonenumbers ignores trailing junk ("0612345678x" parses); a typo must not pass silently.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 .()/-]+")


def read_phone(raw: str) -> str:
    """A phone number as written in France ("06 12…", "+33 6…", "0033 6…") → E.164.

    Premium-rate numbers are refused: the hotline dials staff and calls people back, and
    must never run up a surcharged call.
    """
    text = raw.strip()
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise ValueError(
            f"{raw!r} is not a phone number: use digits, spaces, dots or dashes, "
            "and + for an international prefix"
        )
    try:
        number = phonenumbers.parse(text, "FR")
    except NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        hint = ""
        if text.startswith("0") and not text.startswith("00"):
            hint = " (an overseas number needs its international prefix, e.g. +262 692 …)"
        raise ValueError(f"{raw!r} is not a valid phone number{hint}")
    if phonenumbers.number_type(number) == PhoneNumberType.PREMIUM_RATE:
        raise ValueError(f"{raw!r} is a premium-rate number, which the hotline must not dial")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


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
