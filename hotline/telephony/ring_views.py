"""Webhooks of ringing staff for a caller who waits in a room (see `hotline.calls.ringing`).

The caller's side: the room's waiting tone, the `<Dial>` action when they leave the room,
and the voicemail they are sent to when nobody came. The staff side: each leg placed by the
`ring_staff` job answers on `/voice/ring/staff` (the press-1 screen), presses on
`/voice/ring/answer` and reports its status on `/voice/ring/leg-status`. A staff leg names
its caller's call in its URL (`call=`), which the signature covers.
"""

from __future__ import annotations

from flask import Response, current_app, request

from hotline import calls, clock, tasks
from hotline.calls import ringing
from hotline.directory import StructureInfo
from hotline.extensions import db
from hotline.models import Call
from hotline.telephony import bp, done, flow, twiml
from hotline.telephony.args import arg_int, form
from hotline.telephony.context import call_structure, voice_for
from hotline.telephony.errors import OnError, on_error
from hotline.telephony.views import _context
from hotline.voice import render, render_ring
from hotline.voice.render import Voice
from hotline.voice.scripts_cache import all_scripts, script_named


@bp.post("/ring/wait")
@on_error(OnError.WAIT)
def ring_wait() -> Response:
    """The room's waitUrl: no database, so it answers in a blink and cannot fail on one."""
    script = all_scripts().get(request.args.get("script", "")) or script_named("default")
    lang = request.args.get("lang", "")
    voice = Voice(
        script,
        lang if lang in script.languages else script.default_language,
        None,
        current_app.config["PUBLIC_BASE_URL"],
    )
    return twiml(render_ring.wait_music(voice))


def _caller_call() -> tuple[Call, StructureInfo] | None:
    """The caller's call a staff leg is about, named in the leg's signed URL.

    The leg must be one we placed for it: its own CallSid, and the number that caller
    called as the number shown (None otherwise: nothing is written for it).
    """
    call = calls.find_call_or_none(db.session, request.args.get("call", ""))
    if call is None or not form("CallSid") or request.form.get("From") != call.to_e164:
        return None
    structure = call_structure(db.session, call)
    return (call, structure) if structure is not None else None


def _staff_voice(structure: StructureInfo) -> Voice:
    return voice_for(structure, None)  # staff hear the structure's default language


@bp.post("/ring/staff")
@on_error(OnError.HANG_UP)
def ring_staff_answered() -> Response:
    """A staff phone picked up (a person or their voicemail): the press-1 screen."""
    found = _caller_call()
    if found is None:
        raise LookupError("staff leg for an unknown call")
    call, structure = found
    voice = _staff_voice(structure)
    if not ringing.is_waiting(db.session, call):
        return twiml(render_ring.too_late(voice, taken=call.answered_at is not None))
    theme = structure.theme_by_key(request.args.get("theme"))
    return twiml(render_ring.screen(voice, call.call_sid, arg_int("staff"), theme))


@bp.post("/ring/answer")
@on_error(OnError.HANG_UP)
def ring_answer() -> Response:
    """A key on the screen: 1 and first takes the call; anyone later hears it was taken."""
    found = _caller_call()
    if found is None:
        raise LookupError("staff leg for an unknown call")
    call, structure = found
    voice = _staff_voice(structure)
    staff_id = arg_int("staff")
    if form("Digits") != "1" or staff_id not in structure.staff_phones:
        return done(render.whisper_refused(voice))
    now = clock.now()
    if not ringing.is_waiting(db.session, call) and call.staff_id != staff_id:
        return done(render_ring.too_late(voice, taken=call.answered_at is not None))
    if not calls.connect_staff(db.session, call.call_sid, staff_id, now):
        return done(render_ring.too_late(voice, taken=True))
    tasks.enqueue_after_commit(db.session, tasks.CANCEL_RING_LEGS, call.id)
    return done(render_ring.join_caller(voice, ringing.room_name(call)))


@bp.post("/ring/leg-status")
@on_error(OnError.REPORT)
def ring_leg_status() -> Response:
    """A staff leg's progress; its end may leave the caller with nobody: then release them."""
    found = _caller_call()
    if found is not None:
        call = found[0]
        nobody = ringing.note_leg_ended(
            db.session, call, arg_int("staff"), form("CallSid"), form("CallStatus"), clock.now()
        )
        if nobody:
            tasks.enqueue_after_commit(db.session, tasks.RELEASE_CALLER, call.id)
        db.session.commit()
    return Response(status=204)


@bp.post("/ring/done")
@on_error(OnError.OFFER_VOICEMAIL)
def ring_done() -> Response:
    """The caller left the room: after talking, goodbye; otherwise the voicemail."""
    ctx = _context(request.args.get("lang"))
    if ctx.call.answered_at is None:  # the room failed: nobody may join it any more
        ringing.mark_released(ctx.session, ctx.call, ctx.now)
        tasks.enqueue_after_commit(ctx.session, tasks.CANCEL_RING_LEGS, ctx.call.id)
    theme = ctx.structure.theme_by_key(request.args.get("theme"))
    return done(flow.dial_finished(ctx, theme, form("DialCallStatus")))


@bp.post("/ring/nobody")
@on_error(OnError.OFFER_VOICEMAIL)
def ring_nobody() -> Response:
    """Where `release_caller` sends a caller nobody came for: 'nobody is free', the message."""
    ctx = _context(request.args.get("lang"))
    ringing.mark_released(ctx.session, ctx.call, ctx.now)
    theme = ctx.structure.theme_by_key(request.args.get("theme"))
    return done(flow.dial_finished(ctx, theme, "no-answer"))
