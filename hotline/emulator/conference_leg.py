"""A call inside a conference: <Dial><Conference> from TwiML, or a Participants API call.

The participant's call waits in simulated time while it is in the room: it hears the wait
music (its waitUrl TwiML: only <Play> <Say> <Pause> <Redirect>) until the room starts, beeps
and announcements, and acts as its caller decides (`Caller.conference`: stay N seconds, press
keys, hang up). With hangupOnStar, `*` takes it out of the room and the <Dial> ends: the Dial
`action` is requested (DialCallStatus=completed) or the next verb runs, so the app can serve a
keypad menu and <Dial> the caller back into the same room. Being kicked (Participants API
delete) or the room ending also ends the <Dial>. A Participants API call has no TwiML: when it
leaves the room, it hangs up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.emulator.callers import ConferencePrompt, HangUp, Keys, Stay, conference_input
from hotline.emulator.conference import Conference, JoinSpec, Participant
from hotline.emulator.errors import EmulatorError, TwimlError
from hotline.emulator.rest_http import ApiError
from hotline.emulator.session import CallerGone
from hotline.emulator.sim import Signal
from hotline.emulator.steps import End, Goto, Step, resolve
from hotline.emulator.twiml import Verb, parse_response
from hotline.emulator.verbs import PLAY_SECONDS, WORDS_PER_SECOND

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

WAIT_VERBS = frozenset({"Play", "Say", "Pause", "Redirect"})
INVALID_WAIT_VERB = 13238
MAX_WAIT_FETCHES = 50  # waitUrl redirect loops per stay in the room
DEFAULT_TIME_LIMIT = 14400


def spec_from_twiml(dial: Verb, noun: Verb, document_url: str) -> JoinSpec:
    wait_url = noun.get("waitUrl")
    callback = noun.get("statusCallback")
    recorded = noun.get("recordingStatusCallback")
    return JoinSpec(
        name=noun.text,
        muted=noun.flag("muted", False),
        beep=noun.get("beep") or "true",
        start_on_enter=noun.flag("startConferenceOnEnter", True),
        end_on_exit=noun.flag("endConferenceOnExit", False),
        wait_url=resolve(document_url, wait_url) if wait_url else wait_url,
        wait_method=noun.get("waitMethod") or "POST",
        max_participants=noun.number("maxParticipants", 250),
        status_callback=resolve(document_url, callback) if callback else None,
        status_callback_method=noun.get("statusCallbackMethod") or "POST",
        status_callback_events=frozenset((noun.get("statusCallbackEvent") or "").split()),
        label=noun.get("participantLabel"),
        hangup_on_star=dial.flag("hangupOnStar", False),
        time_limit=dial.number("timeLimit", DEFAULT_TIME_LIMIT),
        record=noun.get("record") or "do-not-record",
        recording_status_callback=resolve(document_url, recorded) if recorded else None,
        recording_status_callback_method=noun.get("recordingStatusCallbackMethod") or "POST",
        recording_status_callback_events=frozenset(
            (noun.get("recordingStatusCallbackEvent") or "").replace(",", " ").split()
        ),
    )


def dial_conference(leg: Leg, dial: Verb, noun: Verb, document_url: str) -> Step:
    """Execute <Dial><Conference>: stay in the room, then go on with the Dial action."""
    call = getattr(leg, "call", None)
    if call is not None and (call.hangup_requested or call.redirect is not None):
        leg.note("note", "updated through the REST API before getting into the room")
        return End("api-hangup" if call.hangup_requested else "api-redirect")
    spec = spec_from_twiml(dial, noun, document_url)
    room = leg.emulator.conferences.open(spec.name)
    outbound = leg.base.get("Direction", "inbound").startswith("outbound")
    number = leg.base["To"] if outbound else leg.base["From"]  # the person on this call
    p = Participant(leg.base["CallSid"], number, spec, leg.log, leg.emulator.now())
    try:
        room.admit(p)
    except ApiError as err:
        leg.note("error", f"<Conference> {spec.name}: error {err.code}: {err.message}")
        return _after(leg, dial, document_url, "failed", 0)
    leg.note("conference", f"joined conference {spec.name}", name=spec.name, sid=room.sid)
    start = leg.emulator.sim.elapsed
    outcome = attend(leg, room, p)
    seconds = round(leg.emulator.sim.elapsed - start)
    if outcome in ("caller-hangup", "api-hangup", "api-redirect"):
        return End(outcome)
    return _after(leg, dial, document_url, "completed", seconds)


def _after(leg: Leg, dial: Verb, document_url: str, status: str, seconds: int) -> Step:
    action = dial.get("action")
    leg.note("dial", f"<Dial><Conference> ended: DialCallStatus={status}")
    if not action:
        return None
    params = {"DialCallStatus": status, "DialCallDuration": str(seconds)}
    return Goto(resolve(document_url, action), dial.get("method") or "POST", params)


def join_from_api(leg: Leg, spec: JoinSpec) -> str:
    """A Participants API call was answered: into the room until it leaves; then it hangs up."""
    found = leg.emulator.conferences.find_participant(leg.base["CallSid"])
    if found is None:  # the room ended while the phone rang
        leg.note("conference", f"conference {spec.name} is over: hanging up")
        return "conference-ended"
    room, p = found
    leg.note("conference", f"joined conference {spec.name}", name=spec.name, sid=room.sid)
    outcome = attend(leg, room, p)
    return "caller-hangup" if outcome == "caller-hangup" else outcome


def attend(leg: Leg, room: Conference, p: Participant) -> str:
    """The participant's time in the room; returns why it ended.

    "star" (hangupOnStar), "kicked", "conference-ended", "time-limit", "caller-hangup",
    "api-hangup" or "api-redirect" (a REST update of the call).
    """
    try:
        return _attend(leg, room, p)
    except CallerGone:
        room.leave(p, "participant_hung_up", "completed")
        leg.note("input", "hangs up in the conference")
        return "caller-hangup"


def _attend(leg: Leg, room: Conference, p: Participant) -> str:
    sim = leg.emulator.sim
    room.join(p)
    deadline = sim.elapsed + p.spec.time_limit
    prompt = ConferencePrompt(room.friendly_name, p.spec.hangup_on_star)
    music = WaitMusic(leg, room, p)
    act_at, act = _ask(leg, prompt)
    while True:
        if p.gone:
            return _gone_reason(p)
        interrupted = _rest_update(leg)
        if interrupted is not None:
            room.leave(p, "participant_hung_up", "completed")
            return interrupted
        now = sim.elapsed
        if now >= deadline:
            leg.note("conference", "the <Dial> timeLimit is reached: leaves the room")
            room.leave(p, "participant_hung_up", "in-progress")
            return "time-limit"
        if act_at is not None and now >= act_at:
            if isinstance(act, HangUp):
                room.leave(p, "participant_hung_up", "completed")
                leg.note("input", f"{act.reason} (in the conference)")
                return "caller-hangup"
            if isinstance(act, Keys):
                leg.note("input", f"keys in the conference: {act.keys}")
                if "*" in act.keys and p.spec.hangup_on_star:
                    leg.note("conference", "* pressed: leaves the conference (hangupOnStar)")
                    room.leave(p, "participant_hung_up", "in-progress")
                    return "star"
            act_at, act = _ask(leg, prompt)
            continue
        limit = min(deadline, act_at if act_at is not None else deadline) - now
        p.wake = Signal(sim, f"participant {p.call_sid}")
        if not room.is_started and not p.hold:
            music.play(limit)
        else:
            leg.wait_for(p.wake, limit)


def _ask(leg: Leg, prompt: ConferencePrompt) -> tuple[float | None, Stay | Keys | HangUp]:
    """The caller's next move and when it happens (None: never, they stay until dropped)."""
    act = conference_input(leg.caller, prompt)
    now = leg.emulator.sim.elapsed
    if isinstance(act, Stay):
        return (None, act) if act.seconds is None else (now + act.seconds, act)
    return now, act


