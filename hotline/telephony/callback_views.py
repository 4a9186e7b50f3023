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

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import callbacks, clock, contacts
from hotline.extensions import db
from hotline.models import CallbackAttempt
from hotline.telephony import bp, done, twiml
from hotline.telephony.args import arg_int, form, form_int, form_sid_or_none
from hotline.telephony.bridge import load_bridge, not_allowed_now
from hotline.telephony.context import call_voice
from hotline.telephony.errors import OnError, on_error
from hotline.voice import render_callback
from hotline.voice.render import voice_url

LEGS = ("staff", "caller")


@bp.post("/callback/staff")
@on_error(OnError.HANG_UP)
def callback_staff() -> Response:
    """The staff member picked up: say who is to be called, wait for 1."""
    bridge = load_bridge(db.session, arg_int("attempt"))
    if bridge is None or not bridge.still_wanted:
        voice = bridge.voice if bridge else call_voice(db.session)
        return twiml(render_callback.say_and_hang_up(voice, "callback_cancelled"))
    theme, person = bridge.who_is_called()
    return twiml(render_callback.staff_intro(bridge.voice, bridge.attempt.id, theme, person))


@bp.post("/callback/staff-answer")
@on_error(OnError.HANG_UP)
def callback_staff_answer() -> Response:
    """1: dial the caller, if the structure allows calling people now. Anything else: nobody."""
    bridge = load_bridge(db.session, arg_int("attempt"))
    if bridge is None or not bridge.still_wanted:
        voice = bridge.voice if bridge else call_voice(db.session)
        return twiml(render_callback.say_and_hang_up(voice, "callback_cancelled"))
    voice = bridge.voice
    if form("Digits") != "1":
        return twiml(render_callback.say_and_hang_up(voice, "callback_not_started"))
    refusal = not_allowed_now(
        db.session, bridge.structure, voice, "callback", bridge.callback.person
    )
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
@on_error(OnError.HANG_UP)
def callback_dial_done() -> Response:
    """The caller's leg ended: tell the staff member, and note it on the attempt."""
    status = request.form.get("DialCallStatus", "")
    status = "completed" if status == "answered" else status
    bridge = load_bridge(db.session, arg_int("attempt"))
    if bridge is None:
        return twiml(render_callback.say_and_hang_up(call_voice(db.session), "goodbye"))
    sid = form_sid_or_none("DialCallSid")
    if status:
        callbacks.note_attempt_leg(
            db.session,
            attempt_id=bridge.attempt.id,
            leg="caller",
            call_sid=sid,
            status=status,
            now=clock.now(),
        )
    if status == "completed":  # the person answered: the link was kept
        contacts.record_callback_contact(
            db.session, bridge.attempt.id, duration_s=form_int("DialCallDuration"), now=clock.now()
        )
    key = "callback_call_ended" if status == "completed" else "callback_caller_no_answer"
    return done(render_callback.say_and_hang_up(bridge.voice, key))


@bp.post("/callback/status")
@on_error(OnError.REPORT)
def callback_status() -> Response:
    """A leg's status callback: note it on the attempt (repeats and late arrivals are no-ops)."""
    leg, attempt_id = request.args.get("leg", ""), arg_int("attempt")
    status = request.form.get("CallStatus", "")
    if leg not in LEGS or not status or db.session.get(CallbackAttempt, attempt_id) is None:
        return Response(status=204)
    call_sid = form_sid_or_none("CallSid")
    callbacks.note_attempt_leg(
        db.session,
        attempt_id=attempt_id,
        leg=leg,
        call_sid=call_sid,
        status=status,
        now=clock.now(),
    )
    if leg == "caller" and status == "completed":
        contacts.record_callback_contact(
            db.session, attempt_id, duration_s=form_int("CallDuration"), now=clock.now()
        )
    db.session.commit()
    return Response(status=204)
