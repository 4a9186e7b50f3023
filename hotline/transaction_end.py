"""How a request's database transaction ends: a transaction that only read commits.

psycopg 3 forgets every statement it prepared on a connection when that connection rolls
back (`Connection.rollback` clears its cache and deallocates them: a rollback may have undone
the DDL they were planned against). `Session.close()` ends a transaction with a ROLLBACK, and
most staff pages, and every refused claim, only read: so psycopg never got to prepare their
statements, and PostgreSQL parsed and planned each SELECT again on every request. Measured on
the queue's first page (issue 11): PostgreSQL spent 2.8–3.0 ms of CPU per page, 1.9 ms once
the read-only transactions committed.

For a transaction that wrote nothing, COMMIT and ROLLBACK leave the database the same and
release the same locks. So the request's teardown commits when it can tell nothing was
written, and rolls back as before otherwise. It errs on the side of the rollback:

- every statement run on the session's connection is counted as a write unless it is a
  SELECT or, on PostgreSQL, an INSERT, UPDATE or DELETE that changed no row (a refused
  claim's UPDATE; SQLite reports no row for a RETURNING statement until its rows are read, so
  there any of them is a write); a statement with a data-changing CTE, and a textual one
  whatever it says, are writes;
- pending ORM changes, an unhandled error, or work promised for after the commit (the list
  kept under `AFTER_COMMIT_WORK`: jobs handed to RQ once the rows are committed) also mean
  rollback.

What it cannot see: SQL sent on the driver's own cursor (`calls.driver` says so with
`note_write`), and a SELECT of a function that writes (none here: the advisory locks a
SELECT takes end with the transaction either way).

Writes are counted on the connection (`Connection.info`, which lives as long as the pooled
connection) and compared with the count when the session's outermost transaction began, so
a test's session joining an outer transaction is judged on its own writes.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

_WRITES = "hotline.writes"  # on Connection.info: statements that may have written, ever
_BEGAN_AT = "hotline.writes_at_begin"  # on Session.info: the count when its transaction began
# On Session.info: what a commit would do besides ending the transaction (`tasks` keeps its
# jobs to hand to RQ there, and empties the list at each commit or rollback).
AFTER_COMMIT_WORK = "hotline.after_commit_work"


def watch_writes(engine: Engine) -> None:
    """Count, on each of `engine`'s connections, the statements that may have written."""
    event.listen(engine, "after_cursor_execute", _count_write)


def note_write(connection: Connection) -> None:
    """A write the engine does not see (SQL sent on the driver's own cursor)."""
    connection.info[_WRITES] = connection.info.get(_WRITES, 0) + 1


def holds_connection(session: Session) -> bool:
    """Whether `session` has begun a database transaction (and holds its connection)."""
    return _BEGAN_AT in session.info


def watch_sessions() -> None:
    """Note when each session's transaction begins and ends (once per process)."""
    if not event.contains(Session, "after_begin", _began):
        event.listen(Session, "after_begin", _began)
        event.listen(Session, "after_transaction_end", _ended)


def close(session: Session, error: BaseException | None) -> None:
    """End the request's session: commit it if it only read, then close it."""
    try:
        if error is None:
            _commit_if_only_read(session)
    finally:
        session.close()


def discard(session: Session) -> None:
    """Keep nothing the session wrote, as `rollback()` does, but by a COMMIT when it wrote
    nothing: for error handlers, such as a refused claim's (a 409 in every other claim of a
    race), whose transaction only read."""
    if not _commit_if_only_read(session):
        session.rollback()


def _commit_if_only_read(session: Session) -> bool:
    """True once committed. A connection lost on the way (the view may have caught the
    error) is left to the caller's rollback or close(), which the error does not stop."""
    try:
        if not _only_read(session):
            return False
        session.commit()
    except Exception as failure:  # noqa: BLE001 - the caller's rollback or close() follows
        log.warning("read-only commit failed (%s): rolled back", type(failure).__name__)
        return False
    return True


def _began(session: Session, _transaction: Any, connection: Connection) -> None:
    session.info[_BEGAN_AT] = connection.info.get(_WRITES, 0)


def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BEGAN_AT, None)


def _only_read(session: Session) -> bool:
    if not holds_connection(session) or session.info.get(AFTER_COMMIT_WORK):
        return False
    if session.new or session.dirty or session.deleted:
        return False
    writes = session.connection().info.get(_WRITES, 0)
    return bool(writes == session.info[_BEGAN_AT])


def _count_write(
    connection: Connection,
    cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if not _read_only(connection, context, cursor):
        note_write(connection)


def _read_only(connection: Connection, context: Any, cursor: Any) -> bool:
    """A SELECT, or on PostgreSQL a compiled INSERT/UPDATE/DELETE that changed no row, neither
    with a data-changing CTE. Anything else (text, DDL, a row count not known) may have written."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or any(isinstance(cte.element, UpdateBase) for cte in compiled.ctes or ()):
        return False
    if isinstance(compiled.statement, Select):
        return True
    if connection.dialect.name != "postgresql":  # SQLite counts a RETURNING's rows once read
        return False
    dml = context.isinsert or context.isupdate or context.isdelete
    return bool(dml and getattr(cursor, "rowcount", -1) == 0)
