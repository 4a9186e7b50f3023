"""Calls as the telephone network reports them: one row per CallSid, with history.

Every function is safe to call twice with the same webhook: retries find the
row already there and out-of-order status callbacks never move a call back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from hotline.callbacks.common import CALLING_LEASE_MINUTES
from hotline.directory import StructureInfo
from hotline.models import (
    FINAL_CALL_STATUSES,
    Call,
    CallbackAttempt,
    CallEvent,
    Person,
)
from hotline.models.upsert import insert_if_absent

FINAL_STATUSES = FINAL_CALL_STATUSES
# What Twilio reports before a call ends (its CallStatus values); read by the sweeps.
LIVE_STATUSES = ("queued", "ringing", "in-progress")
STALE_STAFF_LEG = timedelta(hours=4)


def record_inbound_call(
    session: Session, call_sid: str, structure_id: int | None, from_: str, to: str, now: datetime
) -> Call:
    """The Call row for this CallSid, created on the first webhook only.

    The caller's language is written then when their number tells it (see `known_caller_columns`),
    so the greeting speaks it and the language question is skipped. One statement, one round
    trip: the person and the language are subqueries of the INSERT, which returns the row;
    only a retried webhook (the row is there: nothing inserted) reads it by its CallSid.
    """
    statement = _first_webhook(session.get_bind().dialect.name)
    values = first_webhook_values(call_sid, structure_id, from_, to, now)
    created = session.scalars(statement, values).first()
    return created if created is not None else find_call(session, call_sid)


def first_webhook_values(
    call_sid: str, structure_id: int | None, from_: str, to: str, now: datetime
) -> dict[str, Any]:
    """The values `first_webhook_insert` binds."""
    return {
        "call_sid": call_sid,
        "structure_id": structure_id,
        "from_e164": from_,
        "to_e164": to,
        "started_at": now,
    }


@functools.lru_cache(maxsize=4)
def _first_webhook(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, built once: the values are bound parameters."""
    return first_webhook_insert(dialect).returning(Call)


def first_webhook_insert(dialect: str) -> Any:
    """The call's row as its first webhook writes it, unless its CallSid is there already
    (`calls.driver` makes it one statement with the read of a retry's row)."""
    structure: Any = bindparam("structure_id", type_=Integer)
    caller: Any = bindparam("from_e164", type_=String)
    person, language = known_caller_columns(structure, caller)
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(Call)
        .values(
            call_sid=bindparam("call_sid", type_=String),
            structure_id=structure,
            direction="inbound",
            from_e164=caller,
            to_e164=bindparam("to_e164", type_=String),
            status="ringing",
            last_sequence=-1,
            person_id=person,
            language=language,
            staff_connected=False,
            started_at=bindparam("started_at"),
        )
        .on_conflict_do_nothing(index_elements=["call_sid"])
    )


def known_caller_columns(structure: Any, caller: Any) -> tuple[Any, Any]:
    """The person this number belongs to, and the language it is known to speak, as SQL.

    The language is the person's preferred one, else the one of this number's latest call
    that has one (chosen at the language menu, or the menu a theme was picked in). A
    withheld number is nobody and speaks no known language.
    """
    known = and_(caller != "", structure.is_not(None))
    person = select(Person).where(
        Person.structure_id == structure, Person.phone_e164 == caller, known
    )
    earlier = aliased(Call)
    previous = (
        select(earlier.language)
        .where(
            earlier.structure_id == structure,
            earlier.from_e164 == caller,
            earlier.language.is_not(None),
            known,
        )
        .order_by(earlier.started_at.desc(), earlier.id.desc())
        .limit(1)
    )
    return (
        person.with_only_columns(Person.id).limit(1).scalar_subquery(),
        func.coalesce(
            person.with_only_columns(Person.language).limit(1).scalar_subquery(),
            previous.scalar_subquery(),
        ),
    )


def find_call(session: Session, call_sid: str) -> Call:
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        raise LookupError("no call with this CallSid")
    return call


