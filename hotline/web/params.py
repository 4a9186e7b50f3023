"""Values from a URL or a body that go into a query: refuse what the database cannot hold.

An id of 10**30 is a valid `<int:...>` to the router, but SQLite refuses to bind it
and PostgreSQL raises on it: a 500 for what is simply a page that does not exist.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def is_row_id(value: int) -> bool:
    """Whether `value` could be the id of a row (a positive integer the database can hold)."""
    return 0 < value <= MAX_ROW_ID
