"""A person's rights: export everything about them (access), or erase it (effacement).

The subject is a known person (their rows by id, and the rows of their number linked to
nobody) or an unknown caller's number. An export holds only rows about them: their calls,
the status history and messages of those calls, who listened, their callbacks and attempts,
their contacts (the record: kind, theme, when, how long, with whom).
An erasure deletes the recordings at the provider, then every one of those rows and the
person, keeping only anonymous daily counts (`ActivityCount`) and an audit entry with ids.
The person also stays in the structure file if the coordinator does not remove them there:
loading it again would add them back (README: "Droits des personnes").
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    AuditAction,
    Call,
    CallEvent,
    Contact,
    Person,
    RecordingAccess,
    Staff,
    Structure,
    Voicemail,
)
from hotline.models import Callback as CallbackRow
from hotline.phones import read_phone
from hotline.retention import audit, group_calls
from hotline.retention.forget import Forgotten, Party, forget_rows, rows_of


class SubjectNotFound(LookupError):
    """Nobody by that key or number in this structure (said in French to staff)."""


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: a known person, or only a number."""

    structure: Structure
    person: Person | None
    phone: str | None

    def parties(self) -> list[Party]:
        parties = []
        if self.person is not None:
            parties.append(Party(self.person.id))
        if self.phone:
            parties.append(Party(None, self.phone))
        return parties

    def audit_subject(self) -> str:
        """Ids only: an unknown caller is named by no number in the log."""
        return f"person:{self.person.id}" if self.person is not None else "caller"


def find_subject(
    session: Session,
    structure: Structure,
    *,
    person_id: int | None = None,
    key: str | None = None,
    phone: str | None = None,
) -> Subject:
    """The person by id or key, or whoever has this number (a person if one has it)."""
    person = None
    if person_id is not None or key:
        clause = Person.id == person_id if person_id is not None else Person.key == key
        person = session.scalar(select(Person).where(Person.structure_id == structure.id, clause))
        if person is None:
            raise SubjectNotFound("Personne inconnue dans cette structure.")
        return Subject(structure, person, person.phone_e164)
    if not phone:
        raise SubjectNotFound("Indiquez une personne ou un numéro.")
    try:
        e164 = read_phone(phone)
    except ValueError:
        raise SubjectNotFound("Ce numéro n'est pas valide.") from None
    person = session.scalar(
        select(Person).where(Person.structure_id == structure.id, Person.phone_e164 == e164)
    )
    return Subject(structure, person, e164)


def export_subject(
    session: Session, subject: Subject, *, staff_id: int | None, now: datetime
) -> dict[str, Any]:
    """Everything stored about the subject, as JSON-ready data; the export is audited."""
    rows = rows_of(session, subject.structure.id, subject.parties())
    places = group_calls.participants_of(session, subject.structure.id, subject.parties())
    staff_names = dict(
        session.execute(
            select(Staff.id, Staff.name).where(Staff.structure_id == subject.structure.id)
        ).all()
    )
    data: dict[str, Any] = {
        "structure": subject.structure.name,
        "exported_at": now.isoformat(),
        "person": _person(subject.person),
        "phone": subject.phone,
        "calls": [
            _call(session, call)
            for call in session.scalars(
                select(Call).where(Call.id.in_(rows.calls)).order_by(Call.id)
            )
        ],
        "voicemails": [
            _voicemail(session, voicemail, staff_names)
            for voicemail in session.scalars(
                select(Voicemail).where(Voicemail.id.in_(rows.voicemails)).order_by(Voicemail.id)
            )
        ],
        "contacts": [
            _contact(contact, staff_names)
            for contact in session.scalars(
                select(Contact).where(Contact.id.in_(rows.contacts)).order_by(Contact.id)
            )
        ],
        "callbacks": [
            _callback(callback, staff_names)
            for callback in session.scalars(
                select(CallbackRow)
                .where(CallbackRow.id.in_(rows.callbacks))
                .order_by(CallbackRow.id)
            )
        ],
        "group_calls": group_calls.export_rows(places),
    }
    audit.record(
        session,
        subject.structure.id,
        AuditAction.EXPORT,
        staff_id=staff_id,
        subject=subject.audit_subject(),
        detail=f"{len(rows.calls)} appels, {len(rows.voicemails)} messages, "
        f"{len(rows.callbacks)} rappels, {len(rows.contacts)} contacts, "
        f"{len(places)} places en réunion",
        now=now,
    )
    return data


