"""Placing participants' call legs, each at most once, and what each leg's status says.

A leg is placed in two steps around the provider request: `claim_leg` sets `placing_at` by a
conditional UPDATE (the caller commits it *before* asking the provider), then `leg_placed`
or `leg_refused` records the answer. Two jobs racing for one leg: one UPDATE wins. A worker
killed between the two steps leaves a claimed leg with no CallSid: it is never placed again
(better to miss one person than to ring them twice); the dashboard shows it and the host can
redial.

A first call that was not answered by a person (no answer, busy, a voicemail that pressed
nothing) gets one retry leg after the series' delay, while the session runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import (
    FINAL_CALL_STATUSES,
    GroupCallLeg,
    GroupParticipant,
    GroupSession,
    LegKind,
    LegOutcome,
    LegStatus,
    SessionStatus,
)
from hotline.models.calls import is_storable_sid

ACCOUNT_LIMIT_CODES = frozenset({16021, 20429})  # concurrency limit; too many API requests
RECOVER_AFTER = timedelta(seconds=60)  # a first leg its start job should have placed by now
_OUTCOME_OF_STATUS = {
    "no-answer": LegOutcome.NO_ANSWER,
    "busy": LegOutcome.BUSY,
    "failed": LegOutcome.FAILED,
    "canceled": LegOutcome.CANCELLED,
    "completed": LegOutcome.NO_KEY,  # answered, hung up before pressing 1 (or a voicemail)
}
RETRYABLE = frozenset({LegOutcome.NO_ANSWER, LegOutcome.BUSY, LegOutcome.NO_KEY})


@dataclass(frozen=True)
class LegOrder:
    """What the job needs to place a claimed leg."""

    leg_id: int
    session_id: int
    structure_id: int
    phone_e164: str


def claim_leg(db: Session, leg_id: int, now: datetime) -> LegOrder | None:
    """Take the leg for placing; None when it is not to be placed (taken, done, session over)."""
    leg = db.get(GroupCallLeg, leg_id)
    if leg is None or leg.placing_at is not None or leg.outcome is not None:
        return None
    participant = leg.participant
    session = participant.session
    if session.status is not SessionStatus.RUNNING or not participant.phone_e164:
        leg.outcome = LegOutcome.CANCELLED
        _settle(participant)
        db.flush()
        return None
    result = db.execute(
        update(GroupCallLeg)
        .where(GroupCallLeg.id == leg_id, GroupCallLeg.placing_at.is_(None))
        .values(placing_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    participant.status = LegStatus.CALLING
    db.flush()
    return LegOrder(leg.id, session.id, session.structure_id, participant.phone_e164)


def leg_placed(db: Session, leg_id: int, call_sid: str) -> None:
    leg = db.get(GroupCallLeg, leg_id)
    if leg is not None and leg.call_sid is None:
        leg.call_sid = call_sid
        db.flush()


def leg_refused(db: Session, leg_id: int, reason: str, code: int | None, now: datetime) -> None:
    """The provider refused to place the leg; on an account limit, tell the host (French)."""
    leg = db.get(GroupCallLeg, leg_id)
    if leg is None:
        return
    leg.outcome = LegOutcome.REFUSED
    leg.ended_at = now
    leg.failure_reason = reason[:300]
    participant = leg.participant
    participant.failure_reason = reason[:300]
    participant.status = LegStatus.REFUSED
    if code in ACCOUNT_LIMIT_CODES:
        session = participant.session
        session.refusal = account_limit_text(refused_count(session))
        session.version += 1
    db.flush()


def refused_count(session: GroupSession) -> int:
    return sum(1 for p in session.participants if p.status is LegStatus.REFUSED)


def account_limit_text(refused: int) -> str:
    """What the host reads and hears when the account's simultaneous-call limit is reached."""
    who = "1 personne n'a" if refused == 1 else f"{refused} personnes n'ont"
    return (
        f"Le compte téléphonique a atteint sa limite d'appels simultanés : {who} pas pu être "
        "appelée(s). Pour appeler tout le groupe, faites approuver le profil d'entreprise "
        "(Business Profile) du compte Twilio."
    )


