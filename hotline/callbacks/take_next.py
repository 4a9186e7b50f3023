"""'The next one, please': a staff member takes the first callback due, in policy order.

Used by the staff phone menu, where nobody picks an entry from a list: the queue's order
(the structure's policy) decides, and an entry someone else just took is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.callbacks.attempts import note_attempt_leg, start_attempt
from hotline.callbacks.claims import claim_callback, release_callback
from hotline.callbacks.errors import NotClaimable, OutsideOutboundHours
from hotline.callbacks.hours import when_may_we_call
from hotline.callbacks.queue_order import in_order, page_ids
from hotline.callbacks.settings import callback_settings
from hotline.models import Callback, CallbackAttempt, Staff, Structure

PAGE = 50


def takeable(session: Session, structure_id: int, now: datetime) -> Iterator[Callback]:
    """Open entries due now, in the structure's policy order, read a page at a time.

    A person whose own call hours are closed now is passed over (not dropped): the phone
    menu would otherwise claim them, refuse to dial, and give them back, again and again.
    """
    structure = session.get_one(Structure, structure_id)
    settings = callback_settings(structure)
    offset, sid = 0, structure_id
    while ids := page_ids(session, sid, now, limit=PAGE, offset=offset, only_takeable=True):
        loaded = session.scalars(
            select(Callback).where(Callback.id.in_(ids)).options(selectinload(Callback.person))
        ).all()
        for callback in in_order(loaded, ids):
            if (
                callback.person_id is None
                or when_may_we_call(settings.outbound_hours, now, callback.person).open_now
            ):
                yield callback
        offset += PAGE


def take_next(session: Session, structure_id: int, staff: Staff, now: datetime) -> Callback | None:
    """Claim the first entry nobody else holds; None when there is none."""
    for callback in takeable(session, structure_id, now):
        try:
            return claim_callback(session, callback.id, staff, now)
        except NotClaimable:
            continue  # taken by someone else meanwhile: the next one
    return None


def start_next_callback(
    session: Session, structure_id: int, staff: Staff, now: datetime
) -> tuple[Callback, CallbackAttempt] | None:
    """Claim the next entry and open an attempt whose staff leg is the staff member's call.

    None when the queue is empty. If calling is not allowed now the claim is given back
    before OutsideOutboundHours propagates, so the entry never stays held by a phone call.
    """
    callback = take_next(session, structure_id, staff, now)
    if callback is None:
        return None
    try:
        attempt = start_attempt(session, callback.id, staff, now)
    except OutsideOutboundHours:
        release_callback(session, callback.id, staff, now)
        raise
    note_attempt_leg(
        session, attempt_id=attempt.id, leg="staff", call_sid=None, status="in-progress", now=now
    )
    return callback, attempt
