"""Who a series invites, and each invitee's choices (no more calls, no reminders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    Audience,
    GroupPreference,
    GroupSeries,
    ParticipantRole,
    Person,
    Staff,
)
from hotline.models.upsert import insert_if_absent


@dataclass(frozen=True)
class Invitee:
    """Someone a session dials: a host (staff) or an invitee (staff or person)."""

    role: ParticipantRole
    staff_id: int | None
    person_id: int | None
    phone_e164: str | None
    name: str


def invitees(db: Session, series: GroupSeries) -> list[Invitee]:
    """Hosts first, then the audience, each once; those who pressed 9 for this series are left
    out. Staff without a phone and persons without a number cannot be dialled: left out too
    (they may still dial in with the PIN)."""
    off = _calls_off(db, series.id)
    hosts = [s for s in series.hosts if s.active]
    result = [
        Invitee(ParticipantRole.HOST, s.id, None, s.phone_e164, s.name)
        for s in hosts
        if s.phone_e164 and ("staff", s.id) not in off
    ]
    host_ids = {s.id for s in hosts}
    if series.audience is Audience.STAFF:
        staff = db.scalars(
            select(Staff)
            .where(Staff.structure_id == series.structure_id, Staff.active.is_(True))
            .order_by(Staff.key)
        ).all()
        result += [
            Invitee(ParticipantRole.INVITEE, s.id, None, s.phone_e164, s.name)
            for s in staff
            if s.id not in host_ids and s.phone_e164 and ("staff", s.id) not in off
        ]
    elif series.person_group is not None:
        result += [
            Invitee(ParticipantRole.INVITEE, None, p.id, p.phone_e164, p.name)
            for p in series.person_group.members
            if p.phone_e164 and ("person", p.id) not in off
        ]
    return result[: series.max_participants]


def _calls_off(db: Session, series_id: int) -> set[tuple[str, int]]:
    rows = db.scalars(
        select(GroupPreference).where(
            GroupPreference.series_id == series_id, GroupPreference.calls_off_at.is_not(None)
        )
    ).all()
    return {("staff", r.staff_id) if r.staff_id else ("person", r.person_id or 0) for r in rows}


def _preference(
    db: Session, series_id: int, person_id: int | None, staff_id: int | None
) -> GroupPreference:
    if (person_id is None) == (staff_id is None):
        raise ValueError("exactly one of person_id, staff_id")
    column = "person_id" if person_id is not None else "staff_id"
    who = person_id if person_id is not None else staff_id
    insert_if_absent(
        db,
        GroupPreference,
        {"series_id": series_id, column: who, "reminders_off": False},
        unique_on=["series_id", column],
    )
    found = db.scalars(
        select(GroupPreference).where(
            GroupPreference.series_id == series_id, getattr(GroupPreference, column) == who
        )
    ).one()
    return found


def set_opt_out(
    db: Session,
    series_id: int,
    *,
    person_id: int | None = None,
    staff_id: int | None = None,
    calls_off: bool,
    now: datetime,
) -> GroupPreference:
    """Record (or lift) "ne plus être appelé pour cette réunion"; the first date is kept."""
    preference = _preference(db, series_id, person_id, staff_id)
    if not calls_off:
        preference.calls_off_at = None
    elif preference.calls_off_at is None:
        preference.calls_off_at = now
    db.flush()
    return preference


def set_reminders_off(
    db: Session,
    series_id: int,
    *,
    person_id: int | None = None,
    staff_id: int | None = None,
    off: bool,
) -> GroupPreference:
    """No SMS reminders for this person and series (they are still called)."""
    preference = _preference(db, series_id, person_id, staff_id)
    preference.reminders_off = off
    db.flush()
    return preference


def person_named(db: Session, person_id: int | None, staff_id: int | None) -> str:
    """The name staff read for a participant (never spoken in the room, never a number)."""
    if staff_id is not None:
        staff = db.get(Staff, staff_id)
        return staff.name if staff else "—"
    if person_id is not None:
        person = db.get(Person, person_id)
        return person.name if person else "—"
    return "Participant par code"
