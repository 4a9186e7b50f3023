"""SMS reminders of group calls: the day before and one hour before, each sent exactly once.

Schedules are rows (`GroupReminder`): the periodic sweep plans them for sessions starting
within a day (one per invitee with a mobile, series setting on, person not opted out) and
hands the due ones to a job. Exactly once rests on three things:

- planning twice makes one row: (session, kind, invitee) is unique (INSERT … ON CONFLICT);
- a job first *claims* the row (`sending_at`, a conditional UPDATE the job commits before
  asking the provider): a second job, a second tick or a second scheduler finds it taken;
- a worker that dies after the claim leaves a row with `sending_at` and no `sent_at`. The
  provider's status callback (it carries our reminder id) marks the row sent if the SMS
  exists; a claim still unconfirmed after `INTERRUPTED_AFTER` means the provider never took
  it, and the row is released to be sent again, within its window.

SMS constraints (reference: twilio-rq-rgpd.md §3): mobiles only (a landline would swallow it),
from the structure's registered sender (an alphanumeric sender ID or messaging service: French
A2P traffic may not come from a long number), text folded to GSM-7 and kept to one 160-character
SMS when it can be (else the short text), no reply expected (a sender ID cannot receive one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline import callbacks, phones
from hotline.directory import directory
from hotline.groupcalls.series import invitees
from hotline.models import (
    GroupPreference,
    GroupReminder,
    GroupSeries,
    GroupSession,
    Person,
    ReminderKind,
    SessionStatus,
    Staff,
    Structure,
)
from hotline.models.upsert import insert_if_absent
from hotline.schedules import describe_moment
from hotline.voice.render_callback import SMS_SEGMENT, gsm7, septets
from hotline.voice.scripts_cache import script_named

LEAD = {ReminderKind.DAY_BEFORE: timedelta(hours=24), ReminderKind.HOUR_BEFORE: timedelta(hours=1)}
# Past this much before the start a reminder is pointless ("demain" said two hours before).
LAST_CHANCE = {
    ReminderKind.DAY_BEFORE: timedelta(hours=3),
    ReminderKind.HOUR_BEFORE: timedelta(minutes=10),
}
PLAN_AHEAD = LEAD[ReminderKind.DAY_BEFORE] + timedelta(hours=1)
INTERRUPTED_AFTER = timedelta(minutes=10)  # a send job (bounded HTTP timeouts) is long over
MAX_TRIES = 4

CANCELLED = "Pas de SMS : la réunion a été annulée ou n'a pas lieu à cette heure."
TOO_LATE = "Pas de SMS : trop tard pour ce rappel."
OPTED_OUT = "Pas de SMS : la personne ne veut plus de rappels pour cette réunion."
NO_MOBILE = "Pas de SMS : pas de numéro de portable."
GAVE_UP = "Pas de SMS : l'opérateur ne l'a pas accepté après plusieurs essais."


def _wanted(series: GroupSeries) -> list[ReminderKind]:
    kinds = []
    if series.remind_day_before:
        kinds.append(ReminderKind.DAY_BEFORE)
    if series.remind_hour_before:
        kinds.append(ReminderKind.HOUR_BEFORE)
    return kinds


def _reminders_off(db: Session, series_id: int) -> set[str]:
    rows = db.scalars(
        select(GroupPreference).where(
            GroupPreference.series_id == series_id, GroupPreference.reminders_off.is_(True)
        )
    )
    return {f"s-{r.staff_id}" if r.staff_id else f"p-{r.person_id}" for r in rows}


def plan_reminders(db: Session, now: datetime) -> int:
    """Create the reminder rows of sessions starting within a day; how many were created.

    Idempotent, and it follows a moved session: rows not sent yet take the new time.
    """
    created = 0
    for session in db.scalars(
        select(GroupSession).where(
            GroupSession.status == SessionStatus.SCHEDULED,
            GroupSession.starts_at > now,
            GroupSession.starts_at <= now + PLAN_AHEAD,
        )
    ):
        created += _plan_session(db, session, now)
    db.flush()
    return created


def _plan_session(db: Session, session: GroupSession, now: datetime) -> int:
    series = session.series
    kinds = [k for k in _wanted(series) if now < session.starts_at - LAST_CHANCE[k]]
    if not kinds:
        return 0
    off = _reminders_off(db, series.id)
    created = 0
    for invitee in invitees(db, series):
        key = f"s-{invitee.staff_id}" if invitee.staff_id else f"p-{invitee.person_id}"
        if key in off or not invitee.phone_e164 or not phones.is_mobile(invitee.phone_e164):
            continue
        for kind in kinds:
            created += insert_if_absent(
                db,
                GroupReminder,
                {
                    "session_id": session.id,
                    "structure_id": session.structure_id,
                    "kind": kind.value,
                    "invitee": key,
                    "person_id": invitee.person_id,
                    "staff_id": invitee.staff_id,
                    "due_at": session.starts_at - LEAD[kind],
                    "created_at": now,
                    "delivery": "",
                    "tries": 0,
                    "failure": "",
                },
                unique_on=["session_id", "kind", "invitee"],
            )
    for row in db.scalars(
        select(GroupReminder).where(
            GroupReminder.session_id == session.id,
            GroupReminder.sent_at.is_(None),
            GroupReminder.sending_at.is_(None),
        )
    ):
        row.due_at = session.starts_at - LEAD[row.kind]  # the session may have moved
    return created


def due_reminders(db: Session, now: datetime) -> list[int]:
    """Rows to hand to the send job now: due, never claimed, never closed."""
    return list(
        db.scalars(
            select(GroupReminder.id)
            .where(
                GroupReminder.due_at <= now,
                GroupReminder.sent_at.is_(None),
                GroupReminder.sending_at.is_(None),
                GroupReminder.failure == "",
            )
            .order_by(GroupReminder.due_at, GroupReminder.id)
        )
    )


def claim_reminder(db: Session, reminder_id: int, now: datetime) -> bool:
    """Take the row for this job only (True once); the caller commits before sending."""
    result = db.execute(
        update(GroupReminder)
        .where(
            GroupReminder.id == reminder_id,
            GroupReminder.sending_at.is_(None),
            GroupReminder.sent_at.is_(None),
            GroupReminder.failure == "",
        )
        .values(sending_at=now, tries=GroupReminder.tries + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


@dataclass(frozen=True)
class Sms:
    to: str
    sender: str
    body: str


def prepare(db: Session, reminder_id: int, now: datetime) -> Sms | str | None:
    """The SMS of a claimed row; the French reason it will never go (then closed); or None
    when it is not due any more (the session was moved later: released, sent at its time)."""
    row = db.get_one(GroupReminder, reminder_id)
    session = row.session
    if session.status is not SessionStatus.SCHEDULED:
        return CANCELLED
    row.due_at = session.starts_at - LEAD[row.kind]
    if row.due_at > now:
        return None
    if now >= session.starts_at - LAST_CHANCE[row.kind]:
        return TOO_LATE
    if row.invitee in _reminders_off(db, session.series_id):
        return OPTED_OUT
    person = db.get(Person, row.person_id) if row.person_id else None
    staff = db.get(Staff, row.staff_id) if row.staff_id else None
    phone = person.phone_e164 if person else staff.phone_e164 if staff else None
    if not phone or not phones.is_mobile(phone):
        return NO_MOBILE
    sender = callbacks.callback_settings(db.get_one(Structure, session.structure_id)).sms_sender
    if not sender:
        return callbacks.NO_SMS_SENDER
    language = person.language if person else None
    return Sms(phone, sender, reminder_text(db, session, language, now))


def reminder_text(db: Session, session: GroupSession, language: str | None, now: datetime) -> str:
    """ "Rappel : Café téléphonique, demain à 14 heures. Nous vous appellerons : tapez 1…",
    in the person's language when the structure speaks it; one SMS (GSM-7) when it fits."""
    info = directory().by_id(db, session.structure_id)
    if info is None:  # pragma: no cover - the session's structure exists
        raise LookupError("structure not in the directory")
    lang = language if language in info.languages else info.default_language
    script = script_named(info.script)
    when = describe_moment(session.starts_at, now, info.tz, script.moments[lang])
    title = session.series.title
    number = _national(info.numbers[0]) if info.numbers else ""
    pin = session.series.pin
    for shown in (title, title[:40], title[:20]):
        full = gsm7(
            script.prompt(
                lang, "sms_group_reminder", title=shown, when=when, number=number, pin=pin
            ).text
        )
        if septets(full) <= SMS_SEGMENT:
            return full
    return gsm7(script.prompt(lang, "sms_group_reminder_short", title=title[:40], when=when).text)


