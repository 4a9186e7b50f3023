"""Webhooks of the staff phone menu (see `hotline.telephony.staff_menu` for what it offers).

Its entry point, `answer_staff_phone`, is called by `/voice/incoming` when the caller is a
staff member's registered phone. On the `voice` blueprint, behind its signature check.
Every route but the PIN one needs the signed token `auth` bound to this CallSid; without
it the caller hears goodbye. The structure is the call's, fixed by its first webhook.
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import accounts, callbacks, calls, clock, contacts, tasks
from hotline.directory import StructureInfo, directory
from hotline.extensions import db
from hotline.models import CallbackAttempt, CallbackOutcome, Staff
from hotline.telephony import bp, done, staff_menu, twiml
from hotline.telephony.args import arg_count, arg_int, form, form_int, form_sid_or_none
from hotline.telephony.bridge import not_allowed_now, who_is_called
from hotline.telephony.context import structure_of_this_call, voice_for
from hotline.telephony.errors import OnError, on_error
from hotline.voice import render_callback
from hotline.voice.render import Voice, voice_url


def answer_staff_phone(structure: StructureInfo, staff: Staff) -> Response:
    """The staff menu's entry point: greet the staff member by name and ask for the PIN."""
    return done(staff_menu.ask_pin(voice_for(structure), staff.name, tries=1))


def _structure() -> StructureInfo:
    found = structure_of_this_call(db.session)
    if found is None:
        raise LookupError("number not attributed")
    return found


def _authenticated() -> tuple[StructureInfo, Voice, Staff, str] | None:
    token = request.args.get("auth", "")
    staff = staff_menu.staff_for_token(db.session, token, request.form.get("CallSid", ""))
    structure = _structure()
    if staff is None or staff.structure_id != structure.id:
        return None
    return structure, voice_for(structure), staff, token


def _goodbye(key: str = "goodbye") -> Response:
    return twiml(render_callback.say_and_hang_up(voice_for(_structure()), key))


@bp.post("/staff/pin")
@on_error(OnError.HANG_UP)
def staff_pin() -> Response:
    """Check the PIN; a wrong one is asked again, the third (or a throttled phone) hangs up."""
    structure, tries = _structure(), arg_count("try")
    voice, phone = voice_for(structure), request.form.get("From", "")
    pin = form("Digits")
    try:  # silence uses one of the three tries, but is no guess for the throttle
        staff = (
            accounts.verify_staff_pin(
                db.session, structure_id=structure.id, phone_e164=phone, pin=pin, remote_key=phone
            )
            if pin
            else None
        )
    except accounts.TooManyAttempts:
        return done(render_callback.say_and_hang_up(voice, "staff_pin_refused"))
    if staff is not None:
        token = staff_menu.issue_token(staff.id, request.form.get("CallSid", ""))
        return done(staff_menu.menu(voice, token))
    if tries >= staff_menu.MAX_PIN_TRIES:
        return done(render_callback.say_and_hang_up(voice, "staff_pin_refused"))
    response = VoiceResponse()
    voice.speak(response, "staff_pin_wrong")
    staff_row = db.session.get(Staff, staff_menu.staff_id_for_phone(structure, phone) or 0)
    name = staff_row.name if staff_row else ""
    return done(staff_menu.ask_pin(voice, name, tries + 1, response))


@bp.post("/staff/menu")
@on_error(OnError.HANG_UP)
def staff_menu_choice() -> Response:
    found = _authenticated()
    if found is None:
        return _goodbye()
    structure, voice, staff, token = found
    digits, silent = form("Digits"), arg_int("silent")
    now = clock.now()
    response = VoiceResponse()
    if digits == staff_menu.COUNTS:
        counts = staff_menu.waiting_counts(db.session, structure, voice, now)
        render_callback.speak_counts(voice, response, counts)
    elif digits == staff_menu.TAKE_NEXT:
        return _take_next(structure, voice, staff, token)
    elif digits == staff_menu.DUTY:
        off = calls.toggle_duty_today(db.session, structure, staff, now)
        db.session.commit()
        directory().invalidate()
        voice.speak(response, "staff_duty_off" if off else "staff_duty_on")
    elif digits == staff_menu.CALLER_MENU:
        response.redirect(voice_url("callers"), method="POST")
        return done(str(response))
    elif not digits and silent >= staff_menu.MAX_SILENT_MENUS:
        return _goodbye()
    elif not digits:
        voice.speak(response, "menu_no_input")
    elif digits != staff_menu.REPEAT:
        voice.speak(response, "menu_invalid")
    return done(staff_menu.menu(voice, token, response, silent if not digits else 0))


