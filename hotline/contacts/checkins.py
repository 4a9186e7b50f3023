"""Check-ins: an "appel de suivi" for each person nobody has reached for too long.

Once a day per structure (its `CheckInRun` row, moved forward by one conditional UPDATE so
two schedulers never both run it) every followed person past their threshold gets one
check-in callback in the queue, unless:
- they objected to being called (the legal basis is the structure's mission, not consent,
  so an objection stops proactive calls for good: RGPD art. 21);
- their contract ended (the structure no longer follows them);
- they have no number, or already wait in the queue (any open entry), or a check-in was
  already created for them within their threshold (unreachable people are not rung daily).
The threshold is the person's own frequency, else the structure's (default 14 days, 7 for a
person flagged isolée). The entry is due at the first moment both the structure's outbound
hours and the person's own call hours allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline import callbacks, phones
from hotline.models import (
    Callback,
    CallbackSource,
    CallbackStatus,
    CheckInRun,
    Contact,
    Person,
    Structure,
)
from hotline.models.upsert import insert_if_absent

DEFAULT_DAYS = 14
DEFAULT_ISOLATED_DAYS = 7
CONTRACT_NOTICE_DAYS = 30
RUN_AT = time(7, 0)  # local: before the structure's outbound hours open
OPEN = (
    CallbackStatus.WAITING,
    CallbackStatus.RETRY_SCHEDULED,
    CallbackStatus.CLAIMED,
    CallbackStatus.CALLING,
)


@dataclass(frozen=True)
class CheckInSettings:
    """Days without contact before a check-in, from `settings["contacts"]` or the defaults."""

    days: int = DEFAULT_DAYS
    isolated_days: int = DEFAULT_ISOLATED_DAYS
    enabled: bool = True

    def threshold(self, person: Person) -> int:
        if person.contact_every_days:
            return person.contact_every_days
        return self.isolated_days if person.isolated else self.days


def normalise_check_ins(section: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored form of a structure file's `check_ins:` section, defaults filled in.

    ValueError names the field and its bounds (the schema checks them first).
    """
    raw = dict(section or {})
    stored: dict[str, Any] = {"enabled": raw.get("enabled", True)}
    if not isinstance(stored["enabled"], bool):
        raise ValueError("check_ins.enabled must be true or false")
    for name, default in (("days", DEFAULT_DAYS), ("isolated_days", DEFAULT_ISOLATED_DAYS)):
        value = raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 90:
            raise ValueError(f"check_ins.{name} must be a number of days from 1 to 90")
        stored[name] = value
    return stored


def check_in_settings(structure: Structure) -> CheckInSettings:
    """The structure's thresholds (`settings["check_ins"]`, from its file), else the defaults."""
    stored = normalise_check_ins((structure.settings or {}).get("check_ins"))
    return CheckInSettings(
        days=stored["days"], isolated_days=stored["isolated_days"], enabled=stored["enabled"]
    )


def last_contact_at(session: Session, structure_id: int, now: datetime) -> dict[int, datetime]:
    """Each person's latest contact up to `now`, by person id."""
    rows = session.execute(
        select(Contact.person_id, func.max(Contact.started_at))
        .where(
            Contact.structure_id == structure_id,
            Contact.person_id.is_not(None),
            Contact.started_at <= now,
        )
        .group_by(Contact.person_id)
    ).all()
    return {person_id: at for person_id, at in rows if person_id is not None}


def since(person: Person, last: datetime | None) -> datetime | None:
    """The instant the threshold counts from: the last contact, else when they were added."""
    return last or person.created_at


def is_overdue(person: Person, last: datetime | None, days: int, now: datetime) -> bool:
    start = since(person, last)
    return start is None or now - start > timedelta(days=days)


def contract_ended(person: Person, today: date) -> bool:
    return person.contract_end is not None and person.contract_end < today


