"""Webhooks of a call to the hotline: parse the form, call the flow, answer TwiML.

`/voice/incoming` is a call's first webhook: it writes the call's row, then hands a staff
member's registered phone to the staff menu and everyone else to the callers' greeting.
Every later hop loads that row (see `context`).
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import callbacks, calls, clock, contacts, groupcalls, tasks
from hotline.calls import ringing
from hotline.directory import StructureInfo
from hotline.extensions import db
from hotline.models import Call
from hotline.telephony import bp, done, flow, staff_menu, staff_menu_views, twiml
from hotline.telephony.args import (
    arg_count,
    form,
    form_int,
    form_int_or_none,
    form_sid_or_none,
)
from hotline.telephony.context import (
    default_voice,
    load_call,
    start_call,
    structure_by_number,
    voice_for,
)
from hotline.telephony.errors import OnError, on_error
from hotline.voice import render, render_group


def _context(lang: str | None = None, *, with_busy: bool = False) -> flow.CallContext:
    """The call's context; `with_busy`: read the busy staff with the call (it may ring)."""
    now = clock.now()
    found = load_call(db.session, now, with_busy)
    if found is None:
        raise LookupError("number not attributed")
    call, structure, busy = found
    ctx = _context_of(call, structure, lang, now)
    ctx.busy = busy
    return ctx


def _context_of(
    call: Call, structure: StructureInfo, lang: str | None, now: datetime
) -> flow.CallContext:
    voice = voice_for(structure, lang or call.language)
    return flow.CallContext(db.session, structure, voice, call, call.to_e164, now)


@bp.post("/incoming")
@on_error(OnError.OFFER_VOICEMAIL)
def incoming() -> Response:
    """The number's Voice URL: attribute the call by the number called, then answer it.

    It writes one row in one statement (the call's), which a later hop writes again if it
    were lost: one round trip to the database, in autocommit on PostgreSQL (`calls.driver`).
    """
    structure = structure_by_number(db.session)
    if structure is None:
        return twiml(render.unknown_number(default_voice()))
    now = clock.now()
    call = start_call(db.session, structure, now)
    offered = groupcalls.session_offered_to(db.session, structure.id, call.from_e164, now)
    if offered is not None:  # a group call they are invited to is going on: offer it first
        voice = voice_for(structure, None)
        return done(render_group.offer(voice, offered.id, offered.series.title))
    return answer_known_call(structure, call, now)


def answer_known_call(structure: StructureInfo, call: Call, now: datetime) -> Response:
    """The staff menu for a staff member's registered phone, the welcome for anyone else."""
    staff = staff_menu.staff_with_pin(db.session, structure, call.from_e164)
    if staff is not None:
        return staff_menu_views.answer_staff_phone(structure, staff)
    return done(flow.greet(_context_of(call, structure, None, now)))


def back_to_menu(
    structure: StructureInfo, call: Call, node: str, key: str, now: datetime
) -> Response:
    """Say `key`, then the menu `node` again (the group branch gave up or was refused)."""
    ctx = _context_of(call, structure, None, now)
    response = VoiceResponse()
    ctx.voice.speak(response, key)
    script = ctx.voice.script
    return done(flow.walk(ctx, response, node if node in script.nodes else script.start))


@bp.post("/callers")
@on_error(OnError.OFFER_VOICEMAIL)
def callers_greeting() -> Response:
    """The callers' greeting, for a staff member who asked for it from the staff menu."""
    return done(flow.greet(_context()))


@bp.post("/menu")
@on_error(OnError.OFFER_VOICEMAIL)
def menu() -> Response:
    """A key pressed at a menu. A theme chosen is the hot path: the call and the staff on the
    phone in one read, the route and its history line in one write (`calls.driver`)."""
    silent = request.args.get("silent") == "1"
    digits, speech = form("Digits"), form("SpeechResult")
    ctx = _context(request.args.get("lang"), with_busy=not silent and bool(digits or speech))
    node = request.args.get("node", ctx.voice.script.start)
    xml = flow.answer_menu(ctx, node, arg_count("attempt"), digits, speech, silent=silent)
    db.session.commit()
    return done(flow.ring_staff_after_commit(ctx, xml))


@bp.post("/recorded")
@on_error(OnError.ASK_CONSENT)
def recorded() -> Response:
    ctx = _context(request.args.get("lang"))
    return done(
        flow.message_recorded(
            ctx, request.form.get("RecordingUrl", ""), form_int("RecordingDuration")
        )
    )


@bp.post("/no-message")
@on_error(OnError.HANG_UP)
def no_message() -> Response:
    return done(flow.no_message(_context(request.args.get("lang"))))


@bp.post("/consent")
@on_error(OnError.KEEP_CONSENT)
def consent() -> Response:
    ctx = _context(request.args.get("lang"))
    xml = flow.answer_consent(
        ctx,
        arg_count("attempt"),
        form("Digits"),
        silent=request.args.get("silent") == "1",
        recording_url=request.args.get("recording", ""),
    )
    return done(xml)


@bp.post("/recording-status")
@on_error(OnError.REPORT)
def recording_status() -> Response:
    call = calls.find_call_or_none(db.session, request.form.get("CallSid", ""))
    if call is not None:
        calls.apply_recording_status(
            db.session,
            call,
            form_sid_or_none("RecordingSid"),
            request.form.get("RecordingStatus", ""),
            request.form.get("RecordingUrl", ""),
            form_int("RecordingDuration"),
            clock.now(),
        )
        db.session.commit()
    return Response(status=204)


@bp.post("/status")
@on_error(OnError.REPORT)
def status() -> Response:
    call = calls.apply_status(
        db.session,
        request.form.get("CallSid", ""),
        request.form.get("CallStatus", ""),
        form_int_or_none("SequenceNumber"),
        form_int("CallDuration"),
        clock.now(),
    )
    if call is not None:  # a missed call becomes a callback when the structure opted in
        callbacks.queue_for_missed_call(db.session, call, clock.now())
        contacts.record_inbound_contact(db.session, call)  # answered and ended: one contact
        if call.status in calls.FINAL_STATUSES and ringing.legs_to_cancel(db.session, call):
            # The caller left while staff phones rang for them: stop them ringing.
            tasks.enqueue_after_commit(db.session, tasks.CANCEL_RING_LEGS, call.id)
    db.session.commit()
    return Response(status=204)
