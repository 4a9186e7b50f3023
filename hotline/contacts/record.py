"""Writing the contact record where the event is observed, once.

`record_contact` is the one writer: an `INSERT … ON CONFLICT DO NOTHING` on `source_key`, so a
status callback Twilio retries, or the same end reported by two webhooks (the dial action and
the leg's status callback), adds one row. The helpers below turn what a webhook saw (an
answered inbound call, a callback leg that reached the person) into that call.

A contact holds no content and no note: kind, theme, when, how long, who.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.models import (
    FINAL_CALL_STATUSES,
    Call,
    Callback,
    CallbackAttempt,
    CallbackSource,
    Contact,
    ContactKind,
    Person,
)
from hotline.models.upsert import insert_if_absent


def record_contact(
    session: Session,
    *,
    structure_id: int,
    person_id: int | None,
    staff_id: int | None,
    kind: ContactKind | str,
    theme: int | None,
    started_at: datetime,
    duration_s: int,
    source_key: str,
    phone: str | None = None,
) -> bool:
    """Add one contact unless `source_key` already has one; True if this call added it.

    `theme` is a theme id. `phone` is kept only when no person is known yet, so that staff can
    link the number to a person later (`link_number`); it is dropped when a person is given.
    """
    kind = ContactKind(kind)
    values = {
        "structure_id": structure_id,
        "person_id": person_id,
        "phone_e164": None if person_id is not None else (phone or None),
        "staff_id": staff_id,
        "kind": kind.value,
        "theme_id": theme,
        "started_at": started_at,
        "duration_s": max(0, int(duration_s or 0)),
        "source_key": source_key[:160],
    }
    added = insert_if_absent(session, Contact, values, unique_on=["source_key"])
    session.flush()
    return added


def record_inbound_contact(session: Session, call: Call) -> bool:
    """An inbound call a staff member answered, once it has ended: one contact.

    Written from the final status callback, when the call's length is known; the length is
    the conversation's (from the staff member's acceptance to the end), not the menu's.
    """
    if call.direction != "inbound" or call.structure_id is None:
        return False
    if call.answered_at is None or call.staff_id is None:
        return False
    if call.status not in FINAL_CALL_STATUSES:
        return False
    ended = call.ended_at or call.answered_at
    return record_contact(
        session,
        structure_id=call.structure_id,
        person_id=call.person_id,
        staff_id=call.staff_id,
        kind=ContactKind.INBOUND,
        theme=call.theme_id,
        started_at=call.answered_at,
        duration_s=int((ended - call.answered_at).total_seconds()),
        source_key=f"call:{call.call_sid}",
        phone=call.from_e164,
    )


def record_callback_contact(
    session: Session, attempt_id: int, *, duration_s: int | None, now: datetime
) -> bool:
    """A callback attempt whose caller leg completed (the person answered): one contact.

    A check-in callback counts as a check-in, any other as a callback. Keyed on the attempt, so
    the dial action and the caller leg's status callback, in any order, write it once.
    """
    attempt = session.get(CallbackAttempt, attempt_id)
    if attempt is None:
        return False
    callback = session.get(Callback, attempt.callback_id)
    if callback is None:
        return False
    seconds = max(0, duration_s or 0)
    check_in = callback.source == CallbackSource.CHECK_IN
    kind = ContactKind.CHECK_IN if check_in else ContactKind.CALLBACK
    return record_contact(
        session,
        structure_id=callback.structure_id,
        person_id=callback.person_id,
        staff_id=attempt.staff_id,
        kind=kind,
        theme=callback.theme_id,
        started_at=now - timedelta(seconds=seconds),
        duration_s=seconds,
        source_key=f"attempt:{attempt.id}",
        phone=callback.phone_e164,
    )


def record_group_call_attendance(
    session: Session,
    *,
    structure_id: int,
    person_id: int | None,
    phone: str | None,
    joined_at: datetime,
    left_at: datetime,
    attendance_key: str,
) -> bool:
    """A participant who joined a group call: one contact, when their leg has left the room.

    For the group-calls package: call it where attendance is observed (the participant's
    leave event), with a key unique to that attendance (e.g. "session:12:participant:34"),
    so a retried conference status callback adds nothing. No staff member: the call is the
    structure's, whoever moderates it.
    """
    return record_contact(
        session,
        structure_id=structure_id,
        person_id=person_id,
        staff_id=None,
        kind=ContactKind.GROUP_CALL,
        theme=None,
        started_at=joined_at,
        duration_s=int((left_at - joined_at).total_seconds()),
        source_key=f"group_call:{attendance_key}",
        phone=phone,
    )


class Attendance(Protocol):
    """What the group-calls package reports of one finished attendance (no import needed)."""

    @property
    def structure_id(self) -> int: ...
    @property
    def person_id(self) -> int: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def joined_at(self) -> datetime: ...
    @property
    def left_at(self) -> datetime: ...
    @property
    def key(self) -> str: ...


def record_group_call_attendances(session: Session, attendances: Iterable[Attendance]) -> int:
    """One contact per finished attendance (`groupcalls.finished_attendances`); how many new."""
    return sum(
        record_group_call_attendance(
            session,
            structure_id=a.structure_id,
            person_id=a.person_id,
            phone=a.phone,
            joined_at=a.joined_at,
            left_at=a.left_at,
            attendance_key=a.key,
        )
        for a in attendances
    )


def link_number(session: Session, person: Person, phone: str) -> int:
    """Staff say this number is this person's: their past contacts, calls and callbacks follow.

    Back-fills every row of the structure from that number that no person held yet; the
    person gets the number if they had none. Returns how many contacts were linked.
    """
    structure_id = person.structure_id
    result = session.execute(
        update(Contact)
        .where(
            Contact.structure_id == structure_id,
            Contact.person_id.is_(None),
            Contact.phone_e164 == phone,
        )
        .values(person_id=person.id, phone_e164=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Call)
        .where(Call.structure_id == structure_id, Call.person_id.is_(None), Call.from_e164 == phone)
        .values(person_id=person.id)
        .execution_options(synchronize_session=False)
    )
    # Through the session, not one UPDATE: an entry's place in the queue follows its person's
    # traits, and the flush is what ranks it again (hotline.callbacks.queue_keys). A number
    # has a handful of entries.
    for callback in session.scalars(
        select(Callback).where(
            Callback.structure_id == structure_id,
            Callback.person_id.is_(None),
            Callback.phone_e164 == phone,
        )
    ):
        callback.person_id = person.id
    if person.phone_e164 is None:
        taken = session.scalar(
            select(Person.id).where(Person.structure_id == structure_id, Person.phone_e164 == phone)
        )
        if taken is None:
            person.phone_e164 = phone
    session.flush()
    session.expire_all()
    return int(getattr(result, "rowcount", 0) or 0)


def unlinked_numbers(session: Session, structure_id: int) -> list[tuple[str, int, datetime]]:
    """Numbers with contacts but no person: (number, how many, last), most recent first."""
    rows = session.execute(
        select(Contact.phone_e164, func.count(Contact.id), func.max(Contact.started_at))
        .where(
            Contact.structure_id == structure_id,
            Contact.person_id.is_(None),
            Contact.phone_e164.is_not(None),
        )
        .group_by(Contact.phone_e164)
        .order_by(func.max(Contact.started_at).desc())
    ).all()
    return [(str(number), int(count), last) for number, count, last in rows]
