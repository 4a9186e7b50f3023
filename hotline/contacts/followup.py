"""The coordinator's "Suivi": for each person, the last contact, this month's, who is overdue.

Read-only: the same rules as the check-in sweep (`checkins`), so a person shown "en retard"
is exactly one the sweep would call, unless the page says why not (objection, contract
ended, no number, already in the queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hotline.contacts.checkins import (
    OPEN,
    check_in_settings,
    contract_ended,
    is_overdue,
    since,
)
from hotline.models import Callback, CallbackSource, Contact, ContactKind, Person, Structure

KIND_LABELS = {
    ContactKind.INBOUND: "appel reçu",
    ContactKind.CALLBACK: "rappel",
    ContactKind.GROUP_CALL: "réunion téléphonique",
    ContactKind.CHECK_IN: "appel de suivi",
}


@dataclass(frozen=True)
class FollowUpRow:
    """One person on the Suivi page."""

    person: Person
    last: Contact | None
    this_month: int
    threshold_days: int
    days_without: int | None  # None: never contacted and no date added
    overdue: bool
    open_entry: Callback | None
    why_not_called: str  # "" or why no check-in is created: "opposition", "contrat terminé"…

    @property
    def last_kind(self) -> str:
        return KIND_LABELS[self.last.kind] if self.last else ""


def month_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _latest(session: Session, structure_id: int, now: datetime) -> dict[int, Contact]:
    """Each person's latest contact (in time, up to now), with who made it."""
    rows = session.scalars(
        select(Contact)
        .where(
            Contact.structure_id == structure_id,
            Contact.person_id.is_not(None),
            Contact.started_at <= now,
        )
        .options(selectinload(Contact.staff))
        .order_by(Contact.started_at, Contact.id)
    ).all()
    return {row.person_id: row for row in rows if row.person_id is not None}


def _why_not(person: Person, today: date, open_entry: Callback | None) -> str:
    if person.objects_to_calls:
        return "s'oppose aux appels"
    if contract_ended(person, today):
        return "contrat terminé"
    if not person.phone_e164:
        return "pas de numéro"
    if open_entry is not None:
        return (
            "appel de suivi en file"
            if open_entry.source == CallbackSource.CHECK_IN
            else ("déjà dans la file")
        )
    return ""


def follow_up(session: Session, structure: Structure, now: datetime) -> list[FollowUpRow]:
    """Every person of the structure, overdue first (longest without contact first)."""
    tz = ZoneInfo(structure.timezone)
    settings = check_in_settings(structure)
    latest = _latest(session, structure.id, now)
    counts = dict(
        session.execute(
            select(Contact.person_id, func.count(Contact.id))
            .where(
                Contact.structure_id == structure.id,
                Contact.started_at >= month_start(now, tz),
                Contact.started_at <= now,
            )
            .group_by(Contact.person_id)
        ).all()
    )
    open_entries = {
        entry.person_id: entry
        for entry in session.scalars(
            select(Callback).where(
                Callback.structure_id == structure.id,
                Callback.status.in_(OPEN),
                Callback.person_id.is_not(None),
            )
        )
    }
    today = now.astimezone(tz).date()
    rows = []
    for person in session.scalars(select(Person).where(Person.structure_id == structure.id)):
        last = latest.get(person.id)
        start = since(person, last.started_at if last else None)
        days = settings.threshold(person)
        rows.append(
            FollowUpRow(
                person=person,
                last=last,
                this_month=int(counts.get(person.id, 0)),
                threshold_days=days,
                days_without=(now - start) // timedelta(days=1) if start else None,
                overdue=is_overdue(person, last.started_at if last else None, days, now),
                open_entry=open_entries.get(person.id),
                why_not_called=_why_not(person, today, open_entries.get(person.id)),
            )
        )
    never = 10**6
    rows.sort(
        key=lambda r: (not r.overdue, -(r.days_without if r.days_without is not None else never))
    )
    return rows
