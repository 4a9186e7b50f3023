"""Session rows: one per occurrence, planned ahead, each with its own status.

A session is planned (a row) days before it happens, so the scheduler reads due work from the
database, reminders have a row to hang on, and cancelling or moving one occurrence is an
update of that row alone. Planning is idempotent: (series, occurrence) is unique, so two
schedulers planning at once insert each row once.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.groupcalls.errors import NOT_FOUND, GroupCallError
from hotline.groupcalls.recurrence import occurrences
from hotline.models import GroupSeries, GroupSession, SessionStatus, Structure
from hotline.models.upsert import insert_if_absent

PLAN_HORIZON = timedelta(days=8)  # covers the day-before reminder of next week's session
OVERTIME = timedelta(minutes=30)  # a session still talking at its end is not cut short
OPEN = (SessionStatus.SCHEDULED, SessionStatus.STARTING, SessionStatus.RUNNING)


def new_conference_name() -> str:
    """An opaque FriendlyName: no title, name or number ever reaches the provider."""
    return "gc-" + secrets.token_hex(10)


def plan_sessions(db: Session, now: datetime, horizon: timedelta = PLAN_HORIZON) -> int:
    """Create the rows of every active series' occurrences in [now, now + horizon).

    Only future occurrences are planned: a series created at 10:10 does not start its
    10:00 session late. Returns how many rows were created.
    """
    created = 0
    rows = db.execute(
        select(GroupSeries, Structure.timezone)
        .join(Structure, Structure.id == GroupSeries.structure_id)
        .where(GroupSeries.active.is_(True))
    ).all()
    for series, tz in rows:
        for instant in occurrences(series, tz, now, now + horizon):
            created += add_session(db, series, instant)
    db.flush()
    return created


def add_session(db: Session, series: GroupSeries, occurrence_at: datetime) -> bool:
    """Insert the session of one occurrence unless it exists; True if inserted."""
    return insert_if_absent(
        db,
        GroupSession,
        {
            "series_id": series.id,
            "structure_id": series.structure_id,
            "occurrence_at": occurrence_at,
            "starts_at": occurrence_at,
            "duration_minutes": series.duration_minutes,
            "status": SessionStatus.SCHEDULED.value,
            "conference_name": new_conference_name(),
            "locked": False,
            "host_in_room": False,
            "refusal": "",
            "note": "",
            "version": 0,
        },
        unique_on=["series_id", "occurrence_at"],
    )


def get_session(db: Session, structure_id: int, session_id: int) -> GroupSession:
    """The session if it belongs to this structure; `GroupCallError` otherwise."""
    found = db.get(GroupSession, session_id)
    if found is None or found.structure_id != structure_id:
        raise GroupCallError(NOT_FOUND)
    return found


def upcoming_sessions(
    db: Session, structure_id: int, now: datetime, limit: int = 20
) -> list[GroupSession]:
    """Sessions not yet over (running first, then by start), cancelled ones included."""
    rows = db.scalars(
        select(GroupSession)
        .where(
            GroupSession.structure_id == structure_id,
            GroupSession.status.in_([*OPEN, SessionStatus.CANCELLED]),
            GroupSession.starts_at >= now - timedelta(hours=12),
        )
        .order_by(GroupSession.starts_at)
        .limit(limit)
    ).all()
    return list(rows)


def cancel_session(db: Session, structure_id: int, session_id: int, note: str = "") -> GroupSession:
    """Cancel this occurrence only; the series and the other sessions are untouched."""
    found = get_session(db, structure_id, session_id)
    if found.status is not SessionStatus.SCHEDULED:
        raise GroupCallError("Seule une réunion qui n'a pas commencé peut être annulée.")
    found.status = SessionStatus.CANCELLED
    found.note = note[:200]
    found.version += 1
    db.flush()
    return found


def move_session(
    db: Session, structure_id: int, session_id: int, starts_at: datetime
) -> GroupSession:
    """Move this occurrence to another start; it keeps its row (and its reminders' history)."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be aware")
    found = get_session(db, structure_id, session_id)
    if found.status not in (SessionStatus.SCHEDULED, SessionStatus.CANCELLED):
        raise GroupCallError("Une réunion commencée ou passée ne peut pas être déplacée.")
    found.starts_at = starts_at
    found.status = SessionStatus.SCHEDULED
    found.version += 1
    db.flush()
    return found


def ends_at(session: GroupSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.duration_minutes)


def claim_due_sessions(db: Session, now: datetime) -> list[int]:
    """Due SCHEDULED sessions become STARTING, each for one caller only; returns their ids.

    The conditional UPDATE (…WHERE status = 'scheduled') is the lock: of two schedulers
    reading the same due row, the database lets one update it; the other sees 0 rows and
    leaves it. A session whose whole duration passed while nothing ran becomes MISSED.
    """
    due = db.scalars(
        select(GroupSession)
        .where(GroupSession.status == SessionStatus.SCHEDULED, GroupSession.starts_at <= now)
        .order_by(GroupSession.starts_at)
    ).all()
    claimed = []
    for row in due:
        late = now >= ends_at(row)
        target = SessionStatus.MISSED if late else SessionStatus.STARTING
        result = db.execute(
            update(GroupSession)
            .where(GroupSession.id == row.id, GroupSession.status == SessionStatus.SCHEDULED)
            .values(status=target, version=GroupSession.version + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1 and not late:
            claimed.append(row.id)
    db.flush()
    db.expire_all()
    return claimed


def stuck_starting(db: Session, now: datetime) -> list[int]:
    """Sessions left STARTING (a worker killed before it marked them running): start again."""
    return list(
        db.scalars(
            select(GroupSession.id).where(
                GroupSession.status == SessionStatus.STARTING,
                GroupSession.starts_at <= now - timedelta(minutes=2),
            )
        )
    )


def finish_over_sessions(db: Session, now: datetime) -> list[int]:
    """RUNNING sessions past their end become ENDED (the room itself may end earlier or later:
    the host ends it, or the last person leaves). Their unplaced legs are cancelled."""
    from hotline.groupcalls.phone import close_session

    over = [
        row
        for row in db.scalars(
            select(GroupSession).where(GroupSession.status == SessionStatus.RUNNING)
        )
        if ends_at(row) + OVERTIME <= now
    ]
    for row in over:
        close_session(db, row, now)
    return [row.id for row in over]
