"""What the queue services share: scoped loading and saying why an action was refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.errors import AlreadyClaimed, NotClaimable
from hotline.callbacks.settings import CallbackSettings, callback_settings
from hotline.models import Callback, CallbackStatus, Staff, Structure

HELD = (CallbackStatus.CLAIMED, CallbackStatus.CALLING)
CLOSED = (CallbackStatus.DONE, CallbackStatus.ABANDONED)
# Once a call is being placed, the claim lasts at least this long: a conversation must not
# see its entry handed to someone else halfway through.
CALLING_LEASE_MINUTES = 120


def load_scoped(session: Session, callback_id: int, structure_id: int) -> Callback | None:
    """The entry if it belongs to the structure, read fresh (a conditional UPDATE may have
    changed it behind the identity map)."""
    return session.scalar(
        select(Callback)
        .where(Callback.id == callback_id, Callback.structure_id == structure_id)
        .execution_options(populate_existing=True)
    )


def settings_of(session: Session, structure_id: int) -> CallbackSettings:
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise LookupError(f"no structure {structure_id}")
    return callback_settings(structure)


def rowcount(result: Any) -> int:
    """Rows a conditional UPDATE changed: how the database says who won."""
    return int(getattr(result, "rowcount", 0) or 0)


def claim_expired(callback: Callback, now: datetime) -> bool:
    expires = callback.claim_expires_at
    return callback.status in HELD and expires is not None and expires < now


def refusal(
    session: Session, callback: Callback | None, staff: Staff, now: datetime
) -> NotClaimable:
    """The error that explains, in French, why this staff member cannot act on the entry."""
    if callback is None:
        return NotClaimable("Ce rappel n'existe pas dans votre structure.")
    if callback.status in CLOSED:
        return NotClaimable("Ce rappel est déjà clos.")
    held_by_other = callback.status in HELD and callback.claimed_by_id not in (None, staff.id)
    if held_by_other and not claim_expired(callback, now):
        holder = session.get(Staff, callback.claimed_by_id)
        return AlreadyClaimed(holder.name if holder is not None else "un autre membre")
    return NotClaimable("Prenez d'abord ce rappel.")
