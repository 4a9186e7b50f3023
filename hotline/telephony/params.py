"""Whole numbers read from a webhook's form or query string, never trusted to be well formed.

`str.isdigit()` is true for "²" and "١٢", which `int()` then refuses or reads as 12, and a
30-digit id is a valid int that no database column can bind: each was a failed webhook.
"""

from __future__ import annotations

MAX_DIGITS = 18  # below 2**63: fits every integer column and every primary key


def whole_number_or_none(value: str | None) -> int | None:
    """`value` as a non-negative int if it is 1 to 18 ASCII digits, else None."""
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def whole_number(value: str | None, default: int = 0) -> int:
    """`value` as a non-negative int if it is 1 to 18 ASCII digits, else `default`."""
    number = whole_number_or_none(value)
    return default if number is None else number
