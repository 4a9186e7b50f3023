"""What the queue services share: scoped loading and saying why an action was refused."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, bindparam, literal_column, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import ColumnElement

from hotline.callbacks import wording as french
from hotline.callbacks.errors import AlreadyClaimed, NotClaimable, UnknownCallback
from hotline.callbacks.queue_rows import HolderLine, QueueRow
from hotline.callbacks.settings import CallbackSettings, callback_settings
from hotline.models import OPEN_STATUSES, Callback, CallbackStatus, Staff, Structure

HELD = (CallbackStatus.CLAIMED, CallbackStatus.CALLING)
CLOSED = (CallbackStatus.DONE, CallbackStatus.ABANDONED)
# Once a call is being placed, the claim lasts at least this long: a conversation must not
# see its entry handed to someone else halfway through.
CALLING_LEASE_MINUTES = 120


def status_in(statuses: Iterable[CallbackStatus]) -> ColumnElement[bool]:
    """`callback.status IN ('waiting', ...)`, the statuses written into the SQL, not bound.

    Bound, as SQLAlchemy binds a list, they made the statement's text be rebuilt at every run,
    and PostgreSQL could not tell that a plan made once for any values may use the partial
    indexes (whose predicates name these statuses): it planned the queue's statements again
    on every page. Written in, the text is fixed and the plan made once uses the indexes.
    The statuses are our enum's constants, never a value received.
    """
    return Callback.status.in_([literal_column(f"'{CallbackStatus(s).value}'") for s in statuses])


def is_free() -> ColumnElement[bool]:
    """Open and without a due time, in SQL: callable now whatever the instant. The predicate
    of `ix_callback_queue_free` and of the ledger's triggers (`FREE_SQL`, migration 0021)."""
    return and_(status_in(OPEN_STATUSES), Callback.due_at.is_(None))


def load_scoped(session: Session, callback_id: int, structure_id: int) -> Callback | None:
    """The entry if it belongs to the structure, read fresh (a conditional UPDATE may have
    changed it behind the identity map), with its holder: a refusal names them."""
    return session.scalar(
        select(Callback)
        .where(Callback.id == callback_id, Callback.structure_id == structure_id)
        .options(joinedload(Callback.claimed_by))
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class EntryState:
    """What `refusal` reads of an entry (the names of `Callback`'s), in one light statement:
    a refused claim is most claims when staff race, and loading the entry and its holder as
    ORM objects cost twice the statement itself."""

    structure_id: int
    status: CallbackStatus
    due_at: datetime | None
    claimed_by_id: int | None
    claim_expires_at: datetime | None
    claimed_by: HolderLine | None


@functools.cache
def _entry_state_statement() -> Any:
    return (
        select(
            Callback.structure_id,
            Callback.status,
            Callback.due_at,
            Callback.claimed_by_id,
            Callback.claim_expires_at,
            Staff.name,
        )
        .outerjoin(Staff, Staff.id == Callback.claimed_by_id)
        .where(
            Callback.id == bindparam("entry", type_=Integer),
            Callback.structure_id == bindparam("structure", type_=Integer),
        )
    )


def entry_state(session: Session, callback_id: int, structure_id: int) -> EntryState | None:
    """The entry's state now if it belongs to the structure (read after a conditional UPDATE
    that lost: a claim committed meanwhile is seen, and its holder named)."""
    row = (
        session.connection()
        .execute(_entry_state_statement(), {"entry": callback_id, "structure": structure_id})
        .first()
    )
    if row is None:
        return None
    structure, status, due_at, holder_id, expires_at, holder = row
    claimed_by = HolderLine(holder_id, holder) if holder is not None else None
    return EntryState(structure, status, due_at, holder_id, expires_at, claimed_by)


def settings_of(session: Session, structure_id: int) -> CallbackSettings:
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise LookupError(f"no structure {structure_id}")
    return callback_settings(structure)


def rowcount(result: Any) -> int:
    """Rows a conditional UPDATE changed: how the database says who won."""
    return int(getattr(result, "rowcount", 0) or 0)


def claim_expired(callback: Callback | QueueRow | EntryState, now: datetime) -> bool:
    expires = callback.claim_expires_at
    return callback.status in HELD and expires is not None and expires < now


def due_later(callback: Callback | QueueRow | EntryState, now: datetime) -> bool:
    """An open entry whose next attempt is not due yet: nobody may take it before its time.

    "Pas de réponse" spaces the attempts out (demo: 1 h, 4 h, 1 day) so a person is not
    rung again and again; taking the entry early would undo that.
    """
    due = callback.due_at
    return callback.status in OPEN_STATUSES and due is not None and due > now


def refusal(
    session: Session, callback: Callback | EntryState | None, staff: Staff, now: datetime
) -> NotClaimable:
    """The error that explains, in French, why this staff member cannot act on the entry."""
    if callback is None:
        return UnknownCallback("Ce rappel n'existe pas dans votre structure.")
    if callback.status in CLOSED:
        return NotClaimable("Ce rappel est déjà clos.")
    if due_later(callback, now) and callback.due_at is not None:
        structure = session.get(Structure, callback.structure_id)
        tz = ZoneInfo(structure.timezone if structure is not None else "Europe/Paris")
        when = french.moment(callback.due_at, now, tz)
        return NotClaimable(f"Prochaine tentative prévue {when} : pas avant.")
    held_by_other = callback.status in HELD and callback.claimed_by_id not in (None, staff.id)
    if held_by_other and not claim_expired(callback, now):
        holder = callback.claimed_by
        return AlreadyClaimed(holder.name if holder is not None else "un autre membre")
    return NotClaimable("Prenez d'abord ce rappel.")