def _gone_reason(p: Participant) -> str:
    if p.leave_reason == "participant_updated_via_api":
        return "kicked"
    return "conference-ended"


def _rest_update(leg: Leg) -> str | None:
    call = getattr(leg, "call", None)
    if call is None:
        return None
    if call.hangup_requested:
        leg.note("end", "hung up through the REST API while in the conference")
        return "api-hangup"
    if call.redirect is not None:
        leg.note("note", "redirected through the REST API: leaves the conference")
        return "api-redirect"
    return None


class WaitMusic:
    """What a participant hears while the room has not started: its waitUrl's TwiML."""

    def __init__(self, leg: Leg, room: Conference, p: Participant) -> None:
        self.leg = leg
        self.room = room
        self.p = p
        self.items: list[tuple[str, str, float]] = []
        self.next_url: str | None = p.spec.wait_url or None
        self.fetches = 0
        if room.is_started:
            pass  # joining a room in progress: no wait music is ever played
        elif p.spec.wait_url is None:
            leg.hear_only("play", "[musique d'attente de Twilio (émulée : silence)]")
        elif p.spec.wait_url == "":
            leg.note("note", "waitUrl is empty: silence while waiting")

    def play(self, limit: float) -> None:
        """Play (part of) the next item, waiting at most `limit`; silence when nothing left."""
        assert self.p.wake is not None
        if not self.items and self.next_url is not None:
            self._fetch(self.next_url)
        if not self.items:
            self.leg.wait_for(self.p.wake, limit)
            return
        kind, text, seconds = self.items.pop(0)
        self.leg.hear_only(kind, text)
        self.leg.wait_for(self.p.wake, min(seconds, limit))

    def _fetch(self, url: str) -> None:
        self.next_url = None
        self.fetches += 1
        if self.fetches > MAX_WAIT_FETCHES:
            self.leg.note("note", f"waitUrl fetched {MAX_WAIT_FETCHES} times: silence now")
            return
        method = self.p.spec.wait_method
        sent_url, response = self.leg.webhook(url, method, self.leg.params())
        try:
            verbs = parse_response(response, sent_url)
            for verb in verbs:
                if verb.name not in WAIT_VERBS:
                    raise TwimlError(
                        f"error {INVALID_WAIT_VERB}: <{verb.name}> is not allowed in waitUrl"
                        " TwiML (only Play, Say, Pause, Redirect)",
                        url=sent_url,
                    )
        except EmulatorError as err:
            if self.leg.emulator.strict:
                raise
            self.leg.note("error", f"waitUrl failed: {str(err).splitlines()[0]}")
            return
        self.items = list(wait_items(verbs, sent_url))
        redirect = next((v for v in verbs if v.name == "Redirect"), None)
        if redirect is not None:
            self.next_url = resolve(sent_url, redirect.text)


