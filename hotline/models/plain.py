"""Reads of plain columns sent on the session's connection, below the ORM.

`Session.execute` wraps even a Core SELECT of plain columns in the ORM's machinery: its
compile state, its result wrapper, the loading bookkeeping. A queue page sends three or four
such reads, and measured on one, the ORM's share was about 0.08 ms a statement, more than
building the rows it returned. These reads need none of it: they name columns, not entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Executable, Result
from sqlalchemy.orm import Session

TupleAny = tuple[Any, ...]  # rows of any width, as `Session.execute` types them


def read_plain(
    session: Session, statement: Executable, values: Mapping[str, Any] | None = None
) -> Result[*TupleAny]:
    """`session.execute(statement, values)` for a statement of plain columns, without the ORM.

    The session's pending changes are flushed first when it autoflushes (not inside
    `no_autoflush`), as `execute` would, so the read sees them; it runs in the session's
    transaction.
    """
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, values or {})