def erase_subject(
    session: Session, subject: Subject, *, staff_id: int | None, now: datetime
) -> Forgotten:
    """Delete every row about the subject (recordings at the provider first), and the person.

    GatewayError when a recording could not be deleted at the provider: the caller rolls
    back and nothing is erased (asking again later finishes the job).
    """
    rows = rows_of(session, subject.structure.id, subject.parties())
    done = forget_rows(session, subject.structure, rows)
    places = group_calls.participants_of(session, subject.structure.id, subject.parties())
    group_calls.anonymise(session, places)
    subject_words = subject.audit_subject()
    if subject.person is not None:
        session.delete(session.get_one(Person, subject.person.id))
        session.flush()
    audit.record(
        session,
        subject.structure.id,
        AuditAction.ERASE,
        staff_id=staff_id,
        subject=subject_words,
        detail=done.words(),
        now=now,
    )
    return done


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(data: dict[str, Any]) -> str:
    """The same export, one line per value: section, row, field, value (opens in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "ligne", "champ", "valeur"])
    for name in ("structure", "exported_at", "phone"):
        writer.writerow(["demande", "", name, data[name] or ""])
    for name, value in (data["person"] or {}).items():
        writer.writerow(["personne", "", name, _cell(value)])
    for section in ("calls", "voicemails", "callbacks", "contacts", "group_calls"):
        for row in data[section]:
            for name, value in row.items():
                writer.writerow([section, row["id"], name, _cell(value)])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "key": person.key,
        "name": person.name,
        "phone": person.phone_e164,
        "language": person.language,
        "isolated": person.isolated,
        "has_convention": person.has_convention,
        "risk": person.risk,
        "contract_end": person.contract_end.isoformat() if person.contract_end else None,
        "objects_to_calls": person.objects_to_calls,
        "call_hours": (
            f"{person.call_from:%H:%M}-{person.call_to:%H:%M}"
            if person.call_from and person.call_to
            else None
        ),
        "contact_every_days": person.contact_every_days,
        "added_at": _at(person.created_at),
    }


def _contact(contact: Contact, staff: dict[int, str]) -> dict[str, Any]:
    return {
        "id": contact.id,
        "kind": str(contact.kind),
        "theme": contact.theme.key if contact.theme else None,
        "started_at": _at(contact.started_at),
        "duration_seconds": contact.duration_s,
        "by": staff.get(contact.staff_id or 0),
        "phone": contact.phone_e164,
    }


def _call(session: Session, call: Call) -> dict[str, Any]:
    events = session.scalars(
        select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.id)
    )
    return {
        "id": call.id,
        "direction": call.direction,
        "from": call.from_e164,
        "to": call.to_e164,
        "status": call.status,
        "language": call.language,
        "theme": call.theme.key if call.theme else None,
        "started_at": _at(call.started_at),
        "answered_at": _at(call.answered_at),
        "ended_at": _at(call.ended_at),
        "duration_seconds": call.duration_seconds,
        "events": [
            {"at": _at(event.at), "kind": event.kind, "detail": event.detail} for event in events
        ],
    }


def _voicemail(session: Session, voicemail: Voicemail, staff: dict[int, str]) -> dict[str, Any]:
    listened = session.scalars(
        select(RecordingAccess)
        .where(RecordingAccess.voicemail_id == voicemail.id)
        .order_by(RecordingAccess.id)
    )
    return {
        "id": voicemail.id,
        "call_id": voicemail.call_id,
        "created_at": _at(voicemail.created_at),
        "duration_seconds": voicemail.duration_seconds,
        "status": str(voicemail.status),
        "recording_kept": bool(voicemail.recording_sid or voicemail.recording_url),
        "callback_consent": voicemail.callback_consent,
        "listened": [
            {"at": _at(access.at), "by": staff.get(access.staff_id or 0)} for access in listened
        ],
    }


def _callback(callback: CallbackRow, staff: dict[int, str]) -> dict[str, Any]:
    return {
        "id": callback.id,
        "source": str(callback.source),
        "status": str(callback.status),
        "phone": callback.phone_e164,
        "theme": callback.theme.key if callback.theme else None,
        "created_at": _at(callback.created_at),
        "closed_at": _at(callback.closed_at),
        "outcome": str(callback.outcome) if callback.outcome else None,
        "note": callback.note,
        "referred_to": callback.referred_to,
        "handled_by": staff.get(callback.handled_by_id or 0),
        "sms_sent_at": _at(callback.sms_sent_at),
        "attempts": [
            {
                "number": attempt.number,
                "started_at": _at(attempt.started_at),
                "ended_at": _at(attempt.ended_at),
                "result": attempt.result,
                "by": staff.get(attempt.staff_id or 0),
            }
            for attempt in callback.attempt_rows
        ],
    }