def find_call_or_none(session: Session, call_sid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


def note_event(session: Session, call: Call, kind: str, detail: str, now: datetime) -> bool:
    """Add a history line once; the same (kind, detail) twice is one line."""
    return insert_if_absent(
        session,
        CallEvent,
        {"call_id": call.id, "kind": kind, "detail": detail[:120], "at": now},
        unique_on=["call_id", "kind", "detail"],
    )


def choose_route(
    session: Session, call: Call, theme_id: int | None, language: str, now: datetime
) -> None:
    """Remember the theme and language the caller chose (the latest choice wins)."""
    call.theme_id = theme_id
    call.language = language
    if call.status == "ringing":
        call.status = "in-progress"
    session.flush()


def apply_status(
    session: Session,
    call_sid: str,
    status: str,
    sequence: int | None,
    duration: int | None,
    now: datetime,
) -> Call | None:
    """Apply a status callback; an older or repeated one changes nothing."""
    call = find_call_or_none(session, call_sid)
    if call is None:
        return None
    note_event(session, call, "status", f"{status}#{sequence if sequence is not None else ''}", now)
    if call.status in FINAL_STATUSES:
        return call
    if sequence is not None:
        if sequence <= call.last_sequence:
            return call
        call.last_sequence = sequence
    call.status = status
    if status in FINAL_STATUSES:
        call.ended_at = now
        call.duration_seconds = duration
        call.staff_connected = False
    session.flush()
    return call


def connect_staff(session: Session, call_sid: str, staff_id: int, now: datetime) -> bool:
    """A staff member accepted the call on their phone: they are now busy with it.

    The first to accept wins, decided by the database: one conditional UPDATE claims the
    call only while nobody has answered it, so of several staff pressing 1 at the same
    instant exactly one row update succeeds (PostgreSQL re-checks the condition after
    waiting for the winner's row lock; SQLite serialises the writers). The others get
    False and their leg is hung up; the winner's retried webhook still gets True.
    """
    claimed = session.execute(
        update(Call)
        .where(
            Call.call_sid == call_sid,
            Call.answered_at.is_(None),
            Call.staff_connected.is_(False),
            Call.status.not_in(FINAL_STATUSES),
        )
        .values(staff_id=staff_id, staff_connected=True, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    call = session.scalar(
        select(Call).where(Call.call_sid == call_sid).execution_options(populate_existing=True)
    )
    if call is None:
        return False
    if not getattr(claimed, "rowcount", 0):
        return call.staff_connected and call.staff_id == staff_id
    note_event(session, call, "answered", f"staff:{staff_id}", now)
    session.flush()
    return True


def release_staff(session: Session, call: Call) -> None:
    """The bridged conversation ended: the staff member can be rung again."""
    if call.staff_connected:
        call.staff_connected = False
        session.flush()


def busy_staff_ids(session: Session, structure: StructureInfo, now: datetime) -> set[int]:
    """Staff who are on the phone now, and so must not be rung for an inbound call.

    On the phone is any of: bridged to a caller of the hotline; ringing or talking on a
    callback attempt whose staff leg has not ended (its lease bounds a lost end); calling
    the hotline from their registered phone (the staff menu, or a bridge started from it).
    Legs older than 4 h are treated as stale: their end was lost. Only the structure's
    active staff (`StructureInfo.staff_phones`) are asked about: nobody else is rung.
    """
    ids, phones = staff_asked_about(structure)
    if not ids:
        return set()
    rows = session.execute(
        busy_staff_select(structure.id, now, lambda c: c.in_(ids), lambda c: c.in_(phones))
    )
    return busy_among(structure, rows)


def staff_asked_about(structure: StructureInfo) -> tuple[list[int], list[str]]:
    """The ids and the phones `busy_staff_select` is given: the structure's active staff."""
    return list(structure.staff_phones), sorted(set(structure.staff_phones.values()))


def busy_staff_select(
    structure: Any,
    now: Any,
    is_staff: Callable[[Any], Any],
    is_staff_phone: Callable[[Any], Any],
) -> Any:
    """`busy_staff_ids` as SQL: rows (staff id, None) and (None, phone), for `busy_among`.

    Each branch reads one table by an index, the structure's staff given as values
    (`is_staff(column)`, `is_staff_phone(column)`: an IN list, or `= ANY` of an array in
    `calls.driver`) rather than joined: PostgreSQL plans it in a quarter of a millisecond,
    and no plan can walk a structure's whole history.
    """
    since = now - STALE_STAFF_LEG
    connected = select(Call.staff_id, null().label("phone")).where(
        Call.staff_connected.is_(True), Call.answered_at > since, is_staff(Call.staff_id)
    )
    calling_back = select(CallbackAttempt.staff_id, null()).where(
        CallbackAttempt.ended_at.is_(None),
        CallbackAttempt.started_at > now - timedelta(minutes=CALLING_LEASE_MINUTES),
        is_staff(CallbackAttempt.staff_id),
    )
    on_their_phone = select(null(), Call.from_e164).where(
        Call.structure_id == structure,
        is_staff_phone(Call.from_e164),
        Call.direction == "inbound",
        Call.status.not_in([literal(status) for status in FINAL_STATUSES]),  # one SQL text
        Call.started_at > since,
    )
    return union_all(connected, calling_back, on_their_phone)


def busy_among(structure: StructureInfo, rows: Iterable[Sequence[Any]]) -> set[int]:
    """The staff ids `busy_staff_select`'s rows name, by id or by their phone."""
    busy: set[int] = set()
    phones: set[str] = set()
    for staff_id, phone in rows:
        if staff_id is not None:
            busy.add(staff_id)
        elif phone is not None:
            phones.add(phone)
    busy |= {staff_id for staff_id, own in structure.staff_phones.items() if own in phones}
    return busy & set(structure.staff_phones)


def close_stale_staff_legs(session: Session, now: datetime) -> int:
    """Free staff whose call never reported its end (a lost status callback)."""
    result = session.execute(
        update(Call)
        .where(Call.staff_connected.is_(True), Call.answered_at <= now - STALE_STAFF_LEG)
        .values(staff_connected=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
