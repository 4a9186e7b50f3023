"""Twilio voice webhooks: parse the form, call the flow, answer TwiML.

Every route is signed (see `signature`), and every failure still answers
valid TwiML: an apology and, where it makes sense, the voicemail.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline import callbacks, calls, clock
from hotline.directory import StructureInfo, directory
from hotline.extensions import db
from hotline.telephony import flow, signature, staff_menu
from hotline.telephony.failures import log_webhook_failure
from hotline.telephony.params import whole_number, whole_number_or_none
from hotline.voice import render
from hotline.voice.render import Voice
from hotline.voice.scripts_cache import script_named

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")

# Endpoints after which a technical error must not offer the voicemail again.
NO_VOICEMAIL_ON_ERROR = {"voice.recorded", "voice.no_message", "voice.consent"}


def twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


@bp.before_request
def verify_signature() -> None:
    config = current_app.config
    if not config["VERIFY_SIGNATURES"]:
        return
    if not signature.request_is_signed(
        request, config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"]
    ):
        log.warning("rejected an unsigned or forged request to %s", request.path)
        abort(403)


def _structure() -> StructureInfo | None:
    """The structure called: `To` on the caller's leg, our caller ID on a staff leg."""
    number = request.form.get("From" if _is_staff_leg() else "To", "")
    return directory().by_number(db.session, number)


def _is_staff_leg() -> bool:
    return request.form.get("Direction", "") == "outbound-dial"


def _voice(structure: StructureInfo, lang: str | None = None) -> Voice:
    script = script_named(structure.script)
    chosen = lang if lang in structure.languages else structure.default_language
    return Voice(script, chosen, structure, current_app.config["PUBLIC_BASE_URL"])


def _context(lang: str | None = None) -> flow.CallContext:
    structure = _structure()
    if structure is None:
        raise LookupError("number not attributed")
    now = clock.now()
    call_sid = request.form.get("ParentCallSid") if _is_staff_leg() else None
    call = calls.record_inbound_call(
        db.session,
        call_sid or request.form["CallSid"],
        structure.id,
        request.form.get("From", ""),
        request.form.get("To", ""),
        now,
    )
    voice = _voice(structure, lang or call.language)
    called = request.form.get("To", "") if not _is_staff_leg() else request.form.get("From", "")
    return flow.CallContext(db.session, structure, voice, call, called, now)


def _done(xml: str) -> Response:
    db.session.commit()
    return twiml(xml)


def _int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        return default


@bp.post("/incoming")
def incoming() -> Response:
    structure = _structure()
    if structure is None:
        voice = Voice(script_named("default"), "fr")
        return twiml(render.unknown_number(voice))
    if request.args.get("caller") != "1":  # set when a staff member asks for the callers' menu
        staff_greeting = staff_menu.greet(db.session, structure, request.form.get("From", ""))
        if staff_greeting is not None:
            return twiml(staff_greeting)
    return _done(flow.greet(_context()))


@bp.post("/menu")
def menu() -> Response:
    ctx = _context(request.args.get("lang"))
    xml = flow.answer_menu(
        ctx,
        request.args.get("node", ctx.voice.script.start),
        _int_arg("attempt"),
        request.form.get("Digits", "").strip(),
        request.form.get("SpeechResult", "").strip(),
        silent=request.args.get("silent") == "1",
    )
    return _done(xml)


@bp.post("/whisper")
def whisper() -> Response:
    ctx = _context(None)
    voice = ctx.voice.in_language(ctx.structure.default_language)
    theme = ctx.structure.theme_by_key(request.args.get("theme"))
    return _done(render.whisper(voice, _int_arg("staff", 0), theme))


@bp.post("/whisper-answer")
def whisper_answer() -> Response:
    ctx = _context(None)
    voice = ctx.voice.in_language(ctx.structure.default_language)
    staff_id = _int_arg("staff", 0)
    if request.form.get("Digits", "") != "1" or staff_id not in ctx.structure.staff_phones:
        return _done(render.whisper_refused(voice))
    if not calls.connect_staff(db.session, ctx.call.call_sid, staff_id, ctx.now):
        return _done(render.whisper_refused(voice))  # someone else took it first
    return _done(render.whisper_accepted(voice))


@bp.post("/dial-done")
def dial_done() -> Response:
    ctx = _context(request.args.get("lang"))
    theme = ctx.structure.theme_by_key(request.args.get("theme"))
    return _done(flow.dial_finished(ctx, theme, request.form.get("DialCallStatus", "")))


@bp.post("/recorded")
def recorded() -> Response:
    ctx = _context(request.args.get("lang"))
    return _done(
        flow.message_recorded(
            ctx,
            request.form.get("RecordingSid", ""),
            request.form.get("RecordingUrl", ""),
            _form_int("RecordingDuration"),
        )
    )


@bp.post("/no-message")
def no_message() -> Response:
    return _done(flow.no_message(_context(request.args.get("lang"))))


@bp.post("/consent")
def consent() -> Response:
    ctx = _context(request.args.get("lang"))
    xml = flow.answer_consent(
        ctx,
        _int_arg("attempt"),
        request.form.get("Digits", "").strip(),
        silent=request.args.get("silent") == "1",
    )
    return _done(xml)


@bp.post("/recording-status")
def recording_status() -> Response:
    call = calls.find_call_or_none(db.session, request.form.get("CallSid", ""))
    if call is not None:
        calls.apply_recording_status(
            db.session,
            call,
            request.form.get("RecordingSid", ""),
            request.form.get("RecordingStatus", ""),
            request.form.get("RecordingUrl", ""),
            _form_int("RecordingDuration"),
            clock.now(),
        )
        db.session.commit()
    return Response(status=204)


@bp.post("/status")
def status() -> Response:
    call = calls.apply_status(
        db.session,
        request.form.get("CallSid", ""),
        request.form.get("CallStatus", ""),
        whole_number_or_none(request.form.get("SequenceNumber")),
        _form_int("CallDuration"),
        clock.now(),
    )
    if call is not None:  # a missed call becomes a callback when the structure opted in
        callbacks.queue_for_missed_call(db.session, call, clock.now())
    db.session.commit()
    return Response(status=204)


def _form_int(name: str) -> int:
    return whole_number(request.form.get(name))


@bp.errorhandler(Exception)
def apologise(error: Exception) -> Any:
    """Whatever failed, the caller hears an apology, never Twilio's error message."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    db.session.rollback()
    log_webhook_failure(error)
    if request.endpoint in ("voice.status", "voice.recording_status"):
        return Response(status=500)
    return twiml(_apology_twiml())


def _apology_twiml() -> str:
    try:
        structure = _structure()
    except Exception:  # the database itself may be what failed
        db.session.rollback()
        structure = None
    voice = (
        _voice(structure, request.args.get("lang"))
        if structure is not None
        else Voice(script_named("default"), "fr")
    )
    if _is_staff_leg() or request.endpoint in NO_VOICEMAIL_ON_ERROR:
        return render.hang_up(voice, VoiceResponse(), "technical_error_end")
    response = VoiceResponse()
    voice.speak(response, "technical_error")
    return render.record_message(voice, response)
