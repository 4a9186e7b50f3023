"""What a webhook reads from Twilio's form and from the query string we wrote ourselves.

Twilio sends strings; a missing or mangled number is read as the default, never an error,
so a webhook always gets far enough to answer something the caller can hear.
"""

from __future__ import annotations

from flask import request


def _whole(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() else default


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
    value = request.form.get(name)
    return int(value) if value is not None and value.isdigit() else None


def form(name: str) -> str:
    """A field of Twilio's form, stripped; '' when absent."""
    return request.form.get(name, "").strip()