def wait_items(verbs: tuple[Verb, ...], url: str) -> list[tuple[str, str, float]]:
    items: list[tuple[str, str, float]] = []
    for verb in verbs:
        if verb.name == "Redirect":
            break
        loop = max(verb.number("loop", 1), 1)
        for _ in range(loop):
            if verb.name == "Say":
                seconds = max(1.0, len(verb.text.split()) / WORDS_PER_SECOND)
                items.append(("say", verb.text, seconds))
            elif verb.name == "Play":
                items.append(("play", f"[audio {resolve(url, verb.text)}]", PLAY_SECONDS))
            else:
                length = verb.number("length", 1)
                items.append(("pause", f"[pause {length} s]", length))
    return items


def announce(room: Conference, targets: list[Participant], url: str, method: str) -> None:
    """Play an announceUrl's TwiML to `targets` (the whole room or one participant)."""
    emulator = room.emulator
    params = {
        "ConferenceSid": room.sid,
        "FriendlyName": room.friendly_name,
        "AccountSid": emulator.account_sid,
    }
    sent_url, response = emulator.send(method, url, params)
    try:
        verbs = parse_response(response, sent_url)
        bad = [v.name for v in verbs if v.name not in WAIT_VERBS]
        if bad:
            raise TwimlError(
                f"error {INVALID_WAIT_VERB}: <{bad[0]}> is not allowed in announceUrl TwiML",
                url=sent_url,
            )
    except EmulatorError:
        room.callback("announcement-fail")
        if emulator.strict:
            raise
        return
    for kind, text, _ in wait_items(verbs, sent_url):
        for p in targets:
            p.hear(kind, text)
    room.note("announce", f"announcement played to {len(targets)} participant(s)")
    room.callback("announcement-end")