def _take_next(structure: StructureInfo, voice: Voice, staff: Staff, token: str) -> Response:
    """Claim the next callback and dial the person from this leg, within allowed hours."""
    response, session, now = VoiceResponse(), db.session, clock.now()
    refusal = not_allowed_now(session, structure, voice, "staff")
    try:
        started = (
            None if refusal else callbacks.start_next_callback(session, structure.id, staff, now)
        )
    except callbacks.OutsideOutboundHours:
        refusal = ("staff_not_allowed_unknown", {})
    if refusal is not None or started is None:
        key, params = refusal or ("staff_queue_empty", {})
        voice.speak(response, key, **params)
        return done(staff_menu.menu(voice, token, response))
    callback, attempt = started
    theme, person = who_is_called(voice, callback)
    voice.speak(response, "staff_next_callback", theme=theme, person=person)
    action = voice_url("staff/after-call", auth=token, attempt=attempt.id)
    number = callbacks.hotline_number(callback, structure)
    xml = render_callback.bridge(voice, response, attempt.id, callback.phone_e164, number, action)
    return done(xml)


@bp.post("/staff/after-call")
@on_error(OnError.HANG_UP)
def staff_after_call() -> Response:
    """The person hung up or never answered: ask how it went, or note 'no answer' at once."""
    found = _authenticated()
    attempt = db.session.get(CallbackAttempt, arg_int("attempt"))
    if found is None or attempt is None:
        return _goodbye()
    structure, voice, staff, token = found
    status = request.form.get("DialCallStatus", "")
    status = "completed" if status == "answered" else status
    now, sid = clock.now(), form_sid_or_none("DialCallSid")
    callbacks.note_attempt_leg(
        db.session,
        attempt_id=attempt.id,
        leg="caller",
        call_sid=sid,
        status=status or "failed",
        now=now,
    )
    callbacks.note_attempt_leg(
        db.session, attempt_id=attempt.id, leg="staff", call_sid=None, status="completed", now=now
    )
    if status == "completed":
        contacts.record_callback_contact(
            db.session, attempt.id, duration_s=form_int("DialCallDuration"), now=now
        )
        action = voice_url("staff/outcome", auth=token, attempt=attempt.id, attempt_try=1)
        return done(render_callback.ask_outcome(voice, VoiceResponse(), action))
    response = VoiceResponse()
    _record(attempt, staff, CallbackOutcome.NO_ANSWER)
    voice.speak(response, "staff_no_answer_noted")
    return done(staff_menu.menu(voice, token, response))


@bp.post("/staff/outcome")
@on_error(OnError.HANG_UP)
def staff_outcome() -> Response:
    found = _authenticated()
    attempt = db.session.get(CallbackAttempt, arg_int("attempt"))
    if found is None or attempt is None:
        return _goodbye()
    structure, voice, staff, token = found
    outcome = staff_menu.OUTCOMES.get(form("Digits"))
    response = VoiceResponse()
    if outcome is not None:
        _record(attempt, staff, outcome)
        voice.speak(response, "staff_outcome_saved")
        return done(staff_menu.menu(voice, token, response))
    tries = arg_count("attempt_try")
    if tries >= staff_menu.MAX_SILENT_MENUS:  # left for the dashboard's outcome form
        return done(staff_menu.menu(voice, token, response))
    voice.speak(response, "menu_invalid")
    action = voice_url("staff/outcome", auth=token, attempt=attempt.id, attempt_try=tries + 1)
    return done(render_callback.ask_outcome(voice, response, action))


def _record(attempt: CallbackAttempt, staff: Staff, outcome: CallbackOutcome) -> None:
    """Record the outcome; the last-attempt SMS is queued once this request commits.

    If the dashboard already recorded one (or the claim moved on), the phone keeps what is
    there: the staff member still hears "c'est noté" rather than a technical error.
    """
    try:
        result = callbacks.record_outcome(
            db.session,
            callback_id=attempt.callback_id,
            staff=staff,
            outcome=outcome,
            now=clock.now(),
        )
    except callbacks.CallbackError:  # refused before changing anything
        return
    if result.sms_needed:
        tasks.enqueue_after_commit(db.session, tasks.SEND_LAST_ATTEMPT_SMS, attempt.callback_id)