def _open_or_recent(
    session: Session, structure_id: int
) -> tuple[set[int], set[str], dict[int, datetime]]:
    """Persons and numbers with an open entry, and each person's latest check-in."""
    rows = session.execute(
        select(Callback.person_id, Callback.phone_e164).where(
            Callback.structure_id == structure_id, Callback.status.in_(OPEN)
        )
    ).all()
    recent = session.execute(
        select(Callback.person_id, func.max(Callback.created_at))
        .where(
            Callback.structure_id == structure_id,
            Callback.source == CallbackSource.CHECK_IN,
            Callback.person_id.is_not(None),
        )
        .group_by(Callback.person_id)
    ).all()
    return (
        {p for p, _ in rows if p is not None},
        {n for _, n in rows},
        {p: at for p, at in recent if p is not None},
    )


def create_check_ins(session: Session, structure: Structure, now: datetime) -> list[Callback]:
    """Queue one check-in for each person due (see the module's rules); flushed."""
    settings = check_in_settings(structure)
    if not settings.enabled:
        return []
    today = now.astimezone(ZoneInfo(structure.timezone)).date()
    hours = callbacks.callback_settings(structure).outbound_hours
    last = last_contact_at(session, structure.id, now)
    waiting, numbers, recent = _open_or_recent(session, structure.id)
    created = []
    for person in session.scalars(
        select(Person).where(Person.structure_id == structure.id).order_by(Person.key)
    ):
        days = settings.threshold(person)
        if person.objects_to_calls or contract_ended(person, today):
            continue
        phone = phones.callable_e164(person.phone_e164 or "")
        if phone is None or person.id in waiting or phone in numbers:
            continue
        if not is_overdue(person, last.get(person.id), days, now):
            continue
        if person.id in recent and now - recent[person.id] < timedelta(days=days):
            continue
        due = callbacks.next_allowed(callbacks.for_person(hours, person), now)
        if due is None:  # no allowed moment within three weeks: nothing sensible to queue
            continue
        created.append(_check_in(session, structure.id, person, phone, due, now))
    session.flush()
    return created


def _check_in(
    session: Session, structure_id: int, person: Person, phone: str, due: datetime, now: datetime
) -> Callback:
    callback = Callback(
        structure_id=structure_id,
        source=CallbackSource.CHECK_IN,
        status=CallbackStatus.WAITING,
        person_id=person.id,
        phone_e164=phone,
        created_at=now,
        due_at=due,
        attempts=0,
        note="",
        version=0,
    )
    session.add(callback)
    return callback


def next_run(structure: Structure, now: datetime) -> datetime:
    """Tomorrow at 7:00 in the structure's zone (UTC)."""
    tz = ZoneInfo(structure.timezone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, RUN_AT, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def sweep_check_ins(session: Session, now: datetime) -> int:
    """Every structure whose run is due: claim the run, create its check-ins; flushed.

    The claim is one UPDATE … WHERE due_at <= now: of two sweeps at once, one moves the row
    and runs, the other updates nothing and does nothing. A run that fails is rolled back
    with its claim, so the next sweep runs it again.
    """
    total = 0
    for structure in session.scalars(select(Structure).order_by(Structure.id)):
        insert_if_absent(
            session,
            CheckInRun,
            {"structure_id": structure.id, "due_at": now, "created": 0},
            unique_on=["structure_id"],
        )
        claimed = session.execute(
            update(CheckInRun)
            .where(CheckInRun.structure_id == structure.id, CheckInRun.due_at <= now)
            .values(due_at=next_run(structure, now), last_run_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(claimed, "rowcount", 0):
            continue
        created = len(create_check_ins(session, structure, now))
        session.execute(
            update(CheckInRun)
            .where(CheckInRun.structure_id == structure.id)
            .values(created=created)
            .execution_options(synchronize_session=False)
        )
        total += created
    session.flush()
    return total


def contracts_ending(
    session: Session, structure: Structure, now: datetime, days: int = CONTRACT_NOTICE_DAYS
) -> list[Person]:
    """Persons whose contract ends within `days` (today included), soonest first."""
    today = now.astimezone(ZoneInfo(structure.timezone)).date()
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.structure_id == structure.id,
                Person.contract_end.is_not(None),
                Person.contract_end >= today,
                Person.contract_end <= today + timedelta(days=days),
            )
            .order_by(Person.contract_end, Person.name)
        )
    )
