"""A call's hot statements, one round trip each, sent below the ORM on PostgreSQL.

A caller hears silence while a webhook runs. Measured on `/voice/incoming`, SQLAlchemy spent
about 1.5 ms on the call's one INSERT (the cache key of a statement with subqueries, the ORM's
bulk-insert path, the row's loading), several times what the database did. So the call
path's few statements are built once with Core, compiled once for PostgreSQL, and sent on
the driver's own cursor (psycopg prepares a statement it sees again): the first webhook's
insert, the later webhooks' read of the call (with the staff already on the phone when the
answer may ring them) and the route a caller chose, with its history line, in one statement.

Where `db.driver_connection` gives no connection (SQLite, or a session that already holds a
transaction this connection could not see) the same questions go through the session as
before (`records`). Rows come back as `Call` objects attached to the session without a
SELECT (`models.attach`), so the rest of the code reads and changes them as
usual; what the route statement wrote is set on the object as already committed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    any_,
    bindparam,
    case,
    exists,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hotline.calls import records
from hotline.directory import StructureInfo
from hotline.extensions import db
from hotline.models import Call, CallEvent
from hotline.models.attach import attach_loaded
from hotline.models.base import UTCDateTime

_COLUMNS = tuple(column.name for column in Call.__table__.columns)
_INSTANTS = tuple(
    column.name for column in Call.__table__.columns if isinstance(column.type, UTCDateTime)
)
_DIALECT = postgresql.psycopg.dialect()


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL for psycopg and the values it binds itself (literals, intervals).

    `prepare=None` lets psycopg prepare it once seen five times; PostgreSQL then plans it
    once for any values after five more runs. False plans it for its values at every run.
    """

    sql: str
    fixed: Mapping[str, Any]
    prepare: bool | None = None

    def run(self, connection: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, {**self.fixed, **values}, prepare=self.prepare)
            return cursor.fetchall() if cursor.description else []


def _compile(statement: Any, prepare: bool | None = None) -> _Compiled:
    compiled = statement.compile(dialect=_DIALECT)
    fixed = {key: value for key, value in compiled.params.items() if value is not None}
    return _Compiled(compiled.string, fixed, prepare)


@functools.cache
def _first_webhook() -> _Compiled:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, and the row already there on a retry."""
    inserted = (
        records.first_webhook_insert("postgresql")
        .returning(*Call.__table__.columns)
        .cte("inserted")
    )
    table = Call.__table__
    existing = select(*table.columns).where(
        table.c.call_sid == bindparam("call_sid", type_=String),
        ~exists(select(inserted.c.id)),
    )
    return _compile(select(*inserted.c).union_all(existing))


@functools.cache
def _find_call(with_busy: bool) -> _Compiled:
    """The call's row by CallSid; with `with_busy`, what `records.busy_among` reads of a
    structure's busy staff (their ids, the phones of those calling in), as two arrays.

    With the busy staff, planned anew at every run: a plan made once for any values is only
    as good as the table's statistics when it was made, and it is kept until the next
    ANALYZE. One made while `call` held a few hundred rows read every call of the structure
    with a sequential scan, once per staff member: 4–5 ms at 2,000 calls, and growing with
    the history. Each branch reads one table by an index, so planning costs ~0.25 ms.
    """
    this = Call.__table__.alias("this_call")  # apart from the `call` rows the busy staff read
    if not with_busy:
        statement = select(*this.columns)
    else:
        ids = bindparam("staff_ids", type_=postgresql.ARRAY(Integer))
        phones = bindparam("staff_phones", type_=postgresql.ARRAY(String))
        busy = records.busy_staff_select(
            bindparam("structure_id", type_=Integer),
            bindparam("now", type_=DateTime(timezone=True)),
            lambda column: column == any_(ids),
            lambda column: column == any_(phones),
        ).subquery()
        found = select(
            func.array_agg(busy.c.staff_id).label("busy_ids"),
            func.array_agg(busy.c.phone).label("busy_phones"),
        ).subquery()
        statement = select(*this.columns, found.c.busy_ids, found.c.busy_phones).join_from(
            this, found, true()
        )
    statement = statement.where(this.c.call_sid == bindparam("call_sid", type_=String))
    return _compile(statement, prepare=False if with_busy else None)


@functools.cache
def _record_route() -> _Compiled:
    """The theme and language chosen (only when they change) and the route's history line."""
    table: Any = Call.__table__
    theme = bindparam("theme_id", type_=Integer)
    language = bindparam("language", type_=String)
    changing = update(table).where(
        table.c.id == bindparam("call_id", type_=Integer),
        table.c.theme_id.is_distinct_from(theme)
        | table.c.language.is_distinct_from(language)
        | (table.c.status == "ringing"),
    )
    changed = changing.values(
        theme_id=theme,
        language=language,
        status=case((table.c.status == "ringing", "in-progress"), else_=table.c.status),
    ).cte("changed")
    event = (
        postgresql.insert(CallEvent)
        .values(
            call_id=bindparam("call_id", type_=Integer),
            kind="route",
            detail=bindparam("detail", type_=String),
            at=bindparam("now", type_=DateTime(timezone=True)),
        )
        .on_conflict_do_nothing(index_elements=["call_id", "kind", "detail"])
        .returning(CallEvent.id)
        .cte("event")
    )
    return _compile(select(func.count()).select_from(event).add_cte(changed))


