"""What a webhook reads from Twilio's form and from the query string we wrote ourselves.

Twilio sends strings; a missing or mangled number is read as the default, never an error,
so a webhook always gets far enough to answer something the caller can hear.
`str.isdigit()` is true for "²" and "١٢", which `int()` then refuses or reads as 12, and a
30-digit id is a valid int that no database column can bind: each was a failed webhook, so
a number here is ASCII digits that fit an INTEGER column (32 bits on PostgreSQL), or none.
"""

from __future__ import annotations

from flask import request

from hotline.models.calls import is_storable_sid

MAX_DIGITS = 10
MAX_VALUE = 2**31 - 1  # INTEGER on PostgreSQL: every id, count and duration column


def whole_number_or_none(value: str | None) -> int | None:
    """`value` as a non-negative int if it is ASCII digits up to MAX_VALUE, else None."""
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_VALUE else None


def _whole(value: str | None, default: int) -> int:
    number = whole_number_or_none(value)
    return default if number is None else number


def arg_int(name: str, default: int = 0) -> int:
    """A whole number from the query string (ids, counters); `default` when absent or bad."""
    return _whole(request.args.get(name), default)


def arg_count(name: str) -> int:
    """A 1-based count from the query string (attempt, try): at least 1."""
    return max(1, arg_int(name, 1))


def form_int(name: str) -> int:
    """A whole number from Twilio's form (durations, sequence numbers); 0 when absent."""
    return _whole(request.form.get(name), 0)


def form_int_or_none(name: str) -> int | None:
    """A whole number from Twilio's form, or None when it sent none (an optional field)."""
    return whole_number_or_none(request.form.get(name))


def form(name: str) -> str:
    """A field of Twilio's form, stripped; '' when absent."""
    return request.form.get(name, "").strip()


def form_sid_or_none(name: str) -> str | None:
    """A provider's id from the form (a leg's CallSid), stripped, or None when absent, blank
    or longer than the column that keeps it (PostgreSQL would refuse the row)."""
    sid = form(name)
    return sid if is_storable_sid(sid) else None