def _national(e164: str) -> str:
    """ "01 84 88 00 00" for a French number, the international form otherwise."""
    number = phonenumbers.parse(e164, None)
    style = phonenumbers.PhoneNumberFormat
    national = phonenumbers.region_code_for_number(number) == "FR"
    return phonenumbers.format_number(number, style.NATIONAL if national else style.INTERNATIONAL)


def mark_sent(db: Session, reminder_id: int, message_sid: str | None, now: datetime) -> None:
    db.execute(
        update(GroupReminder)
        .where(GroupReminder.id == reminder_id, GroupReminder.sent_at.is_(None))
        .values(sent_at=now, message_sid=message_sid)
        .execution_options(synchronize_session=False)
    )


def close_unsent(db: Session, reminder_id: int, reason: str) -> None:
    """This reminder will never go; why, in French (shown to the coordinator)."""
    db.execute(
        update(GroupReminder)
        .where(GroupReminder.id == reminder_id, GroupReminder.sent_at.is_(None))
        .values(failure=reason[:300])
        .execution_options(synchronize_session=False)
    )


def release(db: Session, reminder_id: int) -> None:
    """The provider surely did not take it (a refusal to retry): the row may be sent again."""
    db.execute(
        update(GroupReminder)
        .where(GroupReminder.id == reminder_id, GroupReminder.sent_at.is_(None))
        .values(sending_at=None)
        .execution_options(synchronize_session=False)
    )


