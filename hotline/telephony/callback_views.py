"""Webhooks of the click-to-call bridge: the staff member's phone first, then the caller's.

A job (`workers.jobs.place_callback_call`) rings the staff member; when they pick up Twilio
fetches /voice/callback/staff, they hear who they are about to call and press 1; then
/voice/callback/staff-answer dials the caller from that leg with the hotline's number as caller
ID. Both legs report their statuses to /voice/callback/status, which updates the attempt through
`callbacks.note_attempt_leg` (idempotent: a repeated callback changes nothing).

These routes live on the `voice` blueprint, so its before_request checks every signature.
The attempt id travels in the URL we return to Twilio, which signs it back to us.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import callbacks, clock
from hotline.extensions import db
from hotline.models import CallbackAttempt
from hotline.telephony.bridge import load_bridge, not_allowed_now, staff_voice_or_default
from hotline.telephony.failures import log_webhook_failure
from hotline.telephony.params import whole_number
from hotline.telephony.views import bp, twiml
from hotline.voice import render_callback
from hotline.voice.render import voice_url

P = ParamSpec("P")
LEGS = ("staff", "caller")


def hang_up_on_error(view: Callable[P, Response]) -> Callable[P, Response]:
    """A failure ends a staff leg with an apology: never the blueprint's 'leave a message'."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception as error:
            db.session.rollback()
            log_webhook_failure(error)
            voice = staff_voice_or_default()
            return twiml(render_callback.say_and_hang_up(voice, "technical_error_end"))

    return wrapper


def attempt_arg() -> int:
    return whole_number(request.args.get("attempt"))


def done(xml: str) -> Response:
    db.session.commit()
    return twiml(xml)


@bp.post("/callback/staff")
@hang_up_on_error
def callback_staff() -> Response:
    """The staff member picked up: say who is to be called, wait for 1."""
    bridge = load_bridge(db.session, attempt_arg())
    if bridge is None or not bridge.still_wanted:
        voice = bridge.voice if bridge else staff_voice_or_default()
        return twiml(render_callback.say_and_hang_up(voice, "callback_cancelled"))
    theme, person = bridge.who_is_called()
    return twiml(render_callback.staff_intro(bridge.voice, bridge.attempt.id, theme, person))


@bp.post("/callback/staff-answer")
@hang_up_on_error
def callback_staff_answer() -> Response:
    """1: dial the caller, if the structure allows calling people now. Anything else: nobody."""
    bridge = load_bridge(db.session, attempt_arg())
    if bridge is None or not bridge.still_wanted:
        voice = bridge.voice if bridge else staff_voice_or_default()
        return twiml(render_callback.say_and_hang_up(voice, "callback_cancelled"))
    voice = bridge.voice
    if request.form.get("Digits", "").strip() != "1":
        return twiml(render_callback.say_and_hang_up(voice, "callback_not_started"))
    refusal = not_allowed_now(db.session, bridge.structure, voice, "callback")
    if refusal is not None:
        key, params = refusal
        return twiml(render_callback.say_and_hang_up(voice, key, **params))
    response = VoiceResponse()
    voice.speak(response, "callback_dialling")
    action = voice_url("callback/dial-done", attempt=bridge.attempt.id)
    caller = bridge.callback.phone_e164
    xml = render_callback.bridge(
        voice, response, bridge.attempt.id, caller, bridge.hotline_number, action
    )
    return twiml(xml)


@bp.post("/callback/dial-done")
@hang_up_on_error
def callback_dial_done() -> Response:
    """The caller's leg ended: tell the staff member, and note it on the attempt."""
    status = request.form.get("DialCallStatus", "")
    status = "completed" if status == "answered" else status
    bridge = load_bridge(db.session, attempt_arg())
    if bridge is None:
        return twiml(render_callback.say_and_hang_up(staff_voice_or_default(), "goodbye"))
    sid = request.form.get("DialCallSid") or None
    if status:
        callbacks.note_attempt_leg(
            db.session, bridge.attempt.id, "caller", sid, status, clock.now()
        )
    key = "callback_call_ended" if status == "completed" else "callback_caller_no_answer"
    return done(render_callback.say_and_hang_up(bridge.voice, key))


def status_on_error(view: Callable[P, Response]) -> Callable[P, Response]:
    """A failed status callback answers 500 (logged, visible), not the blueprint's TwiML."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception as error:
            db.session.rollback()
            log_webhook_failure(error)
            return Response(status=500)

    return wrapper


@bp.post("/callback/status")
@status_on_error
def callback_status() -> Response:
    """A leg's status callback: note it on the attempt (repeats and late arrivals are no-ops)."""
    leg, attempt_id = request.args.get("leg", ""), attempt_arg()
    status = request.form.get("CallStatus", "")
    if leg not in LEGS or not status or db.session.get(CallbackAttempt, attempt_id) is None:
        return Response(status=204)
    call_sid = request.form.get("CallSid") or None
    callbacks.note_attempt_leg(db.session, attempt_id, leg, call_sid, status, clock.now())
    db.session.commit()
    return Response(status=204)
