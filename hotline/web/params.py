"""Values from a URL or a body that go into a query: refuse what the database cannot hold.

An id of 10**30 is a valid `<int:...>` to the router, but SQLite refuses to bind it
and PostgreSQL raises on it: a 500 for what is simply a page that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def is_row_id(value: int) -> bool:
    """Whether `value` could be the id of a row (a positive integer the database can hold)."""
    return 0 < value <= MAX_ROW_ID


PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_window(args: Mapping[str, str]) -> tuple[int, int]:
    """`limit` and `offset` of a list page from the query string; ValueError says which is bad.

    A queue of 20,000 entries is read a page at a time: `limit` 1 to 200 (default 50),
    `offset` from 0.
    """
    limit = _whole(args.get("limit"), "limit", PAGE_SIZE)
    offset = _whole(args.get("offset"), "offset", 0)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit doit être entre 1 et {MAX_PAGE_SIZE}")
    if not 0 <= offset <= MAX_ROW_ID:
        raise ValueError("offset doit être un entier positif ou nul")
    return limit, offset


def _whole(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"{name} doit être un nombre entier")
    return int(raw)
