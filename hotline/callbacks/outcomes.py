"""Recording how a callback went, scheduling the next try within allowed hours, the last SMS.

"No answer" puts the entry back at the next allowed instant after the structure's delay
(a no-answer at 17:50 with a one-hour delay comes back the next working day at 9:00); after
the last attempt the entry is abandoned, and one SMS may tell the person the structure
tried. An outcome posted twice (a double click, a retried request) changes nothing the
second time: the conditional UPDATE matches only while the entry is still held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline import phones
from hotline.callbacks.attempts import latest_attempt, open_attempt
from hotline.callbacks.common import HELD, load_scoped, refusal, rowcount, settings_of
from hotline.callbacks.errors import InvalidInput
from hotline.callbacks.hours import when_may_we_call
from hotline.callbacks.settings import CallbackSettings
from hotline.models import (
    Callback,
    CallbackAttempt,
    CallbackOutcome,
    CallbackStatus,
    Staff,
    must_exist,
)

NOTE_MAX = 500
REFERRED_MAX = 200
NO_SMS_SENDER = "Aucun SMS envoyé : la structure n'a pas d'expéditeur SMS enregistré (sms_sender)."
SMS_GAVE_UP = "Aucun SMS envoyé : le fournisseur n'a pas pu l'accepter pendant 2 jours."
NO_CALL_MADE = (
    "Aucun appel n'a été passé : appuyez sur « Rappeler », ou cochez « J'ai appelé depuis "
    "un autre téléphone »."
)
ELSEWHERE = "elsewhere"  # staff_status of an attempt made from another phone


@dataclass(frozen=True)
class OutcomeResult:
    """The entry after the outcome; `sms_needed` is True once, when the last-attempt SMS is due."""

    callback: Callback
    sms_needed: bool


def _checked_text(outcome: CallbackOutcome, note: str, referred_to: str) -> tuple[str, str]:
    note, referred_to = note.strip(), referred_to.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"La note dépasse {NOTE_MAX} caractères.")
    if len(referred_to) > REFERRED_MAX:
        raise InvalidInput(f"« Orienté vers » dépasse {REFERRED_MAX} caractères.")
    if outcome == CallbackOutcome.REFERRED and not referred_to:
        raise InvalidInput("Indiquez vers qui la personne est orientée.")
    return note, referred_to if outcome == CallbackOutcome.REFERRED else ""


def _transition(
    callback: Callback, outcome: CallbackOutcome, settings: CallbackSettings, now: datetime
) -> dict[str, Any]:
    """The entry's new status, attempt count and due time for this outcome."""
    attempts = callback.attempts + 1
    if outcome != CallbackOutcome.NO_ANSWER:
        return {"status": CallbackStatus.DONE, "attempts": attempts, "closed_at": now}
    if attempts >= settings.max_attempts:
        return {"status": CallbackStatus.ABANDONED, "attempts": attempts, "closed_at": now}
    earliest = now + timedelta(minutes=settings.attempt_delays_minutes[attempts - 1])
    due = when_may_we_call(settings.outbound_hours, earliest, callback.person).opens or earliest
    return {"status": CallbackStatus.RETRY_SCHEDULED, "attempts": attempts, "due_at": due}


def record_outcome(
    session: Session,
    *,
    callback_id: int,
    staff: Staff,
    outcome: CallbackOutcome,
    now: datetime,
    note: str = "",
    referred_to: str = "",
    called_elsewhere: bool = False,
) -> OutcomeResult:
    """Close the try the staff member holds: done, retry later, or abandoned after the last.

    An outcome counts as an attempt, so it needs one: a call started with "Rappeler" (or the
    phone menu) on this claim, or `called_elsewhere` (the staff member says they called from
    another phone), which records that attempt. The same outcome posted again returns the
    entry with sms_needed False. InvalidInput for a note too long, « orienté vers » without
    a name, or no call made; AlreadyClaimed / NotClaimable otherwise.
    """
    note, referred_to = _checked_text(outcome, note, referred_to)
    callback = load_scoped(session, callback_id, staff.structure_id)
    if callback is None or callback.status not in HELD or callback.claimed_by_id != staff.id:
        return _already_recorded(session, callback, staff, outcome, now)
    if open_attempt(session, callback, staff) is None:
        if not called_elsewhere:
            raise InvalidInput(NO_CALL_MADE)
        _called_elsewhere(session, callback, staff, now)
    settings = settings_of(session, staff.structure_id)
    change = _transition(callback, outcome, settings, now)
    change.update(outcome=outcome, note=note, referred_to=referred_to, handled_by_id=staff.id)
    if not _apply(session, callback, change):
        fresh = load_scoped(session, callback_id, staff.structure_id)
        return _already_recorded(session, fresh, staff, outcome, now)
    _close_attempt(session, callback.id, outcome, now)
    callback = must_exist(load_scoped(session, callback_id, staff.structure_id), "the callback")
    if _sms_wanted(callback, settings) and not settings.sms_sender:
        note_sms_failure(session, callback.id, NO_SMS_SENDER)
    return OutcomeResult(callback, _sms_needed(callback, settings))


