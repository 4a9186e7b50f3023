"""Webhooks of group calls: the dialled participant's screen, the room, `*`, dial-in.

A job places each participant's call with /voice/group/screen as its URL; pressing 1 answers
`<Dial><Conference>`; `*` (hangupOnStar) comes back to /voice/group/after-room and the
keypad menu; the conference's callbacks go to /voice/group/conference. Callers of the hotline
reach /voice/group/offer-answer (offered a session in progress) and /voice/group/pin (the
main menu's group branch). Nothing here calls the provider: what needs its REST API (mute
everyone, end the room) is enqueued after the commit.
"""

from __future__ import annotations

from flask import Response, request

from hotline import clock, contacts, groupcalls, tasks
from hotline.directory import directory
from hotline.extensions import db
from hotline.groupcalls.phone import LegContext
from hotline.telephony import bp, done, twiml
from hotline.telephony.args import arg_count, arg_int, form
from hotline.telephony.context import call_voice, load_call, voice_for
from hotline.telephony.errors import OnError, on_error
from hotline.telephony.views import answer_known_call, back_to_menu
from hotline.voice import render_group
from hotline.voice.render import Voice

JOBS = {"mute_all": tasks.MUTE_GROUP, "end": tasks.END_GROUP_ROOM}


def _leg() -> tuple[LegContext | None, Voice]:
    ctx = groupcalls.leg_context(db.session, arg_int("leg"))
    if ctx is None:
        return None, call_voice(db.session)
    structure = directory().by_id(db.session, ctx.session.structure_id)
    voice = voice_for(structure) if structure else call_voice(db.session)
    return ctx, voice


def room_spec(ctx: LegContext) -> render_group.Room:
    series = ctx.series
    return render_group.Room(
        session_id=ctx.session.id,
        leg_id=ctx.leg.id,
        conference_name=ctx.session.conference_name,
        label=ctx.participant.label,
        host=ctx.host,
        muted=ctx.participant.muted,
        beep=series.announce_joins,
        end_on_exit=False,  # see groupcalls.end_if_host_left: `*` must not end the room
        has_host=groupcalls.has_host(ctx.session),
        max_participants=series.max_participants,
        recording=ctx.recorded,
    )


def enter_room(voice: Voice, ctx: LegContext, before: tuple[str, ...], refused: int = 0) -> str:
    """Into the room, or first the recording notice when the session is recorded."""
    if groupcalls.must_hear_notice(ctx):
        session = ctx.session
        return render_group.recording_notice(
            voice, ctx.leg.id, session.recording_purpose, session.recording_days
        )
    return render_group.room(voice, room_spec(ctx), before, refused)


@bp.post("/group/screen")
@on_error(OnError.HANG_UP)
def group_screen() -> Response:
    """A dialled participant answered: what the call is; 1 joins, 9 stops the calls."""
    ctx, voice = _leg()
    if ctx is None or not ctx.running:
        return twiml(render_group.say_and_hang_up(voice, "group_session_over"))
    return twiml(render_group.screen(voice, ctx.leg.id, ctx.series.title))


@bp.post("/group/screen-answer")
@on_error(OnError.HANG_UP)
def group_screen_answer() -> Response:
    ctx, voice = _leg()
    if ctx is None:
        return twiml(render_group.say_and_hang_up(voice, "group_session_over"))
    answer = groupcalls.answer_screen(db.session, ctx, form("Digits"), clock.now())
    if answer == "join":
        refused = groupcalls.refused_count(ctx.session) if ctx.host else 0
        return done(enter_room(voice, ctx, ("group_joining",), refused))
    key = {"opt_out": "group_opted_out", "over": "group_session_over"}.get(
        answer, "group_screen_no_key"
    )
    return done(render_group.say_and_hang_up(voice, key))


@bp.post("/group/leg-status")
@on_error(OnError.REPORT)
def group_leg_status() -> Response:
    status, now = form("CallStatus"), clock.now()
    if status:
        leg = groupcalls.note_leg_status(db.session, arg_int("leg"), form("CallSid"), status, now)
        if leg is not None and groupcalls.end_if_host_left(db.session, leg, now):
            tasks.enqueue_after_commit(db.session, tasks.END_GROUP_ROOM, leg.session_id)
        db.session.commit()
    return Response(status=204)


@bp.post("/group/wait")
@on_error(OnError.REPORT)
def group_wait() -> Response:
    """The room's waitUrl: the hold message until the host arrives (Say/Pause/Redirect)."""
    session = db.session.get(groupcalls.GroupSession, arg_int("session"))
    structure = directory().by_id(db.session, session.structure_id) if session else None
    if session is None or structure is None:
        return Response(status=404)
    voice = voice_for(structure)
    host = request.args.get("host") == "1"
    return twiml(render_group.wait_music(voice, session.id, session.series.hold_message, host))


@bp.post("/group/announce")
@on_error(OnError.REPORT)
def group_announce() -> Response:
    """The announcement played to the host when the account refused some calls."""
    session = db.session.get(groupcalls.GroupSession, arg_int("session"))
    structure = directory().by_id(db.session, session.structure_id) if session else None
    if session is None or structure is None:
        return Response(status=404)
    refused = groupcalls.refused_count(session)
    xml = render_group.announcement(voice_for(structure), "group_account_limit", count=refused)
    return twiml(xml)


