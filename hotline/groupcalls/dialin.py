"""Joining by calling the hotline: the offer to a known participant, and the PIN.

A caller whose number is a participant of a session running now is offered it before the
menu. Anyone may join a running session with its PIN from the main menu's group branch. A
locked session refuses newcomers who dial in (those it calls are unaffected: "lock" has no
provider primitive, it is this check).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    GroupCallLeg,
    GroupParticipant,
    GroupSeries,
    GroupSession,
    LegKind,
    LegOutcome,
    LegStatus,
    ParticipantRole,
    SessionStatus,
)

MAX_PIN_ATTEMPTS = 3
# Every inbound call asks whether a session is running; the answer "none" is kept this long
# per process, so the common call (no group call going on) costs no database round trip.
# A session started by another process is offered at most this late.
RUNNING_CACHE_SECONDS = 5.0
_RUNNING = "hotline.groupcalls.running"


def _running_structures(db: Session) -> set[int]:
    cached: tuple[float, set[int]] | None = current_app.extensions.get(_RUNNING)
    if cached is not None and time.monotonic() - cached[0] < RUNNING_CACHE_SECONDS:
        return cached[1]
    ids = set(
        db.scalars(
            select(GroupSession.structure_id)
            .where(GroupSession.status == SessionStatus.RUNNING)
            .distinct()
        )
    )
    current_app.extensions[_RUNNING] = (time.monotonic(), ids)
    return ids


def forget_running() -> None:
    """A session started or ended in this process: ask the database at the next call."""
    current_app.extensions.pop(_RUNNING, None)


def session_offered_to(
    db: Session, structure_id: int, phone: str, now: datetime
) -> GroupSession | None:
    """A running session where `phone` is a participant not opted out, not already in."""
    if not phone or structure_id not in _running_structures(db):
        return None
    return db.scalars(
        select(GroupSession)
        .join(GroupParticipant, GroupParticipant.session_id == GroupSession.id)
        .where(
            GroupSession.structure_id == structure_id,
            GroupSession.status == SessionStatus.RUNNING,
            GroupParticipant.phone_e164 == phone,
            GroupParticipant.in_room.is_(False),
            GroupParticipant.status != LegStatus.OPTED_OUT,
        )
        .order_by(GroupSession.starts_at.desc())
        .limit(1)
    ).first()


def running_session_by_pin(db: Session, structure_id: int, pin: str) -> GroupSession | None:
    if not pin:
        return None
    return db.scalars(
        select(GroupSession)
        .join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(
            GroupSession.structure_id == structure_id,
            GroupSession.status == SessionStatus.RUNNING,
            GroupSeries.pin == pin,
        )
        .limit(1)
    ).first()


@dataclass(frozen=True)
class JoinResult:
    """ "joined" (then `leg_id` is the new leg), "locked", "wrong_pin", "gave_up", "over"."""

    outcome: str
    leg_id: int | None = None
    session_id: int | None = None


def join_by_pin(
    db: Session,
    structure_id: int,
    *,
    call_sid: str,
    phone: str,
    pin: str,
    attempt: int,
    now: datetime,
) -> JoinResult:
    session = running_session_by_pin(db, structure_id, pin.strip())
    if session is None:
        return JoinResult("gave_up" if attempt >= MAX_PIN_ATTEMPTS else "wrong_pin")
    return join_session(db, session, call_sid=call_sid, phone=phone, now=now)


def join_offered(
    db: Session, structure_id: int, *, session_id: int, call_sid: str, phone: str, now: datetime
) -> JoinResult:
    session = db.get(GroupSession, session_id)
    if session is None or session.structure_id != structure_id:
        return JoinResult("over")
    return join_session(db, session, call_sid=call_sid, phone=phone, now=now)


def join_session(
    db: Session, session: GroupSession, *, call_sid: str, phone: str, now: datetime
) -> JoinResult:
    """Add this inbound call to the session as a leg (of the known participant, or a guest)."""
    if session.status is not SessionStatus.RUNNING:
        return JoinResult("over", session_id=session.id)
    participant = next((p for p in session.participants if phone and p.phone_e164 == phone), None)
    invited = participant is not None and participant.role is not ParticipantRole.GUEST
    if session.locked and not (
        invited and participant and participant.role is ParticipantRole.HOST
    ):
        return JoinResult("locked", session_id=session.id)
    existing = db.scalars(select(GroupCallLeg).where(GroupCallLeg.call_sid == call_sid)).first()
    if existing is not None:
        return JoinResult("joined", existing.id, session.id)
    if participant is None:
        participant = GroupParticipant(
            session_id=session.id,
            role=ParticipantRole.GUEST,
            phone_e164=None,  # a guest's number is not kept: nobody will dial it
            label="g" + secrets.token_hex(4),
            dial_order=1000 + len(session.participants),
            status=LegStatus.JOINED,
            muted=session.series.muted_on_entry,
        )
        session.participants.append(participant)
    for leg in participant.legs:  # no retry while they are here
        if leg.placing_at is None and leg.outcome is None:
            leg.outcome = LegOutcome.CANCELLED
    leg = GroupCallLeg(
        session_id=session.id,
        number=len(participant.legs) + 1,
        kind=LegKind.DIAL_IN,
        dial_at=now,
        placing_at=now,
        call_sid=call_sid,
        answered_at=now,
        outcome=LegOutcome.JOINED,
    )
    participant.legs.append(leg)
    participant.reached = True
    participant.status = LegStatus.JOINED
    participant.leave_reason = ""
    db.flush()
    return JoinResult("joined", leg.id, session.id)
