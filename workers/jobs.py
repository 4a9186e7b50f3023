"""RQ jobs that reach the telephone network: ring a staff member for a callback, send the SMS.

Each job takes an id, runs in an app context (committing at its end) and is safe to run twice:
the row says whether the work is done, and a Redis key taken with SET NX covers the moment
between the provider accepting a request and our commit, so a retried job never rings a phone
or sends an SMS a second time. Nothing here enqueues: the web and the sweeps queue these jobs
by dotted name after their commit, through `hotline.tasks`.
"""

from __future__ import annotations

import logging

import phonenumbers
from flask import current_app
from sqlalchemy.orm import Session

from hotline import callbacks, clock, gateway
from hotline.directory import StructureInfo, directory
from hotline.extensions import db, redis_store
from hotline.models import Callback, CallbackAttempt, CallbackStatus, Staff, Structure
from hotline.voice import render_callback
from hotline.voice.render import callback_url, ring_timeout, voice_url
from hotline.voice.scripts_cache import script_named
from workers.context import in_app_context

log = logging.getLogger(__name__)

STAFF_RING_SECONDS = 25  # then the staff member's own voicemail would answer: stop before
# (Twilio rings 5 s longer than the Timeout it is given: `ring_timeout` asks for 20.)
# Covers one run of a job (bounded HTTP timeout and retries, well under RQ's 180 s job
# timeout) and no more: a guard left by a failure or a killed worker never blocks for long.
GUARD_SECONDS = 10 * 60


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def _take_guard(kind: str, row_id: int) -> bool:
    """True for the first taker only: the provider request may be made."""
    key = f"hotline:{kind}:{row_id}"
    return bool(redis_store.connection.set(key, "1", nx=True, ex=GUARD_SECONDS))


def _release_guard(kind: str, row_id: int) -> None:
    redis_store.connection.delete(f"hotline:{kind}:{row_id}")


def _structure(session: Session, callback: Callback) -> StructureInfo:
    found = directory().by_id(session, callback.structure_id)
    if found is None:
        raise LookupError("structure not in the directory")
    return found


@in_app_context
def place_callback_call(attempt_id: int) -> str | None:
    """Ring the staff member of this attempt; their leg then runs /voice/callback/staff.

    Returns the staff leg's CallSid, or None when there is nothing (more) to do: the attempt
    already has a call, ended, or its callback is no longer being called.
    """
    session = db.session
    attempt = session.get(CallbackAttempt, attempt_id)
    if attempt is None or attempt.staff_call_sid or attempt.ended_at is not None:
        return None
    callback = attempt.callback
    staff = session.get(Staff, attempt.staff_id) if attempt.staff_id else None
    if callback.status != CallbackStatus.CALLING or staff is None:
        return None
    window = callbacks.when_may_we_call(
        session.get_one(Structure, callback.structure_id), clock.now(), callback.person
    )
    if not window.open_now:
        # A job that waited past the allowed hours: end the attempt, ring nobody.
        callbacks.note_attempt_leg(
            session,
            attempt_id=attempt_id,
            leg="staff",
            call_sid=None,
            status="canceled",
            now=clock.now(),
        )
        return None
    if not _take_guard("callback-call", attempt_id):
        log.info("attempt %d: its call is already being placed", attempt_id)
        return None
    structure = _structure(session, callback)
    try:
        sid = gateway.place_call(
            to=staff.phone_e164,
            from_=callbacks.hotline_number(callback, structure),
            url=public_url(voice_url("callback/staff", attempt=attempt_id)),
            status_callback=public_url(
                callback_url("callback/status", attempt=attempt_id, leg="staff")
            ),
            timeout=ring_timeout(STAFF_RING_SECONDS),
        )
    except gateway.GatewayError as error:
        _call_not_placed(session, attempt_id, error)
        return None
    callbacks.note_attempt_leg(
        session, attempt_id=attempt_id, leg="staff", call_sid=sid, status="queued", now=clock.now()
    )
    return sid


def _call_not_placed(session: Session, attempt_id: int, error: gateway.GatewayError) -> None:
    """End the attempt with the provider's reason and give the entry back to the staff member.

    Refused, or still busy after the gateway's retries: no call exists, the guard goes.
    Never answered: a call may exist (its status callbacks find an ended attempt and the
    staff member hears it was cancelled); the guard stays for its short life.
    """
    log.warning("attempt %d: the staff call was not placed (%s)", attempt_id, error)
    reason = error.reason if error.permanent else f"{error.reason} Vous pouvez rappeler."
    callbacks.reopen_attempt(session, attempt_id, reason, clock.now())
    if error.answered:
        _release_guard("callback-call", attempt_id)


@in_app_context
def send_last_attempt_sms(callback_id: int) -> str | None:
    """Send the one SMS saying the structure tried to call; None when already sent or not due.

    `mark_sms_sent` (flushed before the request, rolled back if it fails) and a Redis key make
    sure a second run, a duplicate outcome or a retry never sends a second SMS.
    """
    session = db.session
    callback = session.get(Callback, callback_id)
    if callback is None or callback.sms_sent_at is not None or callback.sms_failure:
        return None
    if callback.status != CallbackStatus.ABANDONED or not _take_guard("callback-sms", callback_id):
        return None
    structure = _structure(session, callback)
    sender = callbacks.callback_settings(session.get_one(Structure, structure.id)).sms_sender
    if not sender:
        callbacks.note_sms_failure(session, callback_id, callbacks.NO_SMS_SENDER)
        return None
    body = sms_body(session, callback, callbacks.hotline_number(callback, structure))
    if not callbacks.mark_sms_sent(session, callback_id, clock.now()):
        return None
    session.flush()
    try:
        return gateway.send_sms(to=callback.phone_e164, from_=sender, body=body)
    except gateway.GatewayError as error:
        _sms_not_sent(session, callback_id, error)
        return None


def _sms_not_sent(session: Session, callback_id: int, error: gateway.GatewayError) -> None:
    """Close the SMS with a reason, or raise so RQ retries it later (with jittered pauses).

    Refused for good (a 4xx): the reason is kept and nobody tries again. Still busy (429,
    5xx) after the gateway's retries: no SMS exists, the guard goes and the job raises.
    Never answered: the SMS may exist, so it counts as sent (a second one would double it).
    """
    if error.retryable:
        _release_guard("callback-sms", callback_id)
        raise error  # rolled back: not marked sent
    reason = error.reason
    if error.answered:
        callbacks.note_sms_failure(session, callback_id, f"SMS refusé : {reason}")
    else:
        log.warning("SMS of callback %d: no answer from the provider, counted as sent", callback_id)


def sms_body(session: Session, callback: Callback, number: str) -> str:
    """The SMS text in the person's language when the structure speaks it, else its default."""
    structure = _structure(session, callback)
    person_lang = callback.person.language if callback.person is not None else None
    lang = person_lang if person_lang in structure.languages else structure.default_language
    slots = [slot for duty in structure.duties for slot in duty.slots]
    script = script_named(structure.script)
    return render_callback.sms_text(script, lang, structure.name, spoken_number(number), slots)


def spoken_number(e164: str) -> str:
    """'01 84 88 00 00' for a French number, the international form otherwise."""
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.region_code_for_number(number) == "FR"
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if national else style.INTERNATIONAL)
