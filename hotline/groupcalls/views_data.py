"""Read-only queries behind the coordinator's group-call pages (series list, opt-outs, history).

Scoped to one structure like every query of the dashboard; nothing here changes a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.groupcalls.series import person_named
from hotline.models import (
    GroupPreference,
    GroupSeries,
    GroupSession,
    SessionStatus,
    Staff,
)

PAST_STATUSES = (SessionStatus.ENDED, SessionStatus.MISSED, SessionStatus.RUNNING)


def structure_series(db: Session, structure_id: int) -> list[GroupSeries]:
    """The structure's series, active ones first, by title."""
    return list(
        db.scalars(
            select(GroupSeries)
            .where(GroupSeries.structure_id == structure_id)
            .order_by(GroupSeries.active.desc(), GroupSeries.title)
        )
    )


def series_of(db: Session, structure_id: int, series_id: int | None) -> GroupSeries | None:
    found = db.get(GroupSeries, series_id) if series_id else None
    return found if found is not None and found.structure_id == structure_id else None


def past_sessions(
    db: Session, structure_id: int, now: datetime, limit: int = 20
) -> list[GroupSession]:
    """Sessions that ran (or are running), latest first: the links to their attendance."""
    return list(
        db.scalars(
            select(GroupSession)
            .where(
                GroupSession.structure_id == structure_id,
                GroupSession.status.in_(PAST_STATUSES),
                GroupSession.starts_at <= now,
            )
            .order_by(GroupSession.starts_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class OptOut:
    """Someone who asked for no more calls (key 9) or no SMS reminders, for this series."""

    name: str
    calls_off_at: datetime | None
    reminders_off: bool


def opt_outs(db: Session, series: GroupSeries) -> list[OptOut]:
    rows = db.scalars(
        select(GroupPreference).where(
            GroupPreference.series_id == series.id,
            (GroupPreference.calls_off_at.is_not(None)) | GroupPreference.reminders_off,
        )
    )
    return [
        OptOut(person_named(db, r.person_id, r.staff_id), r.calls_off_at, r.reminders_off)
        for r in rows
    ]


def may_host(staff: Staff, session: GroupSession) -> bool:
    """Coordinators, and the series' hosts, may watch and steer a session."""
    if staff.role in ("coordinator", "admin"):
        return True
    return any(host.id == staff.id for host in session.series.hosts)
