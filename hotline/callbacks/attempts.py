"""Calling back: starting an attempt, and the two legs' statuses as the network reports them.

An attempt is one press of "Rappeler": the staff member's phone rings first, then the
caller's. Pressing twice while the first call is still going gives the same attempt (a
double click or a retried request never rings anyone twice); pressing again after the
staff leg ended (they missed their own phone) starts a new one. Nobody is rung outside the
structure's allowed outbound hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.callbacks import wording as french
from hotline.callbacks.common import (
    CALLING_LEASE_MINUTES,
    HELD,
    load_scoped,
    refusal,
    rowcount,
    settings_of,
)
from hotline.callbacks.errors import NotClaimable, OutsideOutboundHours
from hotline.callbacks.hours import when_may_we_call
from hotline.models import (
    FINAL_CALL_STATUSES,
    Callback,
    CallbackAttempt,
    CallbackStatus,
    Staff,
    must_exist,
)
from hotline.models.upsert import insert_if_absent

LEGS = ("staff", "caller")
CONNECTED = ("in-progress", "answered", "completed")  # the staff leg was picked up
AWAITING_OUTCOME = (
    "L'appel précédent est terminé : enregistrez d'abord son résultat "
    "(« Pas de réponse » prévoit une nouvelle tentative)."
)
# Statuses only move forward; a late "ringing" never overwrites "in-progress" or an end.
_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3}
_FINAL_RANK = 4


def latest_attempt(session: Session, callback_id: int) -> CallbackAttempt | None:
    return session.scalar(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id == callback_id)
        .order_by(CallbackAttempt.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _in_progress(session: Session, callback: Callback, staff: Staff) -> CallbackAttempt | None:
    """The attempt this staff member already started and whose staff leg has not ended."""
    if callback.status != CallbackStatus.CALLING or callback.claimed_by_id != staff.id:
        return None
    attempt = latest_attempt(session, callback.id)
    return attempt if attempt is not None and attempt.ended_at is None else None


def open_attempt(session: Session, callback: Callback, staff: Staff) -> CallbackAttempt | None:
    """The staff member's latest attempt on their claim, still without an outcome."""
    if callback.status not in HELD or callback.claimed_by_id != staff.id:
        return None
    return still_open(latest_attempt(session, callback.id), callback, staff)


def still_open(
    latest: CallbackAttempt | None, callback: Callback, staff: Staff
) -> CallbackAttempt | None:
    """`open_attempt` from the latest attempt already read (one query for a whole page)."""
    if callback.status not in HELD or callback.claimed_by_id != staff.id or latest is None:
        return None
    if latest.result or latest.failure_reason or latest.staff_id != staff.id:
        return None
    return latest


def connected(attempt: CallbackAttempt | None) -> bool:
    """A call reached the staff member's phone on this open attempt: its outcome is awaited.

    A staff leg that never connected (no answer, busy, failed) leaves "Rappeler" free.
    """
    return attempt is not None and attempt.staff_status in CONNECTED


def awaiting_outcome(session: Session, callback: Callback, staff: Staff) -> bool:
    """A call reached the staff member's phone on this claim and its outcome is not recorded."""
    return connected(open_attempt(session, callback, staff))


def _check_hours(session: Session, callback: Callback, now: datetime) -> None:
    hours = settings_of(session, callback.structure_id).outbound_hours
    window = when_may_we_call(hours, now, callback.person)
    if not window.open_now:
        written = french.call_window(window, hours.calendar.tz) if window.opens else ""
        raise OutsideOutboundHours(window.opens, written)


def start_attempt(
    session: Session, callback_id: int, staff: Staff, now: datetime
) -> CallbackAttempt:
    """Start calling back the entry `staff` holds; the entry becomes CALLING.

    Raises OutsideOutboundHours (with the next allowed instant) out of hours, and
    AlreadyClaimed / NotClaimable when the entry is not held by this staff member.
    """
    callback = load_scoped(session, callback_id, staff.structure_id)
    if callback is None or callback.status not in HELD or callback.claimed_by_id != staff.id:
        raise refusal(session, callback, staff, now)
    running = _in_progress(session, callback, staff)
    if running is not None:
        return running
    if awaiting_outcome(session, callback, staff):
        raise NotClaimable(AWAITING_OUTCOME)
    _check_hours(session, callback, now)
    lease = max(settings_of(session, staff.structure_id).claim_lease_minutes, CALLING_LEASE_MINUTES)
    result = session.execute(
        update(Callback)
        .where(
            Callback.id == callback.id,
            Callback.claimed_by_id == staff.id,
            Callback.version == callback.version,  # whoever changed it first wins
        )
        .values(
            status=CallbackStatus.CALLING,
            claim_expires_at=now + timedelta(minutes=lease),
            version=Callback.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 0:
        return _lost_race(session, callback_id, staff, now)
    return _new_attempt(session, callback.id, staff.id, now)


def _lost_race(session: Session, callback_id: int, staff: Staff, now: datetime) -> CallbackAttempt:
    """Another request changed the entry first: its attempt is ours too, if it is running."""
    callback = load_scoped(session, callback_id, staff.structure_id)
    running = _in_progress(session, callback, staff) if callback is not None else None
    if running is not None:
        return running
    if callback is not None and callback.claimed_by_id == staff.id:
        raise NotClaimable("Ce rappel vient de changer : rechargez la page.")
    raise refusal(session, callback, staff, now)


def _new_attempt(
    session: Session, callback_id: int, staff_id: int, now: datetime
) -> CallbackAttempt:
    """Number = last number + 1; only the winner of the UPDATE above gets here."""
    last = session.scalar(
        select(func.max(CallbackAttempt.number)).where(CallbackAttempt.callback_id == callback_id)
    )
    number = (last or 0) + 1
    values = {
        "callback_id": callback_id,
        "number": number,
        "staff_id": staff_id,
        "started_at": now,
        "staff_status": "",
        "caller_status": "",
        "result": "",
    }
    insert_if_absent(session, CallbackAttempt, values, unique_on=["callback_id", "number"])
    attempt = session.scalar(
        select(CallbackAttempt).where(
            CallbackAttempt.callback_id == callback_id, CallbackAttempt.number == number
        )
    )
    return must_exist(attempt, "the callback attempt")


def _rank(status: str) -> int:
    return _FINAL_RANK if status in FINAL_CALL_STATUSES else _RANK.get(status, -1)


def note_attempt_leg(
    session: Session,
    *,
    attempt_id: int,
    leg: str,
    call_sid: str | None,
    status: str,
    now: datetime,
) -> CallbackAttempt:
    """Record a leg's CallSid and status; repeated or late callbacks never move a leg back.

    The first CallSid given for a leg is kept. The attempt ends when the staff leg does (the
    caller's leg is bridged inside it). LookupError for an unknown attempt.
    """
    if leg not in LEGS:
        raise ValueError(f"leg must be one of {LEGS}, got {leg!r}")
    attempt = session.get(CallbackAttempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise LookupError(f"no callback attempt {attempt_id}")
    sid_field, status_field = f"{leg}_call_sid", f"{leg}_status"
    if call_sid and getattr(attempt, sid_field) is None:
        setattr(attempt, sid_field, call_sid)
    current = getattr(attempt, status_field)
    if status and _rank(status) > _rank(current):
        setattr(attempt, status_field, status)
        if leg == "staff" and status in FINAL_CALL_STATUSES and attempt.ended_at is None:
            attempt.ended_at = now
    session.flush()
    return attempt