def compile_all() -> None:
    """Build and compile every statement now (a worker's warm-up), not in a caller's webhook."""
    _first_webhook()
    for with_busy in (False, True):
        _find_call(with_busy)
    _record_route()


def _attached(session: Session, row: tuple[Any, ...]) -> Call:
    """The row as a persistent `Call` of `session`, built without a SELECT."""
    values = dict(zip(_COLUMNS, row, strict=False))
    for key in _INSTANTS:  # as `UTCDateTime` reads them: aware, in UTC
        if values[key] is not None:
            values[key] = values[key].astimezone(UTC)
    return attach_loaded(session, Call, values)


def open_call(
    session: Session, call_sid: str, structure_id: int | None, from_: str, to: str, now: datetime
) -> Call:
    """`records.record_inbound_call`, in one round trip on PostgreSQL (retries included)."""
    connection = db.driver_connection(session)
    if connection is None:
        return records.record_inbound_call(session, call_sid, structure_id, from_, to, now)
    values = records.first_webhook_values(call_sid, structure_id, from_, to, now)
    rows = _first_webhook().run(connection, values)
    if not rows:  # inserted by a concurrent retry after this statement's snapshot
        return records.find_call(session, call_sid)
    return _attached(session, rows[0])


def find_call(
    session: Session, call_sid: str, busy: tuple[StructureInfo, datetime] | None = None
) -> tuple[Call | None, set[int] | None]:
    """The call of this CallSid, or None; with `busy` (a structure and an instant), the
    staff of that structure on the phone then, in the same round trip on PostgreSQL.

    The structure is the one owning the number called, known before the call's row is read;
    if the row names another one, or elsewhere than PostgreSQL, the busy staff are None:
    ask `records.busy_staff_ids` when they are needed.
    """
    connection = db.driver_connection(session)
    if connection is None:
        return records.find_call_or_none(session, call_sid), None
    values: dict[str, Any] = {"call_sid": call_sid}
    if busy is not None:
        structure, values["now"] = busy
        values["structure_id"] = structure.id
        values["staff_ids"], values["staff_phones"] = records.staff_asked_about(structure)
    rows = _find_call(busy is not None).run(connection, values)
    if not rows:
        return None, None
    call = _attached(session, rows[0])
    if busy is None or call.structure_id != busy[0].id:
        return call, None
    ids, phones = rows[0][-2] or (), rows[0][-1] or ()  # one aggregate of the same rows each
    return call, records.busy_among(busy[0], zip(ids, phones, strict=True))


def record_route(
    session: Session, call: Call, theme_id: int | None, language: str, detail: str, now: datetime
) -> bool:
    """`records.choose_route` and the route's `note_event`, in one statement on PostgreSQL.

    False when this call had already taken this very route (a retried webhook): whatever it
    led to was done then.
    """
    connection = db.driver_connection(session)
    if connection is None:
        records.choose_route(session, call, theme_id, language, now)
        return records.note_event(session, call, "route", detail, now)
    values = {
        "call_id": call.id,
        "theme_id": theme_id,
        "language": language,
        "detail": detail[:120],
        "now": now,
    }
    noted = _record_route().run(connection, values)[0][0]
    set_committed_value(call, "theme_id", theme_id)
    set_committed_value(call, "language", language)
    if call.status == "ringing":
        set_committed_value(call, "status", "in-progress")
    return bool(noted)
