"""The staff phone menu: a staff member on a basic phone runs their callbacks through the hotline.

A call to a structure's number from the registered phone of one of its active staff members
(who has a PIN) is greeted by name and asked for the PIN; then 1 says how many callbacks wait
per theme, 2 takes the next one in policy order and dials the person from this same leg (the
hotline's number as caller ID), 3 goes off duty for today or back on, 9 plays the callers' menu
and * repeats. The caller ID alone proves nothing (it can be spoofed): the PIN does.

Between webhooks the authenticated staff member travels in the URLs we return to Twilio as a
token signed with SECRET_KEY and bound to the CallSid, so it cannot be replayed on another call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline import callbacks
from hotline.directory import StructureInfo
from hotline.models import (
    CallbackOutcome,
    Staff,
)
from hotline.voice import render_callback
from hotline.voice.render import Voice, voice_url

MAX_PIN_TRIES = 3
MAX_SILENT_MENUS = 3
TOKEN_MAX_AGE_SECONDS = 4 * 3600
COUNTS, TAKE_NEXT, DUTY, CALLER_MENU, REPEAT = "1", "2", "3", "9", "*"
OUTCOMES: Mapping[str, CallbackOutcome] = {
    "1": CallbackOutcome.REACHED,
    "2": CallbackOutcome.NO_ANSWER,
    "3": CallbackOutcome.MESSAGE_LEFT,
    "4": CallbackOutcome.WRONG_NUMBER,
}


def staff_id_for_phone(structure: StructureInfo, phone: str) -> int | None:
    """The active staff member whose registered phone this is, from the in-memory snapshot."""
    if not phone:
        return None
    return next((sid for sid, own in structure.staff_phones.items() if own == phone), None)


def staff_with_pin(session: Session, structure: StructureInfo, phone: str) -> Staff | None:
    """The staff member calling from their registered phone, if they have a PIN to unlock.

    A staff member without a PIN is treated as an ordinary caller: nothing to unlock.
    """
    staff_id = staff_id_for_phone(structure, phone)
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff if staff is not None and staff.pin_hash else None


def ask_pin(voice: Voice, name: str, tries: int, response: VoiceResponse | None = None) -> str:
    """'Bonjour Amina. Tapez votre code…', for the try numbered `tries`."""
    action = voice_url("staff/pin", **{"try": tries})
    return render_callback.ask_pin(voice, response or VoiceResponse(), first_name(name), action)


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="hotline.staff-menu")


def issue_token(staff_id: int, call_sid: str) -> str:
    return _serializer().dumps([staff_id, call_sid])


def staff_for_token(session: Session, token: str, call_sid: str) -> Staff | None:
    """The staff member a token was issued to, on this call only, while active and recent."""
    try:
        staff_id, signed_sid = _serializer().loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    if signed_sid != call_sid or not call_sid:
        return None
    staff = session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


def menu(voice: Voice, token: str, response: VoiceResponse | None = None, silent: int = 0) -> str:
    """The menu; a silent menu comes back with silent=n+1 so the call ends after a few."""
    action = voice_url("staff/menu", auth=token)
    silent_action = voice_url("staff/menu", auth=token, silent=silent + 1)
    return render_callback.staff_menu(voice, response or VoiceResponse(), action, silent_action)


def waiting_counts(
    session: Session, structure: StructureInfo, voice: Voice, now: datetime
) -> list[tuple[str, int]]:
    """(theme label, callbacks that can be taken now) in menu order, 'any theme' last.

    Counted by the database (one GROUP BY, whatever the queue's length); a person whose own
    call hours are closed just now is counted too, and passed over by "la suivante".
    """
    counts = dict(callbacks.queue_counts(session, structure.id, now).callable_per_theme)
    spoken = [(voice.theme_label(t), counts.pop(t.id, 0)) for t in structure.themes]
    others = sum(counts.values())
    return [*spoken, (voice.theme_label(None), others)] if others else spoken
