"""Attendance: the conference callbacks as facts, and the session summary built from them.

Each callback is stored once: (session, ConferenceSid, SequenceNumber) is unique, so a
retried callback changes nothing. Time in the room is summed from join to leave with the
provider's own `Timestamp`, so a late delivery does not stretch anyone's minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy.orm import Session

from hotline.groupcalls.dialin import forget_running
from hotline.groupcalls.dialling import leg_by_call_sid
from hotline.groupcalls.errors import NOT_FOUND, GroupCallError
from hotline.groupcalls.series import person_named
from hotline.groupcalls.sessions import ends_at
from hotline.models import (
    GroupAttendanceEvent,
    GroupParticipant,
    GroupSession,
    LegStatus,
    ParticipantRole,
    SessionStatus,
)
from hotline.models.calls import is_storable_sid
from hotline.models.upsert import insert_if_absent

# What staff read for a participant's state (live page, summary, CSV): one wording per fact.
STATE_WORDS = {
    "pending": "à appeler",
    "calling": "ça sonne",
    "screening": "a décroché",
    "joined": "dans la réunion",
    "in_room": "dans la réunion",
    "menu": "dans le menu étoile",
    "waiting": "attend l'animateur",
    "left": "partie",
    "retry": "sera rappelée",
    "not_reached": "non jointe",
    "opted_out": "ne veut plus être appelée",
    "refused": "appel refusé par l'opérateur",
    "cancelled": "non appelée",
}
EARLY_SHARE = 0.75  # leaving before three quarters of the session counts as leaving early
ROOM_ENDED_REASONS = ("conference_ended_via_api", "moderator_ended_conference")
ENDED_BY_US = ("conference-ended-via-api", "participant-with-end-conference-on-exit-left")


def _instant(form: Mapping[str, str], now: datetime) -> datetime:
    """The provider's RFC 2822 `Timestamp` (aware, UTC if it says -0000), else `now`."""
    try:
        found = parsedate_to_datetime(form.get("Timestamp", ""))
    except (TypeError, ValueError, IndexError):
        return now
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _sequence(form: Mapping[str, str]) -> int:
    raw = form.get("SequenceNumber") or ""
    ok = raw.isascii() and raw.isdigit() and len(raw) <= 9
    return int(raw) if ok else 0


def record_conference_event(
    db: Session, session_id: int, form: Mapping[str, str], now: datetime
) -> bool:
    """Store one conference callback and apply it; False for a repeat or a stranger."""
    session = db.get(GroupSession, session_id)
    event = form.get("StatusCallbackEvent", "")
    conference_sid = form.get("ConferenceSid", "")
    if session is None or not event or not is_storable_sid(conference_sid):
        return False
    if form.get("FriendlyName") not in (None, "", session.conference_name):
        return False
    at = _instant(form, now)
    call_sid = form.get("CallSid", "")
    call_sid = call_sid if is_storable_sid(call_sid) else ""
    leg = leg_by_call_sid(db, call_sid)
    participant = leg.participant if leg and leg.session_id == session_id else None
    muted = form.get("Muted")
    inserted = insert_if_absent(
        db,
        GroupAttendanceEvent,
        {
            "session_id": session_id,
            "participant_id": participant.id if participant else None,
            "conference_sid": conference_sid,
            "sequence": _sequence(form),
            "event": event[:40],
            "at": at,
            "call_sid": call_sid,
            "muted": None if muted is None else muted == "true",
            "reason": (form.get("ReasonParticipantLeft") or "")[:60],
            "call_status": (form.get("ParticipantCallStatus") or "")[:20],
        },
        unique_on=["session_id", "conference_sid", "sequence"],
    )
    if not inserted:
        return False
    session.conference_sid = conference_sid
    if participant is not None:
        _apply(participant, event, form, at)
    if event == "conference-end":
        _room_ended(session, form, at)
    session.version += 1
    db.flush()
    return True


def _apply(
    participant: GroupParticipant, event: str, form: Mapping[str, str], at: datetime
) -> None:
    session = participant.session
    if event == "participant-join":
        participant.in_room = True
        participant.status = LegStatus.JOINED
        participant.reached = True
        participant.first_joined_at = participant.first_joined_at or at
        participant.last_joined_at = at
        participant.muted = form.get("Muted") == "true"
    elif event == "participant-leave":
        _leave(participant, at)
        participant.leave_reason = participant.leave_reason or ""
        reason = form.get("ReasonParticipantLeft") or ""
        call_status = form.get("ParticipantCallStatus") or ""
        participant.call_status = call_status[:20]
        in_menu = reason == "participant_hung_up" and call_status == "in-progress"
        if participant.leave_reason not in ("removed_by_host", "left_from_menu"):
            participant.leave_reason = "" if in_menu else reason[:60]
            if not in_menu:
                participant.status = LegStatus.LEFT
    elif event in ("participant-mute", "participant-unmute"):
        participant.muted = form.get("Muted", "true" if event.endswith("-mute") else "") == "true"
    if participant.role is ParticipantRole.HOST:
        session.host_in_room = any(
            p.in_room for p in session.participants if p.role is ParticipantRole.HOST
        )


