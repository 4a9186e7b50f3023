"""Messages callers leave: saved once, whatever the network repeats or loses.

A message is kept whether or not the caller wants a callback; a recording that
turns out empty or "absent" stays as a row, so the call is never forgotten.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.models import Call, Callback, Voicemail, VoicemailStatus, must_exist
from hotline.models.upsert import insert_if_absent

_RECORDING_SID = re.compile(r"RE[0-9A-Za-z]{8,126}")


def recording_sid_from_url(url: str) -> str | None:
    """The RecordingSid at the end of a RecordingUrl (…/Recordings/RE…, maybe with .mp3).

    `<Record>`'s action does not document a RecordingSid parameter, only RecordingUrl: the
    sid is read from the URL, and None when the URL does not end with one.
    """
    last = urlsplit(url).path.rsplit("/", 1)[-1].split(".", 1)[0]
    return last if _RECORDING_SID.fullmatch(last) else None


def _voicemail_of(session: Session, call: Call) -> Voicemail | None:
    return session.scalar(select(Voicemail).where(Voicemail.call_id == call.id))


def save_recording(
    session: Session,
    call: Call,
    recording_sid: str | None,
    recording_url: str,
    duration: int,
    now: datetime,
) -> Voicemail:
    """Keep the message announced by `<Record>`'s action or its status callback.

    Either may come first (the file may still be processing), or after the call's own
    status callback: a missed-call entry queued then gives way to the message.
    """
    recording_sid = recording_sid or recording_sid_from_url(recording_url)
    insert_if_absent(
        session,
        Voicemail,
        {
            "structure_id": call.structure_id,
            "call_id": call.id,
            "theme_id": call.theme_id,
            "recording_sid": recording_sid,
            "recording_url": recording_url or None,
            "duration_seconds": duration,
            "status": VoicemailStatus.PENDING.value,
            "created_at": now,
        },
        unique_on=["call_id"],
    )
    voicemail = must_exist(_voicemail_of(session, call), "the call's voicemail")
    if voicemail.recording_sid is None and recording_sid:  # found empty, or URL came later
        voicemail.recording_sid = recording_sid
        voicemail.recording_url = recording_url or voicemail.recording_url
        voicemail.duration_seconds = duration or voicemail.duration_seconds
        session.flush()
    callbacks.withdraw_missed_call(session, call)
    return voicemail


def save_empty_message(session: Session, call: Call, now: datetime) -> Voicemail:
    """The caller reached the beep but said nothing: keep a trace of the attempt."""
    insert_if_absent(
        session,
        Voicemail,
        {
            "structure_id": call.structure_id,
            "call_id": call.id,
            "theme_id": call.theme_id,
            "duration_seconds": 0,
            "status": VoicemailStatus.EMPTY.value,
            "created_at": now,
        },
        unique_on=["call_id"],
    )
    callbacks.withdraw_missed_call(session, call)
    return must_exist(_voicemail_of(session, call), "the call's voicemail")


def apply_recording_status(
    session: Session,
    call: Call,
    recording_sid: str | None,
    status: str,
    recording_url: str,
    duration: int,
    now: datetime,
) -> Voicemail | None:
    """Confirm or mark absent the recording Twilio finished processing."""
    if call.structure_id is None:
        return None
    voicemail = save_recording(session, call, recording_sid, recording_url, duration, now)
    if status == "completed":
        voicemail.status = VoicemailStatus.COMPLETED
        voicemail.duration_seconds = duration or voicemail.duration_seconds
    elif status in ("absent", "failed") and voicemail.status != VoicemailStatus.COMPLETED:
        voicemail.status = VoicemailStatus.ABSENT
    session.flush()
    return voicemail


def record_consent(session: Session, call: Call, consent: bool, now: datetime) -> Callback | None:
    """Store the caller's answer; with their consent, queue one callback."""
    voicemail = _voicemail_of(session, call) or save_empty_message(session, call, now)
    if voicemail.callback_consent is None or consent:
        voicemail.callback_consent = consent
    session.flush()
    if not consent:
        return None
    return callbacks.queue_for_voicemail(session, voicemail, call, now)
