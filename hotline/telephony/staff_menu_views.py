"""Webhooks of the staff phone menu (see `hotline.telephony.staff_menu` for what it offers).

On the `voice` blueprint, behind its signature check. Every route but the PIN one needs the
signed token `auth` bound to this CallSid; without it the caller hears goodbye.
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import accounts, callbacks, clock
from hotline.directory import StructureInfo, directory
from hotline.extensions import db
from hotline.models import CallbackAttempt, CallbackOutcome, Staff
from hotline.telephony import staff_menu
from hotline.telephony.bridge import hotline_number, not_allowed_now, staff_voice, who_is_called
from hotline.telephony.callback_views import hang_up_on_error
from hotline.telephony.params import whole_number
from hotline.telephony.views import bp, twiml
from hotline.voice import render_callback
from hotline.voice.render import Voice, voice_url
from workers import jobs


def _structure() -> StructureInfo:
    found = directory().by_number(db.session, request.form.get("To", ""))
    if found is None:
        raise LookupError("number not attributed")
    return found


def _int_arg(name: str) -> int:
    return whole_number(request.args.get(name))


def _authenticated() -> tuple[StructureInfo, Voice, Staff, str] | None:
    token = request.args.get("auth", "")
    staff = staff_menu.staff_for_token(db.session, token, request.form.get("CallSid", ""))
    structure = _structure()
    if staff is None or staff.structure_id != structure.id:
        return None
    return structure, staff_voice(structure), staff, token


def _goodbye(key: str = "goodbye") -> Response:
    return twiml(render_callback.say_and_hang_up(staff_voice(_structure()), key))


def _done(xml: str) -> Response:
    db.session.commit()
    return twiml(xml)


@bp.post("/staff/pin")
@hang_up_on_error
def staff_pin() -> Response:
    """Check the PIN; a wrong one is asked again, the third (or a throttled phone) hangs up."""
    structure, tries = _structure(), max(1, _int_arg("try"))
    voice, phone = staff_voice(structure), request.form.get("From", "")
    pin = request.form.get("Digits", "").strip()
    try:  # silence uses one of the three tries, but is no guess for the throttle
        staff = (
            accounts.verify_staff_pin(db.session, structure.id, phone, pin, phone) if pin else None
        )
    except accounts.TooManyAttempts:
        return _done(render_callback.say_and_hang_up(voice, "staff_pin_refused"))
    if staff is not None:
        token = staff_menu.issue_token(staff.id, request.form.get("CallSid", ""))
        return _done(staff_menu.menu(voice, token))
    if tries >= staff_menu.MAX_PIN_TRIES:
        return _done(render_callback.say_and_hang_up(voice, "staff_pin_refused"))
    response = VoiceResponse()
    voice.speak(response, "staff_pin_wrong")
    staff_row = db.session.get(Staff, staff_menu.staff_id_for_phone(structure, phone) or 0)
    name = staff_menu.first_name(staff_row.name) if staff_row else ""
    action = voice_url("staff/pin", **{"try": tries + 1})
    return _done(render_callback.ask_pin(voice, response, name, action))


@bp.post("/staff/menu")
@hang_up_on_error
def staff_menu_choice() -> Response:
    found = _authenticated()
    if found is None:
        return _goodbye()
    structure, voice, staff, token = found
    digits, silent = request.form.get("Digits", "").strip(), _int_arg("silent")
    now = clock.now()
    response = VoiceResponse()
    if digits == staff_menu.COUNTS:
        counts = staff_menu.waiting_counts(db.session, structure, voice, now)
        render_callback.speak_counts(voice, response, counts)
    elif digits == staff_menu.TAKE_NEXT:
        return _take_next(structure, voice, staff, token)
    elif digits == staff_menu.DUTY:
        off = staff_menu.toggle_duty_today(db.session, structure, staff, now)
        db.session.commit()
        directory().invalidate()
        voice.speak(response, "staff_duty_off" if off else "staff_duty_on")
    elif digits == staff_menu.CALLER_MENU:
        response.redirect(voice_url("incoming", caller=1), method="POST")
        return twiml(str(response))
    elif not digits and silent >= staff_menu.MAX_SILENT_MENUS:
        return _goodbye()
    elif not digits:
        voice.speak(response, "menu_no_input")
    elif digits != staff_menu.REPEAT:
        voice.speak(response, "menu_invalid")
    return _done(staff_menu.menu(voice, token, response, silent if not digits else 0))


def _take_next(structure: StructureInfo, voice: Voice, staff: Staff, token: str) -> Response:
    """Claim the next callback and dial the person from this leg, within allowed hours."""
    response, session, now = VoiceResponse(), db.session, clock.now()
    refusal = not_allowed_now(session, structure, voice, "staff")
    try:
        started = (
            None if refusal else staff_menu.start_next_callback(session, structure, staff, now)
        )
    except callbacks.OutsideOutboundHours:
        refusal = ("staff_not_allowed_unknown", {})
    if refusal is not None or started is None:
        key, params = refusal or ("staff_queue_empty", {})
        voice.speak(response, key, **params)
        return _done(staff_menu.menu(voice, token, response))
    callback, attempt = started
    theme, person = who_is_called(voice, callback)
    voice.speak(response, "staff_next_callback", theme=theme, person=person)
    action = voice_url("staff/after-call", auth=token, attempt=attempt.id)
    number = hotline_number(callback, structure)
    xml = render_callback.bridge(voice, response, attempt.id, callback.phone_e164, number, action)
    return _done(xml)


@bp.post("/staff/after-call")
@hang_up_on_error
def staff_after_call() -> Response:
    """The person hung up or never answered: ask how it went, or note 'no answer' at once."""
    found = _authenticated()
    attempt = db.session.get(CallbackAttempt, _int_arg("attempt"))
    if found is None or attempt is None:
        return _goodbye()
    structure, voice, staff, token = found
    status = request.form.get("DialCallStatus", "")
    status = "completed" if status == "answered" else status
    now, sid = clock.now(), request.form.get("DialCallSid") or None
    callbacks.note_attempt_leg(db.session, attempt.id, "caller", sid, status or "failed", now)
    callbacks.note_attempt_leg(db.session, attempt.id, "staff", None, "completed", now)
    if status == "completed":
        action = voice_url("staff/outcome", auth=token, attempt=attempt.id, attempt_try=1)
        return _done(render_callback.ask_outcome(voice, VoiceResponse(), action))
    response = VoiceResponse()
    _record(attempt, staff, CallbackOutcome.NO_ANSWER)
    voice.speak(response, "staff_no_answer_noted")
    return _done(staff_menu.menu(voice, token, response))


@bp.post("/staff/outcome")
@hang_up_on_error
def staff_outcome() -> Response:
    found = _authenticated()
    attempt = db.session.get(CallbackAttempt, _int_arg("attempt"))
    if found is None or attempt is None:
        return _goodbye()
    structure, voice, staff, token = found
    outcome = staff_menu.OUTCOMES.get(request.form.get("Digits", "").strip())
    response = VoiceResponse()
    if outcome is not None:
        _record(attempt, staff, outcome)
        voice.speak(response, "staff_outcome_saved")
        return _done(staff_menu.menu(voice, token, response))
    tries = max(1, _int_arg("attempt_try"))
    if tries >= staff_menu.MAX_SILENT_MENUS:  # left for the dashboard's outcome form
        return _done(staff_menu.menu(voice, token, response))
    voice.speak(response, "menu_invalid")
    action = voice_url("staff/outcome", auth=token, attempt=attempt.id, attempt_try=tries + 1)
    return _done(render_callback.ask_outcome(voice, response, action))


def _record(attempt: CallbackAttempt, staff: Staff, outcome: CallbackOutcome) -> None:
    """Record the outcome; the last-attempt SMS is queued once this request commits.

    If the dashboard already recorded one (or the claim moved on), the phone keeps what is
    there: the staff member still hears "c'est noté" rather than a technical error.
    """
    try:
        result = callbacks.record_outcome(
            db.session, attempt.callback_id, staff, outcome, "", "", clock.now()
        )
    except callbacks.CallbackError:  # refused before changing anything
        return
    if result.sms_needed:
        jobs.enqueue_after_commit(db.session, jobs.enqueue_last_attempt_sms, attempt.callback_id)
