"""The conversation: from greeting to menu, routing, voicemail and consent.

Each function takes the call's context and the caller's input, asks the
domain services (`hotline.calls`, `hotline.callbacks`) what to do, and returns
TwiML built by `hotline.voice.render`. No sentence is written here: they all
come from the structure's voice script.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline import callbacks, calls, tasks
from hotline.calls import driver, ringing
from hotline.calls.ringing import room_name
from hotline.directory import StructureInfo, ThemeInfo
from hotline.models import Call
from hotline.schedules import describe_moment
from hotline.telephony.args import whole_number_or_none
from hotline.voice import render, render_group, render_ring
from hotline.voice.render import Voice
from hotline.voice.script import Node, Option


@dataclass
class CallContext:
    session: Session
    structure: StructureInfo
    voice: Voice
    call: Call
    called_number: str
    now: datetime
    busy: set[int] | None = None  # staff on the phone, when read with the call
    rings: bool = False  # the answer waits in a room for staff: queue `ring_staff` (`route`)

    @property
    def max_attempts(self) -> int:
        return self.voice.script.settings.max_menu_attempts


def greet(ctx: CallContext) -> str:
    """The first answer: greeting, privacy notice, then the first menu.

    The same for every caller of a structure in one language (and whether that language is
    known), so it is rendered once per snapshot of the structure and kept on it; the voice
    script is part of the key by identity (a reloaded script is a new object).
    """
    return _rendered_once(
        ctx,
        ("greet", _language_known(ctx)),
        lambda: walk(ctx, VoiceResponse(), ctx.voice.script.start),
    )


def _rendered_once(ctx: CallContext, what: tuple[object, ...], build: Callable[[], str]) -> str:
    """`build()`'s TwiML, kept on the structure's snapshot under `what` and the voice."""
    voice = ctx.voice
    key = (*what, voice.script.name, voice.lang, voice.audio_base)
    kept = ctx.structure.rendered.get(key)
    if kept is not None and kept[0] is voice.script:
        return kept[1]
    xml = build()
    ctx.structure.rendered[key] = (voice.script, xml)
    return xml


# Stands for the room's name in the kept TwiML of `wait_for_staff`: XML escaping leaves it be.
_ROOM_MARK = "room-of-this-call-0f5c2e"


def _wait_for_staff(ctx: CallContext, response: VoiceResponse, theme: ThemeInfo | None) -> str:
    """`render_ring.wait_for_staff`: the same for every caller of a theme but the room's name,
    so rendered once (when nothing was said before it) and the room put in."""
    room = room_name(ctx.call)
    if response.verbs:
        return render_ring.wait_for_staff(ctx.voice, response, theme, room)
    xml = _rendered_once(
        ctx,
        ("wait_for_staff", theme.key if theme else None),
        lambda: render_ring.wait_for_staff(ctx.voice, VoiceResponse(), theme, _ROOM_MARK),
    )
    return xml.replace(_ROOM_MARK, escape(room))


def walk(
    ctx: CallContext,
    response: VoiceResponse,
    node_id: str,
    attempt: int = 1,
    before: Sequence[render.Spoken] = (),
) -> str:
    """Gather say-nodes in a row into the menu that needs the caller's input.

    They are said inside that menu's <Gather>, so a key press interrupts them. The
    language menu is skipped when there is nothing to ask (see `_language_known`).
    """
    script = ctx.voice.script
    said = list(before)
    seen: set[str] = set()
    while node_id not in seen:
        seen.add(node_id)
        node = script.nodes[node_id]
        if node.kind == "say":
            said += [(key, _say_params(ctx)) for key in node.prompts]
            node_id = _next_of(node)
        elif node.kind == "language_menu" and _language_known(ctx):
            node_id = _next_of(node)
        elif node.kind == "language_menu":
            languages = ctx.structure.languages
            return render.language_menu(ctx.voice, response, node, languages, attempt, said)
        else:
            return render.menu(ctx.voice, response, node, attempt, said)
    raise RuntimeError(f"voice script loops without a menu at node {node_id!r}")


def _say_params(ctx: CallContext) -> dict[str, object]:
    """What a say-node's prompts are filled with: the structure's retention periods."""
    return {
        "retention_days": ctx.structure.retention_days,
        "contact_months": ctx.structure.contact_months,
    }


def _language_known(ctx: CallContext) -> bool:
    """Nothing to ask: one language offered, or the caller's number tells which one.

    The call's language is written at its first webhook from the person's preferred
    language or this number's previous call (`calls.records.known_caller_columns`), and when chosen.
    """
    languages = ctx.structure.languages
    return len(languages) < 2 or ctx.call.language in languages


def _next_of(node: Node) -> str:
    """The node after a say-node or a language menu; the script check guarantees it exists.

    Raised, not asserted: a broken script loaded past the check must still reach the
    webhook error decorator (an apology and the voicemail), even under `python -O`.
    """
    if node.next is None:
        raise RuntimeError(f"voice script node {node.id!r} has no next node")
    return node.next


def answer_menu(
    ctx: CallContext, node_id: str, attempt: int, digits: str, speech: str, silent: bool
) -> str:
    """Act on what the caller pressed or said at a menu."""
    node = ctx.voice.script.nodes.get(node_id)
    if node is None or node.kind == "say":  # a URL from an older script: start it again
        return greet(ctx)
    if node.kind == "language_menu":
        return _answer_language(ctx, node, attempt, digits)
    if not silent and (digits or speech):
        theme = _theme_for(ctx, node, digits, speech)
        if theme is not None:
            return route(ctx, VoiceResponse(), theme, any_theme=False)
        option = next((o for o in node.options if o.digit == digits), None)
        if option is not None:
            return _follow(ctx, node, option)
    return _retry(ctx, node, attempt, "menu_no_input" if silent else "menu_invalid")


def _answer_language(ctx: CallContext, node: Node, attempt: int, digits: str) -> str:
    languages = ctx.structure.languages
    chosen = whole_number_or_none(digits) or 0
    if 1 <= chosen <= len(languages):
        ctx.voice = ctx.voice.in_language(languages[chosen - 1])
        calls.choose_route(ctx.session, ctx.call, ctx.call.theme_id, ctx.voice.lang, ctx.now)
        return walk(ctx, VoiceResponse(), _next_of(node))
    if attempt >= ctx.max_attempts:
        return walk(ctx, VoiceResponse(), _next_of(node))
    return walk(ctx, VoiceResponse(), node.id, attempt + 1)


def _retry(ctx: CallContext, node: Node, attempt: int, reason_key: str) -> str:
    """Say what went wrong and offer the menu again, then fall back after the last try."""
    response = VoiceResponse()
    if attempt >= ctx.max_attempts:  # say why before the fallback (usually the voicemail)
        fallback = node.on_failure or Option(digit="", next=None, action="voicemail", prompt=None)
        ctx.voice.speak(response, "menu_gave_up")
        return _follow(ctx, node, fallback, response)
    return render.menu(ctx.voice, response, node, attempt + 1, [(reason_key, {})])


def _follow(
    ctx: CallContext, node: Node, option: Option, response: VoiceResponse | None = None
) -> str:
    response = response if response is not None else VoiceResponse()
    if option.next is not None:
        return walk(ctx, response, option.next)
    if option.action == "repeat":
        return render.menu(ctx.voice, response, node, 1)
    if option.action == "any_theme":
        return route(ctx, response, None, any_theme=True)
    if option.action == "hangup":
        return render.hang_up(ctx.voice, response)
    if option.action == "group_pin":
        return render_group.ask_pin(ctx.voice, 1, node.id)
    return leave_message(ctx, response, theme=None)


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _theme_for(ctx: CallContext, node: Node, digits: str, speech: str) -> ThemeInfo | None:
    if not node.themes:
        return None
    if digits:
        return ctx.structure.theme_by_digit(digits)
    said = _normalise(speech)
    for theme in ctx.structure.themes:
        words = [theme.key, ctx.voice.theme_label(theme), *theme.keywords.get(ctx.voice.lang, ())]
        if any(_normalise(word) in said for word in words if word):
            return theme
    return None


def route(
    ctx: CallContext, response: VoiceResponse, theme: ThemeInfo | None, any_theme: bool
) -> str:
    """Ring whoever is on duty for the theme, or say when it reopens and offer a message."""
    decision = calls.route_call(ctx.session, ctx.structure, theme, ctx.now, ctx.busy)
    detail = f"{theme.key if theme else '*'}:{decision.kind}"
    first_time = driver.record_route(
        ctx.session, ctx.call, theme.id if theme else None, ctx.voice.lang, detail, ctx.now
    )
    label = ctx.voice.theme_label(theme)
    if decision.kind == calls.RouteKind.RING:
        # The caller waits in a room while a job calls each free staff member (see
        # `hotline.calls.ringing`): one <Dial> of several phones would let the first
        # personal voicemail that picks up hang up every other one. The webhook queues
        # the job once what it wrote is committed (`ring_staff_after_commit`); a retried
        # webhook does not ask again (RQ would refuse the same job id anyway).
        ctx.rings = first_time
        return _wait_for_staff(ctx, response, theme)
    if decision.kind == calls.RouteKind.ALL_BUSY:
        ctx.voice.speak(response, "nobody_available", theme=label)
    elif decision.opens_at is not None:
        moment = describe_moment(
            decision.opens_at, ctx.now, ctx.structure.tz, ctx.voice.script.moments[ctx.voice.lang]
        )
        ctx.voice.speak(response, "theme_closed", theme=label, moment=moment)
    else:
        ctx.voice.speak(response, "theme_no_opening", theme=label)
    return leave_message(ctx, response, theme)


def ring_staff_after_commit(ctx: CallContext, xml: str) -> str:
    """Queue the job that rings the staff for a caller `route` put in a room; the answer.

    Called once the webhook committed. No outbox row: a lost job is queued again by the
    sweep `ring-unrung-waits`. When Redis cannot take it, the caller is not left waiting
    for nobody: the voicemail at once (`nobody_can_be_rung`).
    """
    if not ctx.rings:
        return xml
    if tasks.enqueue_now(tasks.RING_STAFF, ctx.call.id).deferred:
        return nobody_can_be_rung(ctx)
    return xml


def nobody_can_be_rung(ctx: CallContext) -> str:
    """The job that rings staff could not be queued (Redis down): the voicemail at once.

    Waiting in the room would mean waiting for nobody; the caller is marked released, so
    the sweep that rings forgotten waits leaves them alone.
    """
    ringing.mark_released(ctx.session, ctx.call, ctx.now)
    theme = next((t for t in ctx.structure.themes if t.id == ctx.call.theme_id), None)
    response = VoiceResponse()
    ctx.voice.speak(response, "nobody_available", theme=ctx.voice.theme_label(theme))
    return leave_message(ctx, response, theme)


def leave_message(ctx: CallContext, response: VoiceResponse, theme: ThemeInfo | None) -> str:
    if theme is not None and ctx.call.theme_id is None:
        calls.choose_route(ctx.session, ctx.call, theme.id, ctx.voice.lang, ctx.now)
    return render.record_message(ctx.voice, response)


def dial_finished(ctx: CallContext, theme: ThemeInfo | None, dial_status: str) -> str:
    """After the wait for staff: goodbye if they talked, otherwise the voicemail."""
    calls.release_staff(ctx.session, ctx.call)
    calls.note_event(ctx.session, ctx.call, "dial", dial_status, ctx.now)
    # Only a staff member who pressed 1 counts: leaving the room is "completed" either way.
    if dial_status in ("completed", "answered") and ctx.call.answered_at is not None:
        return render.hang_up(ctx.voice, VoiceResponse())
    response = VoiceResponse()
    ctx.voice.speak(response, "nobody_available", theme=ctx.voice.theme_label(theme))
    return leave_message(ctx, response, theme)


def message_recorded(ctx: CallContext, url: str, duration: int) -> str:
    """The action of `<Record>`: keep the message, then ask whether to call back.

    Its RecordingSid is read from the URL (the action does not document one). A silent
    recording (duration 0, as the docs once described an empty one) is an empty message.
    """
    if duration <= 0:
        return no_message(ctx)
    calls.save_recording(ctx.session, ctx.call, None, url, duration, ctx.now)
    return _offer_callback(ctx, "voicemail_saved")


def no_message(ctx: CallContext) -> str:
    """The recording was empty: say so, keep a trace, still offer a callback."""
    calls.save_empty_message(ctx.session, ctx.call, ctx.now)
    return _offer_callback(ctx, "voicemail_empty")


def _offer_callback(ctx: CallContext, said: str) -> str:
    """Ask for consent, unless the number is withheld: never promise a call we can't make.

    `said` (what became of the message) comes first, inside the question's <Gather>.
    """
    response = VoiceResponse()
    if callbacks.callable_number(ctx.session, ctx.structure.id, ctx.call.from_e164) is None:
        ctx.voice.speak(response, said)
        ctx.voice.speak(response, "callback_impossible")
        return render.hang_up(ctx.voice, response)
    return render.ask_consent(ctx.voice, response, 1, before=[(said, {})])


def answer_consent(
    ctx: CallContext, attempt: int, digits: str, silent: bool, recording_url: str = ""
) -> str:
    """Key 1: queue a callback to this number; key 2 (or no answer): keep the message only.

    A `recording_url` comes back when saving the message failed at `/voice/recorded`:
    it is saved here first (idempotent if its status callback filed it meanwhile).
    """
    if recording_url:
        calls.save_recording(ctx.session, ctx.call, None, recording_url, 0, ctx.now)
    if digits in ("1", "2"):
        calls.record_consent(ctx.session, ctx.call, digits == "1", ctx.now)
        response = VoiceResponse()
        ctx.voice.speak(response, "callback_confirmed" if digits == "1" else "callback_declined")
        return render.hang_up(ctx.voice, response)
    response = VoiceResponse()
    if attempt >= ctx.max_attempts:
        ctx.voice.speak(response, "callback_declined")
        return render.hang_up(ctx.voice, response)
    reason = "menu_no_input" if silent else "menu_invalid"
    return render.ask_consent(ctx.voice, response, attempt + 1, recording_url, [(reason, {})])
