"""How entries join the queue: a message with consent, a missed call, a staff member's entry.

Each source is idempotent where the network may repeat itself: one call gives at most one
entry (the unique `call_id`), whether its message or its missed-call status came first, and
one message joins one entry (the unique `callback_message.voicemail_id`). A person or number
waits in one entry at a time: a new message or missed call joins the open one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline import phones
from hotline.callbacks.common import HELD
from hotline.callbacks.errors import InvalidInput, NotAllowed
from hotline.callbacks.queue_keys import rank_entries
from hotline.callbacks.settings import callback_settings
from hotline.models import (
    FINAL_CALL_STATUSES,
    Call,
    Callback,
    CallbackMessage,
    CallbackSource,
    CallbackStatus,
    Person,
    PhoneNumber,
    Staff,
    Structure,
    Theme,
    Voicemail,
    must_exist,
)
from hotline.models.upsert import insert_if_absent

LISTED = (CallbackStatus.WAITING, CallbackStatus.RETRY_SCHEDULED, *HELD)


def _for_call(session: Session, call: Call) -> Callback | None:
    return session.scalar(select(Callback).where(Callback.call_id == call.id))


def queue_for_voicemail(
    session: Session, voicemail: Voicemail, call: Call, now: datetime
) -> Callback | None:
    """The entry this message joins, or a new one; None if the number can't be called.

    One waiting entry per person or number: a caller who already waits gets their new
    message added to that entry ("3 messages"), each message keeping its own consent.
    Keyed on the message, so a retried webhook links it once; a missed-call entry of the
    same call (a status callback overtaking the recording's) becomes this message's entry.
    A withheld number (Twilio sends a placeholder such as +266696687) is never queued: it
    would dial a stranger.
    """
    if voicemail.structure_id is None:
        return None
    phone = callable_number(session, voicemail.structure_id, call.from_e164)
    if phone is None:
        return None
    linked = _entry_of_message(session, voicemail)
    if linked is not None:
        return linked
    callback = _for_call(session, call) or _open_entry_for(
        session, voicemail.structure_id, phone, call.person_id
    )
    if callback is None:
        callback = _insert_for_message(session, voicemail, call, now)
    if callback.status == CallbackStatus.RETRY_SCHEDULED:
        # They called again and asked to be called back: the spacing of attempts was for
        # not ringing them too often, it must not make them wait now (retries are not
        # taken before their time).
        callback.status, callback.due_at = CallbackStatus.WAITING, None
        callback.version += 1
    if callback.voicemail_id is None:
        callback.voicemail_id = voicemail.id
        callback.source = CallbackSource.VOICEMAIL
    if callback.theme_id is None:
        callback.theme_id = voicemail.theme_id
    insert_if_absent(
        session,
        CallbackMessage,
        {"callback_id": callback.id, "voicemail_id": voicemail.id},
        unique_on=["voicemail_id"],
    )
    session.flush()
    session.expire(callback, ["messages"])
    return must_exist(_entry_of_message(session, voicemail), "the message's entry")


def _entry_of_message(session: Session, voicemail: Voicemail) -> Callback | None:
    return session.scalar(
        select(Callback)
        .join(CallbackMessage, CallbackMessage.callback_id == Callback.id)
        .where(CallbackMessage.voicemail_id == voicemail.id)
    )


def _insert_for_message(
    session: Session, voicemail: Voicemail, call: Call, now: datetime
) -> Callback:
    insert_if_absent(
        session,
        Callback,
        {
            "structure_id": voicemail.structure_id,
            "source": CallbackSource.VOICEMAIL.value,
            "status": CallbackStatus.WAITING.value,
            "call_id": call.id,
            "voicemail_id": voicemail.id,
            "theme_id": voicemail.theme_id,
            "person_id": call.person_id,
            "phone_e164": call.from_e164,
            "created_at": now,
        },
        unique_on=["call_id"],
    )
    callback = must_exist(_for_call(session, call), "the voicemail's callback")
    rank_entries(session, callback.structure_id, [callback.id])  # a Core insert: no hook saw it
    return callback


def _is_missed(session: Session, call: Call) -> bool:
    """An inbound call that ended with nobody answering and no message left."""
    if call.structure_id is None or call.direction != "inbound":
        return False
    if call.status not in FINAL_CALL_STATUSES or call.answered_at is not None:
        return False
    has_message = session.scalar(select(Voicemail.id).where(Voicemail.call_id == call.id))
    return has_message is None


def callable_number(session: Session, structure_id: int, raw: str) -> str | None:
    """The caller's number if we may ring it back: valid, not withheld, not one of ours."""
    e164 = phones.callable_e164(raw)
    if e164 is None:
        return None
    ours = session.scalar(
        select(Staff.id).where(Staff.structure_id == structure_id, Staff.phone_e164 == e164)
    ) or session.scalar(select(PhoneNumber.id).where(PhoneNumber.e164 == e164))
    return None if ours else e164


def queue_for_missed_call(session: Session, call: Call, now: datetime) -> Callback | None:
    """Queue a callback for a missed inbound call, when the structure opted in; else None.

    Called for every final status of an inbound call; it checks the rest itself: nobody
    answered, no message was left (the message's consent decides then), the number can be
    called back and is not a staff member's. A caller who already has an open entry gets
    that one back rather than a second entry (three missed calls are one person to call).
    """
    if not _is_missed(session, call):
        return None
    structure = session.get(Structure, call.structure_id) if call.structure_id is not None else None
    if structure is None or not callback_settings(structure).missed_call_callbacks:
        return None
    existing = _for_call(session, call)
    if existing is not None:
        return existing
    phone = callable_number(session, structure.id, call.from_e164)
    if phone is None:
        return None
    return _open_entry_for(session, structure.id, phone, call.person_id) or _insert_missed(
        session, call, phone, now
    )


def withdraw_missed_call(session: Session, call: Call) -> bool:
    """A message arrived for a call already counted as missed: drop that entry, untouched.

    Twilio sends the call's status callback and the <Record> callbacks in no fixed order;
    a caller who hung up mid-message may be reported "completed" before their message is
    announced. The message decides then, as it would have had it come first: the entry is
    removed while nobody has claimed or called it, and kept (the message's consent then
    converts it) once someone has.
    """
    callback = _for_call(session, call)
    if (
        callback is None
        or callback.source != CallbackSource.MISSED_CALL
        or callback.status != CallbackStatus.WAITING
        or callback.attempts
        or callback.claimed_by_id is not None
    ):
        return False
    session.delete(callback)
    session.flush()
    return True


def _open_entry_for(
    session: Session, structure_id: int, phone: str, person_id: int | None
) -> Callback | None:
    """The entry this person (whatever their number) or this number already waits in."""
    same_caller = Callback.phone_e164 == phone
    if person_id is not None:
        same_caller = or_(same_caller, Callback.person_id == person_id)
    return session.scalar(
        select(Callback)
        .where(
            Callback.structure_id == structure_id,
            same_caller,
            Callback.status.in_(LISTED),
        )
        .order_by(Callback.id)
        .limit(1)
    )


def _insert_missed(session: Session, call: Call, phone: str, now: datetime) -> Callback | None:
    insert_if_absent(
        session,
        Callback,
        {
            "structure_id": call.structure_id,
            "source": CallbackSource.MISSED_CALL.value,
            "status": CallbackStatus.WAITING.value,
            "call_id": call.id,
            "theme_id": call.theme_id,
            "person_id": call.person_id,
            "phone_e164": phone,
            "created_at": now,
        },
        unique_on=["call_id"],
    )
    callback = _for_call(session, call)
    if callback is not None:  # a Core insert: no hook saw it
        rank_entries(session, callback.structure_id, [callback.id])
    return callback


def _owned(
    session: Session, model: type[Theme] | type[Person], row_id: int | None, sid: int
) -> None:
    if row_id is None:
        return
    found = session.scalar(select(model.id).where(model.id == row_id, model.structure_id == sid))
    if found is None:
        raise InvalidInput("Thème ou personne inconnus dans votre structure.")


def _manual_phone(session: Session, typed: str, person_id: int | None) -> str:
    """The typed number, else the known person's; InvalidInput for anything else."""
    person = session.get(Person, person_id) if person_id is not None else None
    raw = typed.strip() or (person.phone_e164 if person and person.phone_e164 else "")
    try:
        return phones.read_phone(raw)
    except ValueError:
        raise InvalidInput(f"Numéro de téléphone invalide : {raw or '(vide)'}.") from None


def create_manual_callback(
    session: Session,
    *,
    structure_id: int,
    staff: Staff,
    phone: str,
    theme_id: int | None,
    person_id: int | None,
    note: str,
    now: datetime,
) -> Callback:
    """A staff member adds someone to call back (met in person, a message on paper...).

    The phone may be left empty for a known person with a number. InvalidInput, in French,
    for a bad number or a theme/person of another structure.
    """
    if staff.structure_id != structure_id and staff.role != "admin":
        raise NotAllowed("Vous ne pouvez ajouter un rappel que dans votre structure.")
    _owned(session, Theme, theme_id, structure_id)
    _owned(session, Person, person_id, structure_id)
    e164 = _manual_phone(session, phone, person_id)
    if len(note.strip()) > 500:
        raise InvalidInput("La note dépasse 500 caractères.")
    callback = Callback(
        structure_id=structure_id,
        source=CallbackSource.MANUAL,
        status=CallbackStatus.WAITING,
        theme_id=theme_id,
        person_id=person_id,
        phone_e164=e164,
        created_at=now,
        attempts=0,
        note=note.strip(),
        version=0,
    )
    session.add(callback)
    session.flush()
    return callback


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def manual_choices(session: Session, structure_id: int) -> tuple[list[Choice], list[Choice]]:
    """Who and which theme a staff member may pick when adding an entry by hand: the
    structure's persons (by key) and themes (in their order), as two lists of plain pairs.

    Two small SELECTs of the shown columns: the queue page shows this form under every page
    of 50 entries, and loading a hundred persons as ORM objects for it took milliseconds.
    """
    people = session.execute(
        select(Person.key, Person.name)
        .where(Person.structure_id == structure_id)
        .order_by(Person.key)
    )
    themes = session.execute(
        select(Theme.key, Theme.labels)
        .where(Theme.structure_id == structure_id)
        .order_by(Theme.position)
    )
    return (
        [Choice(key, name) for key, name in people],
        [Choice(key, (labels or {}).get("fr", key)) for key, labels in themes],
    )