def note_leg_status(
    db: Session, leg_id: int, call_sid: str, status: str, now: datetime
) -> GroupCallLeg | None:
    """A status callback of a placed leg; idempotent (a final status is kept once).

    None for another leg's callback: a CallSid not the leg's, or one longer than any leg's
    (no column holds it, so no leg of ours has it)."""
    leg = db.get(GroupCallLeg, leg_id)
    theirs = leg is not None and leg.call_sid and call_sid and leg.call_sid != call_sid
    if leg is None or theirs or (call_sid and not is_storable_sid(call_sid)):
        return None
    if leg.call_sid is None and call_sid:
        leg.call_sid = call_sid
    if leg.ended_at is not None:
        return leg
    leg.call_status = status
    participant = leg.participant
    if status == "in-progress" and leg.answered_at is None:
        # Answered, by a person or a voicemail: `reached` waits for a key or a join.
        leg.answered_at = now
        if participant.status in (LegStatus.CALLING, LegStatus.PENDING, LegStatus.RETRY):
            participant.status = LegStatus.SCREENING
    elif status in FINAL_CALL_STATUSES:
        leg.ended_at = now
        if leg.outcome is None:
            leg.outcome = _OUTCOME_OF_STATUS.get(status, LegOutcome.FAILED)
        if leg.outcome in RETRYABLE and _may_retry(leg):
            _add_retry(db, leg, now)
        else:
            _settle(participant)
    db.flush()
    return leg


def _may_retry(leg: GroupCallLeg) -> bool:
    participant = leg.participant
    return (
        leg.kind is LegKind.DIAL
        and participant.session.status is SessionStatus.RUNNING
        and not any(other.kind is LegKind.RETRY for other in participant.legs)
        and participant.first_joined_at is None
    )


def _add_retry(db: Session, leg: GroupCallLeg, now: datetime) -> None:
    participant = leg.participant
    delay = timedelta(minutes=participant.session.series.retry_delay_minutes)
    participant.legs.append(
        GroupCallLeg(
            session_id=leg.session_id,
            number=len(participant.legs) + 1,
            kind=LegKind.RETRY,
            dial_at=now + delay,
        )
    )
    participant.status = LegStatus.RETRY


def _settle(participant: GroupParticipant) -> None:
    """The participant's status once no leg of theirs is live or waiting."""
    if any(leg.outcome is None for leg in participant.legs):
        return
    if participant.status in (LegStatus.OPTED_OUT, LegStatus.REFUSED):
        return
    if participant.first_joined_at is not None:
        participant.status = LegStatus.LEFT
    elif all(leg.outcome is LegOutcome.CANCELLED for leg in participant.legs):
        participant.status = LegStatus.CANCELLED
    else:
        participant.status = LegStatus.NOT_REACHED


def due_legs(db: Session, now: datetime) -> list[int]:
    """Legs to place now that no start job is placing: retries, redials, and first legs a
    killed start job left behind (after a minute)."""
    return list(
        db.scalars(
            select(GroupCallLeg.id)
            .join(GroupSession, GroupSession.id == GroupCallLeg.session_id)
            .where(
                GroupSession.status == SessionStatus.RUNNING,
                GroupCallLeg.placing_at.is_(None),
                GroupCallLeg.outcome.is_(None),
                GroupCallLeg.kind != LegKind.DIAL_IN,
                GroupCallLeg.dial_at <= now,
                (GroupCallLeg.kind != LegKind.DIAL) | (GroupCallLeg.dial_at <= now - RECOVER_AFTER),
            )
            .order_by(GroupCallLeg.dial_at)
        )
    )


LOST_AFTER = timedelta(minutes=2)
LOST_REASON = "L'appel a peut-être été interrompu avant de partir : rappelez la personne si besoin."


def close_lost_legs(db: Session, now: datetime) -> int:
    """Legs claimed long ago that never got a CallSid (a worker killed mid-request) end as
    FAILED with a reason, so the live page shows them and the host can redial: never again
    placed by themselves, since the provider may have rung the phone."""
    lost = db.scalars(
        select(GroupCallLeg).where(
            GroupCallLeg.placing_at <= now - LOST_AFTER,
            GroupCallLeg.call_sid.is_(None),
            GroupCallLeg.outcome.is_(None),
        )
    ).all()
    for leg in lost:
        leg.outcome = LegOutcome.FAILED
        leg.ended_at = now
        leg.failure_reason = LOST_REASON
        leg.participant.failure_reason = LOST_REASON
        _settle(leg.participant)
    db.flush()
    return len(lost)


def leg_by_call_sid(db: Session, call_sid: str) -> GroupCallLeg | None:
    if not call_sid:
        return None
    return db.scalars(select(GroupCallLeg).where(GroupCallLeg.call_sid == call_sid)).one_or_none()