def _called_elsewhere(session: Session, callback: Callback, staff: Staff, now: datetime) -> None:
    """The attempt the staff member made from another phone: no leg of ours, but it counts."""
    last = latest_attempt(session, callback.id)
    session.add(
        CallbackAttempt(
            callback_id=callback.id,
            number=(last.number if last is not None else 0) + 1,
            staff_id=staff.id,
            started_at=now,
            staff_status=ELSEWHERE,
            caller_status="",
            result="",
            failure_reason="",
            ended_at=now,
        )
    )
    session.flush()


def _apply(session: Session, callback: Callback, change: dict[str, Any]) -> bool:
    """Write the outcome if the entry is as we read it; False when another request won."""
    result = session.execute(
        update(Callback)
        .where(Callback.id == callback.id, Callback.version == callback.version)
        .values(**change, claimed_by_id=None, claim_expires_at=None, version=Callback.version + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _sms_wanted(callback: Callback, settings: CallbackSettings) -> bool:
    """The last-attempt SMS: once, to a mobile, for structures that want it."""
    return (
        callback.status == CallbackStatus.ABANDONED
        and settings.sms_after_last_attempt
        and callback.sms_sent_at is None
        and not callback.sms_failure
        and phones.is_mobile(callback.phone_e164)
    )


def _sms_needed(callback: Callback, settings: CallbackSettings) -> bool:
    """Wanted, and the structure registered a sender that may send it."""
    return _sms_wanted(callback, settings) and bool(settings.sms_sender)


def note_sms_failure(session: Session, callback_id: int, reason: str) -> None:
    """No last-attempt SMS will be sent for this entry, and why (shown on its page)."""
    session.execute(
        update(Callback)
        .where(Callback.id == callback_id, Callback.sms_failure == "")
        .values(sms_failure=reason[:300], sms_sent_at=None)
        .execution_options(synchronize_session=False)
    )


def _already_recorded(
    session: Session,
    callback: Callback | None,
    staff: Staff,
    outcome: CallbackOutcome,
    now: datetime,
) -> OutcomeResult:
    """A repeat of the outcome just recorded is answered quietly; anything else is refused."""
    if (
        callback is not None
        and callback.status not in HELD
        and callback.outcome == outcome
        and callback.handled_by_id == staff.id
    ):
        return OutcomeResult(callback, False)
    raise refusal(session, callback, staff, now)


def _close_attempt(
    session: Session, callback_id: int, outcome: CallbackOutcome, now: datetime
) -> None:
    attempt = latest_attempt(session, callback_id)
    if attempt is not None and not attempt.result:
        attempt.result = outcome.value
        attempt.ended_at = attempt.ended_at or now
        session.flush()


def mark_sms_sent(session: Session, callback_id: int, now: datetime) -> bool:
    """Note that the last-attempt SMS went out; True only the first time (the job's guard)."""
    result = session.execute(
        update(Callback)
        .where(Callback.id == callback_id, Callback.sms_sent_at.is_(None))
        .values(sms_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def promote_due_retries(session: Session, now: datetime) -> int:
    """Retries whose time has come become plain waiting entries, in every structure.

    The queue already lists a due retry with the waiting ones; this keeps the status honest
    for reports and the API. Safe to run twice: a promoted entry no longer matches.
    """
    result = session.execute(
        update(Callback)
        .where(Callback.status == CallbackStatus.RETRY_SCHEDULED, Callback.due_at <= now)
        .values(status=CallbackStatus.WAITING, version=Callback.version + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


SMS_GRACE = timedelta(minutes=5)  # leave the job enqueued with the outcome time to run
SMS_GIVE_UP = timedelta(days=2)  # "we tried to call you" is pointless after that


def give_up_old_sms(session: Session, now: datetime) -> int:
    """SMS still unsent two days after the last attempt get a reason, and no more tries."""
    candidates = session.scalars(
        select(Callback).where(
            Callback.status == CallbackStatus.ABANDONED,
            Callback.sms_sent_at.is_(None),
            Callback.sms_failure == "",
            Callback.closed_at <= now - SMS_GIVE_UP,
            Callback.closed_at > now - 2 * SMS_GIVE_UP,
        )
    ).all()
    late = [c.id for c in candidates if _sms_needed(c, settings_of(session, c.structure_id))]
    for callback_id in late:
        note_sms_failure(session, callback_id, SMS_GAVE_UP)
    return len(late)


def sms_still_due(session: Session, now: datetime) -> list[int]:
    """Abandoned entries whose last-attempt SMS was never sent (job lost, or provider busy)."""
    candidates = session.scalars(
        select(Callback).where(
            Callback.status == CallbackStatus.ABANDONED,
            Callback.sms_sent_at.is_(None),
            Callback.sms_failure == "",
            Callback.closed_at <= now - SMS_GRACE,
            Callback.closed_at > now - SMS_GIVE_UP,
        )
    )
    return [
        callback.id
        for callback in candidates
        if _sms_needed(callback, settings_of(session, callback.structure_id))
    ]
