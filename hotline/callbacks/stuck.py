"""Attempts that never got a call: reopened with a reason, by the job, a sweep or staff.

An attempt is "Appel en cours" from the click until its staff leg ends. When the staff leg is
never placed (the provider refused it or never answered, the worker died mid-job, the job
was lost), nothing would ever end it: the entry stayed CALLING, "Rappeler" said the call was
already requested and "Remettre dans la file" was refused until the 120-minute lease ran out.
Reopening ends the attempt with a French reason and gives the entry back to the staff member
who held it (CLAIMED, on a fresh lease): they may press "Rappeler" again, which starts a new
attempt with a new job, or release it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.callbacks.attempts import latest_attempt
from hotline.callbacks.common import load_scoped, refusal, rowcount, settings_of
from hotline.callbacks.errors import NotClaimable
from hotline.models import FINAL_CALL_STATUSES, Callback, CallbackAttempt, CallbackStatus, Staff

# A job places its call within seconds (bounded HTTP timeout and retries); past this, with
# no CallSid and no status callback, no call exists for the attempt.
NEVER_PLACED_AFTER = timedelta(minutes=10)
# A placed call with no final status reported for this long is over, whatever happened.
NO_END_AFTER = timedelta(hours=4)
CANCEL_ANY_ROLES = ("coordinator", "admin")
LIVE_STATUSES = ("in-progress", "answered")

NEVER_PLACED = "L'appel n'a pas pu être lancé (tâche interrompue) : vous pouvez rappeler."
CANCELLED_BY_STAFF = "Tentative annulée par {name}."
NO_END_REPORTED = "Fin de l'appel jamais signalée par le fournisseur."


def reopen_attempt(session: Session, attempt_id: int, reason: str, now: datetime) -> bool:
    """End this attempt with `reason`; its entry, if still CALLING on it, is held again.

    True when the attempt was open. Safe to run twice: an ended attempt is left as it is.
    """
    attempt = session.get(CallbackAttempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.ended_at is not None:
        return False
    attempt.ended_at = now
    attempt.staff_status = attempt.staff_status or "failed"
    attempt.failure_reason = reason[:300]
    session.flush()
    latest = latest_attempt(session, attempt.callback_id)
    if latest is None or latest.id != attempt.id:
        return True
    lease = settings_of(session, attempt.callback.structure_id).claim_lease_minutes
    session.execute(
        update(Callback)
        .where(Callback.id == attempt.callback_id, Callback.status == CallbackStatus.CALLING)
        .values(
            status=CallbackStatus.CLAIMED,
            claim_expires_at=now + timedelta(minutes=lease),
            version=Callback.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return True


def cancel_attempt(session: Session, callback_id: int, staff: Staff, now: datetime) -> Callback:
    """Staff end an attempt stuck on "Appel en cours"; the entry is theirs again.

    Allowed to the staff member calling, or a coordinator; refused while the call is live
    (its outcome is then to be recorded). Cancelling an entry not being called does nothing.
    """
    callback = load_scoped(session, callback_id, staff.structure_id)
    if callback is None:
        raise refusal(session, callback, staff, now)
    if callback.status != CallbackStatus.CALLING:
        if callback.status == CallbackStatus.CLAIMED and callback.claimed_by_id == staff.id:
            return callback
        raise refusal(session, callback, staff, now)
    if callback.claimed_by_id != staff.id and staff.role not in CANCEL_ANY_ROLES:
        raise refusal(session, callback, staff, now)
    attempt = latest_attempt(session, callback.id)
    if attempt is not None and attempt.staff_status in LIVE_STATUSES and attempt.ended_at is None:
        raise NotClaimable("L'appel est en cours : raccrochez, puis enregistrez son résultat.")
    if attempt is None or attempt.ended_at is not None:
        _hold_again(session, callback, now)
    else:
        reopen_attempt(session, attempt.id, CANCELLED_BY_STAFF.format(name=staff.name), now)
    found = load_scoped(session, callback_id, staff.structure_id)
    if found is None:  # pragma: no cover - deleted meanwhile
        raise refusal(session, found, staff, now)
    return found


def _hold_again(session: Session, callback: Callback, now: datetime) -> None:
    """CALLING with no open attempt (its staff leg already ended): simply held again."""
    lease = settings_of(session, callback.structure_id).claim_lease_minutes
    result = session.execute(
        update(Callback)
        .where(Callback.id == callback.id, Callback.version == callback.version)
        .values(
            status=CallbackStatus.CLAIMED,
            claim_expires_at=now + timedelta(minutes=lease),
            version=Callback.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 0:
        raise NotClaimable("Ce rappel vient de changer : rechargez la page.")


def reopen_stuck_attempts(session: Session, now: datetime) -> list[int]:
    """Finish or reopen, in every structure, attempts the network will never report on.

    Never placed (no CallSid, no status) after 10 minutes: reopened. Placed but with no end
    reported after 4 hours: finished. Returns the ids of the attempts reopened or finished.
    """
    open_attempts = select(CallbackAttempt.id).where(CallbackAttempt.ended_at.is_(None))
    never_placed = session.scalars(
        open_attempts.where(
            CallbackAttempt.staff_call_sid.is_(None),
            CallbackAttempt.staff_status == "",
            CallbackAttempt.started_at < now - NEVER_PLACED_AFTER,
        )
    ).all()
    no_end = session.scalars(
        open_attempts.where(
            CallbackAttempt.staff_status.not_in(FINAL_CALL_STATUSES),
            CallbackAttempt.started_at < now - NO_END_AFTER,
        )
    ).all()
    done = [a for a in never_placed if reopen_attempt(session, a, NEVER_PLACED, now)]
    done += [
        a for a in no_end if a not in done and reopen_attempt(session, a, NO_END_REPORTED, now)
    ]
    return done
