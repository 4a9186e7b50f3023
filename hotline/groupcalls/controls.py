"""Host controls, the same from the dashboard and from the host's keypad, and the live state.

The room's state at the provider changes through the gateway (mute, remove, end); our rows
change at once too, and the conference callbacks confirm them later (idempotently). Lock has
no provider primitive: it is our refusal of newcomers who dial in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from hotline import gateway
from hotline.groupcalls.errors import (
    NOT_IN_ROOM,
    NOT_RUNNING,
    OBJECTOR_STAYS_MUTED,
    PARTICIPANT_NOT_FOUND,
    GroupCallError,
)
from hotline.groupcalls.phone import close_session, has_host
from hotline.groupcalls.series import person_named
from hotline.groupcalls.sessions import ends_at, get_session
from hotline.models import (
    GroupCallLeg,
    GroupParticipant,
    GroupSession,
    LegKind,
    LegStatus,
    ParticipantRole,
    SessionStatus,
)
from hotline.voice.render import voice_url


def _participant(db: Session, structure_id: int, participant_id: int) -> GroupParticipant:
    found = db.get(GroupParticipant, participant_id)
    if found is None or found.session.structure_id != structure_id:
        raise GroupCallError(PARTICIPANT_NOT_FOUND)
    return found


def _live_call_sid(participant: GroupParticipant) -> str | None:
    for leg in reversed(participant.legs):
        if leg.call_sid and leg.ended_at is None:
            return leg.call_sid
    return None


def _in_room(participant: GroupParticipant) -> tuple[str, str]:
    sid = _live_call_sid(participant)
    conference = participant.session.conference_sid
    if not participant.in_room or sid is None or conference is None:
        raise GroupCallError(NOT_IN_ROOM)
    return conference, sid


def mute_participant(db: Session, structure_id: int, participant_id: int, muted: bool) -> None:
    """Mute or unmute; someone in the `*` menu comes back with this state."""
    participant = _participant(db, structure_id, participant_id)
    if not muted and participant.recording_objection:
        raise GroupCallError(OBJECTOR_STAYS_MUTED)
    if participant.in_room:
        conference, sid = _in_room(participant)
        gateway.update_participant(conference, sid, muted=muted)
    participant.muted = muted
    participant.session.version += 1
    db.flush()


def remove_participant(db: Session, structure_id: int, participant_id: int) -> None:
    participant = _participant(db, structure_id, participant_id)
    conference, sid = _in_room(participant)
    participant.leave_reason = "removed_by_host"
    participant.status = LegStatus.LEFT
    db.flush()
    gateway.remove_participant(conference, sid)
    participant.session.version += 1


def redial_participant(db: Session, structure_id: int, participant_id: int, now: datetime) -> int:
    """A new call leg for this participant, due now; the caller enqueues PLACE_GROUP_LEG."""
    participant = _participant(db, structure_id, participant_id)
    if participant.session.status is not SessionStatus.RUNNING:
        raise GroupCallError(NOT_RUNNING)
    if participant.in_room or _live_call_sid(participant) is not None:
        raise GroupCallError("Cette personne est déjà en ligne.")
    if not participant.phone_e164:
        raise GroupCallError("Cette personne n'a pas de numéro à appeler.")
    for leg in participant.legs:  # a waiting retry is replaced by this call
        if leg.placing_at is None and leg.outcome is None:
            db.delete(leg)
    leg = GroupCallLeg(
        session_id=participant.session_id,
        number=max((leg.number for leg in participant.legs), default=0) + 1,
        kind=LegKind.REDIAL,
        dial_at=now,
    )
    participant.legs.append(leg)
    participant.status = LegStatus.PENDING
    participant.leave_reason = ""
    participant.session.version += 1
    db.flush()
    return leg.id


def lock_session(db: Session, structure_id: int, session_id: int, locked: bool) -> None:
    session = get_session(db, structure_id, session_id)
    if session.status is not SessionStatus.RUNNING:
        raise GroupCallError(NOT_RUNNING)
    session.locked = locked
    session.version += 1
    db.flush()


def mute_all(db: Session, structure_id: int, session_id: int) -> int:
    """Mute every participant in the room but the hosts; how many were muted."""
    session = get_session(db, structure_id, session_id)
    muted = 0
    for participant in session.participants:
        if participant.role is ParticipantRole.HOST or participant.muted:
            continue
        if participant.in_room and session.conference_sid:
            sid = _live_call_sid(participant)
            if sid:
                gateway.update_participant(session.conference_sid, sid, muted=True)
        participant.muted = True
        muted += 1
    session.version += 1
    db.flush()
    return muted


def end_session(db: Session, structure_id: int, session_id: int, now: datetime) -> None:
    """End the session for everyone (and its room at the provider); safe to repeat."""
    session = get_session(db, structure_id, session_id)
    close_session(db, session, now)
    end_room(session)


def end_room(session: GroupSession) -> None:
    if session.conference_sid:
        gateway.end_conference(session.conference_sid)


def tell_host_of_refusal(session: GroupSession) -> bool:
    """Play the account-limit message to the hosts in the room; False if none is there."""
    told = False
    for participant in session.participants:
        if participant.role is ParticipantRole.HOST and participant.in_room:
            sid = _live_call_sid(participant)
            if sid and session.conference_sid:
                url = current_app.config["PUBLIC_BASE_URL"] + voice_url(
                    "group/announce", session=session.id
                )
                gateway.update_participant(session.conference_sid, sid, announce_url=url)
                told = True
    return told


@dataclass(frozen=True)
class LiveParticipant:
    id: int
    name: str
    role: str
    state: str  # in_room, menu, waiting, calling, screening, pending, retry, not_reached,
    #             opted_out, refused, left, cancelled
    muted: bool
    minutes: int
    failure_reason: str
    objected: bool = False  # to the recording: kept muted


@dataclass(frozen=True)
class LiveState:
    session_id: int
    title: str
    status: str
    locked: bool
    host_in_room: bool
    started_at: datetime | None
    ends_at: datetime
    refusal: str
    version: int
    participants: tuple[LiveParticipant, ...]

    def count(self, state: str) -> int:
        return sum(1 for p in self.participants if p.state == state)


def _state(participant: GroupParticipant, session: GroupSession) -> str:
    if participant.in_room:
        waiting = has_host(session) and not session.host_in_room
        return "waiting" if waiting and participant.role is not ParticipantRole.HOST else "in_room"
    if participant.status is LegStatus.JOINED:
        return "menu" if participant.first_joined_at else "screening"
    return participant.status.value


def live_state(db: Session, structure_id: int, session_id: int, now: datetime) -> LiveState:
    """What the live page shows; `version` changes whenever anything shown changes."""
    session = get_session(db, structure_id, session_id)
    people = tuple(
        LiveParticipant(
            id=p.id,
            name=person_named(db, p.person_id, p.staff_id),
            role=p.role.value,
            state=_state(p, session),
            muted=p.muted,
            minutes=_minutes(p, now),
            failure_reason=p.failure_reason,
            objected=bool(p.recording_objection),
        )
        for p in session.participants
    )
    return LiveState(
        session_id=session.id,
        title=session.series.title,
        status=session.status.value,
        locked=session.locked,
        host_in_room=session.host_in_room,
        started_at=session.started_at,
        ends_at=ends_at(session),
        refusal=session.refusal,
        version=session.version,
        participants=people,
    )


def _minutes(participant: GroupParticipant, now: datetime) -> int:
    seconds = participant.seconds_in_room
    if participant.in_room and participant.last_joined_at is not None:
        seconds += max(0, int((now - participant.last_joined_at).total_seconds()))
    return round(seconds / 60)
