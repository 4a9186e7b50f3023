"""Starting a session exactly once, and its invitees with their paced first calls.

`claim_due_sessions` (sessions.py) lets one scheduler win each due session; `start_session`
then copies the invitees into participants and gives each a first call leg whose `dial_at`
follows the account's calls per second, hosts first. It locks the session row, so a job run
twice (a retried job, a second worker) copies the invitees once and finds the same legs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.groupcalls.dialin import forget_running
from hotline.groupcalls.errors import NOT_FOUND, GroupCallError
from hotline.groupcalls.series import invitees
from hotline.groupcalls.sessions import new_conference_name
from hotline.models import (
    RECORDING_PURPOSES,
    GroupCallLeg,
    GroupParticipant,
    GroupSeries,
    GroupSession,
    LegKind,
    LegStatus,
    ParticipantRole,
    SessionStatus,
)

DEFAULT_CALLS_PER_SECOND = 1.0


def calls_per_second() -> float:
    """The account's CPS (Twilio Console setting; 1 by default, up to 30 when approved)."""
    return float(current_app.config.get("TWILIO_CALLS_PER_SECOND") or DEFAULT_CALLS_PER_SECOND)


def start_session(
    db: Session, session_id: int, now: datetime, cps: float | None = None
) -> list[int]:
    """Mark a claimed session RUNNING with its participants; the ids of legs still to place.

    Safe to re-run: the participants are copied once (the row is locked while they are);
    later runs return the legs not placed yet, in dialling order.
    """
    session = db.scalars(
        select(GroupSession).where(GroupSession.id == session_id).with_for_update()
    ).one_or_none()
    if session is None or session.status not in (SessionStatus.STARTING, SessionStatus.RUNNING):
        return []
    if session.status is SessionStatus.STARTING:
        if not session.participants:
            _invite(db, session, now, cps or calls_per_second())
        session.status = SessionStatus.RUNNING
        session.started_at = now
        _fix_recording(session)
        session.version += 1
        forget_running()
    db.flush()
    return legs_to_place(db, session_id)


def _fix_recording(session: GroupSession) -> None:
    """The series' recording as the session starts; later edits apply from the next one.

    Everyone who joins hears this purpose and retention, and the recording is kept exactly
    as long as announced, whatever the series says by then.
    """
    series = session.series
    recorded = series.recording and series.recording_purpose in RECORDING_PURPOSES
    session.recording_purpose = series.recording_purpose if recorded else ""
    session.recording_days = series.recording_days if recorded else 0


def legs_to_place(db: Session, session_id: int) -> list[int]:
    return list(
        db.scalars(
            select(GroupCallLeg.id)
            .where(
                GroupCallLeg.session_id == session_id,
                GroupCallLeg.placing_at.is_(None),
                GroupCallLeg.outcome.is_(None),
                GroupCallLeg.kind != LegKind.DIAL_IN,
            )
            .order_by(GroupCallLeg.dial_at, GroupCallLeg.id)
        )
    )


def _invite(db: Session, session: GroupSession, now: datetime, cps: float) -> None:
    series = session.series
    step = 1.0 / cps
    for order, invitee in enumerate(invitees(db, series)):
        host = invitee.role is ParticipantRole.HOST
        participant = GroupParticipant(
            session_id=session.id,
            role=invitee.role,
            staff_id=invitee.staff_id,
            person_id=invitee.person_id,
            phone_e164=invitee.phone_e164,
            label=f"p{order + 1}",
            dial_order=order,
            status=LegStatus.PENDING,
            muted=series.muted_on_entry and not host,
        )
        participant.legs.append(
            GroupCallLeg(
                session_id=session.id,
                number=1,
                kind=LegKind.DIAL,
                dial_at=now + timedelta(seconds=order * step),
            )
        )
        session.participants.append(participant)
    db.flush()


def start_now(db: Session, structure_id: int, series_id: int, now: datetime) -> GroupSession:
    """A session of this series starting now, already claimed (STARTING): the caller enqueues
    its start job. For "Lancer maintenant" and `hotline conference start-now`."""
    series = db.get(GroupSeries, series_id)
    if series is None or series.structure_id != structure_id:
        raise GroupCallError(NOT_FOUND)
    running = db.scalar(
        select(GroupSession.id).where(
            GroupSession.series_id == series_id,
            GroupSession.status.in_([SessionStatus.STARTING, SessionStatus.RUNNING]),
        )
    )
    if running is not None:
        raise GroupCallError("Une réunion de cette série est déjà en cours.")
    session = GroupSession(
        series_id=series.id,
        structure_id=structure_id,
        occurrence_at=now,
        starts_at=now,
        duration_minutes=series.duration_minutes,
        status=SessionStatus.STARTING,
        conference_name=new_conference_name(),
        note="Lancée à la demande",
    )
    db.add(session)
    db.flush()
    return session
