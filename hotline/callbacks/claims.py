"""One staff member per callback: claims decided by the database, with a lease.

Two accompagnants clicking "Prendre" at the same instant both send one conditional UPDATE;
the row can match its WHERE only once, so exactly one gets rowcount 1 (PostgreSQL re-checks
the WHERE after waiting for the other's row lock; SQLite serialises writers). No
read-then-write window exists for a second winner to slip into.

A claim on which nothing happens (no call started) lapses after the structure's
`claim_lease_minutes`: the entry is free again for anyone, with its attempts and history.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, or_, update
from sqlalchemy.orm import Session

from hotline.callbacks.common import (
    HELD,
    entry_state,
    load_scoped,
    refusal,
    rowcount,
    settings_of,
    status_in,
)
from hotline.callbacks.errors import NotClaimable
from hotline.models import OPEN_STATUSES, Callback, CallbackStatus, Staff
from hotline.models.attach import attach_loaded

RELEASE_ANY_ROLES = ("coordinator", "admin")


def _free_or_mine(staff_id: Any, now: Any) -> Any:
    """Open, or held on a lapsed lease, or already claimed by this same staff member.

    Open or lapsed, the entry must also be due: a retry is not taken before its time.
    """
    due = or_(Callback.due_at.is_(None), Callback.due_at <= now)
    return or_(
        and_(status_in(OPEN_STATUSES), due),
        and_(status_in(HELD), Callback.claim_expires_at < now, due),
        and_(Callback.status == CallbackStatus.CLAIMED, Callback.claimed_by_id == staff_id),
    )


@functools.cache
def _claim_statement() -> Any:
    """The claim's UPDATE, built once (each claim binds its values): under 20 claimers at
    once, building it again took as long as PostgreSQL took to run it. The bound names
    differ from the columns' (an UPDATE reserves those for its SET values). A Core
    statement: the ORM's UPDATE … RETURNING cost twice as much even when it changed no row."""
    table: Any = Callback.__table__
    now = bindparam("at", type_=Callback.due_at.type)
    staff_id = bindparam("staff", type_=Integer)
    return (
        update(table)
        .where(
            table.c.id == bindparam("entry", type_=Integer),
            table.c.structure_id == bindparam("structure", type_=Integer),
            _free_or_mine(staff_id, now),
        )
        .values(
            status=CallbackStatus.CLAIMED,
            claimed_by_id=staff_id,
            claim_expires_at=bindparam("lease_end", type_=Callback.claim_expires_at.type),
            version=table.c.version + 1,
        )
        .returning(*table.columns)  # the winner reads its entry back in the same statement
    )


def claim_callback(session: Session, callback_id: int, staff: Staff, now: datetime) -> Callback:
    """Take the entry for `staff`; claiming it again renews the lease.

    Raises AlreadyClaimed (naming the holder) when someone else holds it, NotClaimable when
    it is closed or not in the staff member's structure. Flushes the session first (the
    UPDATE goes below the ORM, whose autoflush would have); writes nothing but the claim.
    """
    if not staff.active:
        raise NotClaimable("Votre compte est désactivé.")
    lease = timedelta(minutes=settings_of(session, staff.structure_id).claim_lease_minutes)
    session.flush()
    won = (
        session.connection()
        .execute(
            _claim_statement(),
            {
                "entry": callback_id,
                "structure": staff.structure_id,
                "staff": staff.id,
                "at": now,
                "lease_end": now + lease,
            },
        )
        .first()
    )
    if won is not None:
        return attach_loaded(session, Callback, won._asdict())
    state = entry_state(session, callback_id, staff.structure_id)
    calling = (CallbackStatus.CALLING, staff.id)
    if state is not None and (state.status, state.claimed_by_id) == calling:
        # Already calling it: nothing to take (rare, so read as an entry then).
        callback = load_scoped(session, callback_id, staff.structure_id)
        if callback is not None:
            return callback
        state = None  # deleted meanwhile: unknown, as for any entry not found
    _forget_entry(session, callback_id)
    raise refusal(session, state, staff, now)


def _forget_entry(session: Session, callback_id: int) -> None:
    """The entry as the session holds it, if it does, is out of date (someone else took it,
    or it closed): expired, so it is read again when next used. No SQL."""
    known = session.identity_map.get(session.identity_key(Callback, (callback_id,)))
    if known is not None:
        session.expire(known)


def _back_status(callback: Callback, now: datetime) -> CallbackStatus:
    """Where a freed entry goes: a retry not yet due keeps waiting for its time."""
    if callback.due_at is not None and callback.due_at > now:
        return CallbackStatus.RETRY_SCHEDULED
    return CallbackStatus.WAITING


def release_callback(session: Session, callback_id: int, staff: Staff, now: datetime) -> Callback:
    """Give the entry back to the queue; a coordinator may free anyone's claim.

    Releasing an entry nobody holds does nothing. An entry being called cannot be released:
    its outcome must be recorded first.
    """
    callback = load_scoped(session, callback_id, staff.structure_id)
    if callback is not None and callback.status in OPEN_STATUSES:
        return callback
    anyone = staff.role in RELEASE_ANY_ROLES
    mine = Callback.claimed_by_id.isnot(None) if anyone else Callback.claimed_by_id == staff.id
    result = session.execute(
        update(Callback)
        .where(
            Callback.id == callback_id,
            Callback.structure_id == staff.structure_id,
            Callback.status == CallbackStatus.CLAIMED,
            mine,
        )
        .values(
            status=_back_status(callback, now) if callback else CallbackStatus.WAITING,
            claimed_by_id=None,
            claim_expires_at=None,
            version=Callback.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    callback = load_scoped(session, callback_id, staff.structure_id)
    if rowcount(result) == 1 and callback is not None:
        return callback
    if callback is not None and callback.status == CallbackStatus.CALLING:
        raise NotClaimable("Appel en cours : enregistrez d'abord son résultat.")
    raise refusal(session, callback, staff, now)


def expire_claims(session: Session, now: datetime) -> int:
    """Free every claim whose lease has lapsed, in every structure; returns how many.

    Safe to run twice: a freed entry no longer matches. Attempts and notes stay on the entry.
    """
    freed = 0
    lapsed = and_(status_in(HELD), Callback.claim_expires_at < now)
    for back, still_scheduled in (
        (CallbackStatus.RETRY_SCHEDULED, Callback.due_at > now),
        (CallbackStatus.WAITING, or_(Callback.due_at.is_(None), Callback.due_at <= now)),
    ):
        result = session.execute(
            update(Callback)
            .where(lapsed, still_scheduled)
            .values(
                status=back, claimed_by_id=None, claim_expires_at=None, version=Callback.version + 1
            )
            .execution_options(synchronize_session=False)
        )
        freed += rowcount(result)
    return freed