def note_delivery(
    db: Session, reminder_id: int, message_sid: str, status: str, now: datetime
) -> bool:
    """The provider's status callback: the SMS exists. Marks the row sent if the job that sent
    it died before saying so; False when the callback names no reminder of ours."""
    row = db.get(GroupReminder, reminder_id)
    if row is None or (row.message_sid and row.message_sid != message_sid):
        return False
    if row.sent_at is None:
        row.sent_at = now
        row.message_sid = message_sid
    row.delivery = status[:20]
    db.flush()
    return True


def reopen_interrupted(db: Session, now: datetime) -> int:
    """Claims no job confirmed (a worker died before the provider took the SMS): send again,
    or close them when too late or tried too often. How many were reopened."""
    stuck = db.scalars(
        select(GroupReminder).where(
            GroupReminder.sending_at <= now - INTERRUPTED_AFTER,
            GroupReminder.sent_at.is_(None),
            GroupReminder.failure == "",
        )
    ).all()
    reopened = 0
    for row in stuck:
        if row.tries >= MAX_TRIES:
            row.failure = GAVE_UP
        elif now >= row.session.starts_at - LAST_CHANCE[row.kind]:
            row.failure = TOO_LATE
        else:
            row.sending_at = None
            reopened += 1
    db.flush()
    return reopened


@dataclass(frozen=True)
class ReminderCounts:
    """For the coordinator: how the reminders of one session went."""

    sent: int
    waiting: int
    not_sent: tuple[str, ...]  # the reasons, one per reminder not sent


def session_reminders(db: Session, session_id: int) -> ReminderCounts:
    rows = db.scalars(select(GroupReminder).where(GroupReminder.session_id == session_id)).all()
    return ReminderCounts(
        sent=sum(1 for r in rows if r.sent_at is not None),
        waiting=sum(1 for r in rows if r.sent_at is None and not r.failure),
        not_sent=tuple(r.failure for r in rows if r.failure),
    )