def settle_time_in_room(participant: GroupParticipant, at: datetime) -> None:
    """Count a participant still in the room as having left at `at`.

    For a session closed by us (host's end, dashboard): the provider's conference-end
    callback may never arrive, and without this their minutes would stay at 0.
    """
    if participant.in_room:
        _leave(participant, at)


@dataclass(frozen=True)
class FinishedAttendance:
    """A person supported who joined and is gone for good: one contact for their record."""

    structure_id: int
    person_id: int
    phone: str | None
    joined_at: datetime
    left_at: datetime
    key: str


def finished_attendances(db: Session, session_id: int) -> list[FinishedAttendance]:
    """Persons of this session who joined and left for good (or whose room ended).

    Staff and PIN guests are not contacts with a person the structure follows; someone in
    the keypad menu (out of the room but coming back) is not finished yet.
    """
    session = db.get(GroupSession, session_id)
    if session is None:
        return []
    over = session.status is not SessionStatus.RUNNING
    return [
        FinishedAttendance(
            structure_id=session.structure_id,
            person_id=p.person_id,
            phone=p.phone_e164,
            joined_at=p.first_joined_at,
            left_at=p.first_joined_at + timedelta(seconds=p.seconds_in_room),
            key=f"session:{session.id}:participant:{p.id}",
        )
        for p in session.participants
        if p.person_id is not None
        and p.first_joined_at is not None
        and not p.in_room
        and (over or p.status is LegStatus.LEFT)
    ]


def _leave(participant: GroupParticipant, at: datetime) -> None:
    if participant.in_room and participant.last_joined_at is not None:
        participant.seconds_in_room += max(
            0, int((at - participant.last_joined_at).total_seconds())
        )
    participant.in_room = False
    participant.left_at = at


def _room_ended(session: GroupSession, form: Mapping[str, str], at: datetime) -> None:
    for participant in session.participants:
        if participant.in_room:
            _leave(participant, at)
    session.host_in_room = False
    reason = form.get("ReasonConferenceEnded", "")
    if reason in ENDED_BY_US and session.status is SessionStatus.RUNNING:
        session.status = SessionStatus.ENDED
        session.ended_at = at
        forget_running()


@dataclass(frozen=True)
class AttendanceRow:
    participant_id: int
    name: str
    role: str
    status: str
    reached: bool
    joined: bool
    minutes: int
    left_early: bool
    leave_reason: str
    call_status: str
    opted_out: bool
    failure_reason: str


@dataclass(frozen=True)
class Summary:
    session_id: int
    title: str
    starts_at: datetime
    status: str
    invited: int
    reached: int
    joined: int
    minutes: int  # person-minutes in the room, all participants
    left_early: int
    rows: tuple[AttendanceRow, ...]


def session_summary(db: Session, structure_id: int, session_id: int) -> Summary:
    """Who was invited, reached, joined, for how long, and who left early."""
    session = db.get(GroupSession, session_id)
    if session is None or session.structure_id != structure_id:
        raise GroupCallError(NOT_FOUND)
    early_before = session.starts_at + (ends_at(session) - session.starts_at) * EARLY_SHARE
    rows = tuple(_row(db, p, early_before) for p in session.participants)
    invited = [r for r in rows if r.role != ParticipantRole.GUEST.value]
    return Summary(
        session_id=session.id,
        title=session.series.title,
        starts_at=session.starts_at,
        status=session.status.value,
        invited=len(invited),
        reached=sum(r.reached for r in rows),
        joined=sum(r.joined for r in rows),
        minutes=sum(r.minutes for r in rows),
        left_early=sum(r.left_early for r in rows),
        rows=rows,
    )


def _row(db: Session, p: GroupParticipant, early_before: datetime) -> AttendanceRow:
    joined = p.first_joined_at is not None
    left_early = (
        joined
        and p.status is LegStatus.LEFT
        and p.left_at is not None
        and p.left_at < early_before
        and p.leave_reason not in ROOM_ENDED_REASONS
    )
    return AttendanceRow(
        participant_id=p.id,
        name=person_named(db, p.person_id, p.staff_id),
        role=p.role.value,
        status=p.status.value,
        reached=p.reached,
        joined=joined,
        minutes=round(p.seconds_in_room / 60),
        left_early=bool(left_early),
        leave_reason=p.leave_reason,
        call_status=p.call_status,
        opted_out=p.status is LegStatus.OPTED_OUT,
        failure_reason=p.failure_reason,
    )