@bp.post("/group/conference")
@on_error(OnError.REPORT)
def group_conference() -> Response:
    """A conference status callback: attendance, mute state, the room's end (idempotent).

    Who has left for good becomes a contact in their record (one per attendance).
    """
    session_id = arg_int("session")
    if groupcalls.record_conference_event(
        db.session, session_id, request.form.to_dict(), clock.now()
    ):
        attendances = groupcalls.finished_attendances(db.session, session_id)
        contacts.record_group_call_attendances(db.session, attendances)
    db.session.commit()
    return Response(status=204)


@bp.post("/group/after-room")
@on_error(OnError.HANG_UP)
def group_after_room() -> Response:
    """The room's Dial ended: `*` was pressed (the menu), or the room is over."""
    ctx, voice = _leg()
    if ctx is None:
        return twiml(render_group.say_and_hang_up(voice, "group_session_over"))
    after = groupcalls.after_room(db.session, ctx)
    if after == "menu":
        return twiml(render_group.keypad_menu(voice, ctx.leg.id, ctx.host, (), ctx.may_object))
    key = "group_left" if after == "removed" else "group_session_over"
    return twiml(render_group.say_and_hang_up(voice, key))


@bp.post("/group/keypad")
@on_error(OnError.HANG_UP)
def group_keypad() -> Response:
    ctx, voice = _leg()
    if ctx is None:
        return twiml(render_group.say_and_hang_up(voice, "group_session_over"))
    digit = "" if request.args.get("silent") == "1" else form("Digits")[:1]
    result = groupcalls.keypad(db.session, ctx, digit, clock.now())
    if result.job is not None:
        tasks.enqueue_after_commit(db.session, JOBS[result.job], ctx.session.id)
    if result.then == "room":
        return done(enter_room(voice, ctx, tuple(k for k, _ in result.said)))
    if result.then == "menu":
        menu = render_group.keypad_menu(voice, ctx.leg.id, ctx.host, result.said, ctx.may_object)
        return done(menu)
    (key, params), *_ = result.said or (("goodbye", {}),)
    return done(render_group.say_and_hang_up(voice, key, **params))


def _join_answer(voice: Voice, joined: groupcalls.JoinResult) -> str | None:
    """The room for a caller who joined, or a refusal; None when the caller goes on."""
    if joined.outcome == "joined" and joined.leg_id is not None:
        ctx = groupcalls.leg_context(db.session, joined.leg_id)
        if ctx is not None:
            return enter_room(voice, ctx, ("group_joining",))
    return None


@bp.post("/group/offer-answer")
@on_error(OnError.OFFER_VOICEMAIL)
def group_offer_answer() -> Response:
    """1: into the session offered; anything else: the usual welcome (or the staff menu)."""
    now = clock.now()
    found = load_call(db.session, now)
    if found is None:
        raise LookupError("number not attributed")
    call, structure, _busy = found
    voice = voice_for(structure, call.language)
    if form("Digits") == "1":
        joined = groupcalls.join_offered(
            db.session,
            structure.id,
            session_id=arg_int("session"),
            call_sid=call.call_sid,
            phone=call.from_e164,
            now=now,
        )
        answer = _join_answer(voice, joined)
        if answer is not None:
            return done(answer)
        if joined.outcome == "locked":
            return done(render_group.say_and_hang_up(voice, "group_locked"))
    return answer_known_call(structure, call, now)


@bp.post("/group/pin")
@on_error(OnError.OFFER_VOICEMAIL)
def group_pin() -> Response:
    """The PIN typed from the main menu's group branch; three wrong ones: back to the menu."""
    now = clock.now()
    found = load_call(db.session, now)
    if found is None:
        raise LookupError("number not attributed")
    call, structure, _busy = found
    voice = voice_for(structure, call.language)
    attempt, node = arg_count("attempt"), request.args.get("node", "")
    joined = groupcalls.join_by_pin(
        db.session,
        structure.id,
        call_sid=call.call_sid,
        phone=call.from_e164,
        pin=form("Digits"),
        attempt=attempt,
        now=now,
    )
    answer = _join_answer(voice, joined)
    if answer is not None:
        return done(answer)
    if joined.outcome == "wrong_pin":
        return done(render_group.ask_pin(voice, attempt + 1, node, ("group_pin_wrong",)))
    key = "group_locked" if joined.outcome == "locked" else "group_pin_gave_up"
    return back_to_menu(structure, call, node, key, now)


@bp.post("/group/recording-choice")
@on_error(OnError.HANG_UP)
def group_recording_choice() -> Response:
    """The answer to the recording notice: 2 objects (then muted for the session)."""
    ctx, voice = _leg()
    if ctx is None or not ctx.running:
        return twiml(render_group.say_and_hang_up(voice, "group_session_over"))
    digits = "" if request.args.get("silent") == "1" else form("Digits")
    objected = groupcalls.answer_notice(db.session, ctx, digits)
    said = ("group_recording_objected", "group_joining") if objected else ("group_joining",)
    refused = groupcalls.refused_count(ctx.session) if ctx.host else 0
    return done(render_group.room(voice, room_spec(ctx), said, refused))


@bp.post("/group/recording")
@on_error(OnError.REPORT)
def group_recording() -> Response:
    """The conference's recording status callback: one row per recording (idempotent)."""
    groupcalls.save_recording(db.session, arg_int("session"), request.form.to_dict(), clock.now())
    db.session.commit()
    return Response(status=204)
