"""Running a call placed through the REST API (`calls.create`), as Twilio would.

The callee's behaviour comes from the emulator's `PhoneBook`. A busy, failing or unanswered
phone ends the call without any TwiML request; a phone that picks up runs the call's Url (or
inline Twiml) on this leg, with the person who answered as the input source, reusing the
inbound interpreter (`session.Leg`) — so a nested `<Dial><Number>` rings a second phone from the
same PhoneBook, which is how a click-to-call bridge reaches the caller after the staff member.

A REST update (`Status=completed`, a new `Url`/`Twiml`) reaches a running call at the next
TwiML document boundary: the emulator executes each document atomically. A call still ringing
is canceled at once (the ring is a simulated wait), and a call in a conference leaves it.

A call created through the Participants API (`OutboundCall.conference` set) runs no TwiML:
once answered it is put straight into its conference (`conference_leg.join_from_api`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hotline.emulator.callers import Caller
from hotline.emulator.dial import RING_BUFFER_SECONDS
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import CallLog
from hotline.emulator.phones import PhoneBehaviour, hangup_after
from hotline.emulator.session import CallerGone, CallState, Leg
from hotline.emulator.sim import Signal
from hotline.emulator.steps import End, Goto
from hotline.emulator.twiml import Verb, parse_twiml

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator

DEFAULT_TIMEOUT = 60
CALL_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
TERMINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
API_HANGUP = "api-hangup"
API_REDIRECT = "api-redirect"
EVENT_STATUS = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}


@dataclass(frozen=True)
class Instructions:
    """What to run once the call is answered: a webhook URL or inline TwiML."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None


@dataclass
class OutboundCall:
    """One call created through `POST /Calls.json`, and everything observed about it."""

    sid: str
    to: str
    from_: str
    instructions: Instructions
    created_at: datetime
    status_callback: str | None = None
    status_callback_method: str = "POST"
    events: frozenset[str] = frozenset({"completed"})
    timeout: int = DEFAULT_TIMEOUT
    machine_detection: str | None = None
    time_limit: int | None = None
    ignored: tuple[str, ...] = ()
    status: str = "queued"
    updated_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    answered_by: str | None = None
    log: CallLog | None = None
    sequence: int = 0
    hangup_requested: bool = False
    redirect: Instructions | None = None
    callbacks: list[dict[str, str]] = field(default_factory=list)
    done: bool = False  # set once the final status callback has been sent
    queue_time: int = 0  # milliseconds the account's CPS pacing kept the call queued
    start_at: float = 0.0  # simulated time (s) the pacing lets the call be placed
    conference: Any = None  # a `conference.JoinSpec` for a Participants API call
    interrupt: Signal | None = None  # fired by REST updates so a waiting call notices them
    direction: str = "outbound-api"  # "inbound" for the live record of an inbound call

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL


class OutboundLeg(Leg):
    """The callee's leg: a `Leg` that also obeys REST updates and runs inline TwiML."""

    def __init__(
        self, emulator: Emulator, state: CallState, behaviour: PhoneBehaviour, call: OutboundCall
    ) -> None:
        params = {**emulator.call_params(call.sid, call.from_, call.to)}
        params["Direction"] = "outbound-api"
        super().__init__(emulator, state, behaviour.whisper_caller(), params)
        self.call = call
        self.behaviour = behaviour
        self.inline: str | None = None

    def begin(self, instructions: Instructions) -> Goto:
        """The first step of a document run: the Url, or inline TwiML read by `fetch`."""
        self.inline = instructions.twiml
        if instructions.url is not None:
            return Goto(instructions.url, instructions.method)
        return Goto(self.emulator.url("/"))

    def fetch(self, goto: Goto) -> tuple[Verb, ...] | End:
        """Fetch as a `Leg` does, unless a REST update arrived before or during the request."""
        interrupted = self._interrupted()
        if interrupted is not None:
            return interrupted
        fetched = self._inline() if self.inline is not None else super().fetch(goto)
        if isinstance(fetched, End):
            return fetched
        return self._interrupted() or fetched

    def _interrupted(self) -> End | None:
        if self.call.hangup_requested:
            return End(API_HANGUP)
        if self.call.redirect is not None:
            return End(API_REDIRECT)
        return None

    def _inline(self) -> tuple[Verb, ...] | End:
        twiml, self.inline = self.inline or "", None
        self.state.steps += 1
        try:
            verbs = parse_twiml(twiml)
        except EmulatorError as err:
            return self.application_error(err)
        self.note("note", "running the inline TwiML given to the REST API")
        self.answered = True
        self.documents += 1
        return verbs


class InboundLeg(Leg):
    """The caller's leg of an inbound call, which a REST update reaches like an outbound one.

    `calls(sid).update(url=…)` or `status="completed"` takes effect at the next document
    boundary, or at once while the caller waits in a conference (`conference_leg`).
    """

    def __init__(
        self,
        emulator: Emulator,
        state: CallState,
        caller: Caller,
        params: dict[str, str],
        call: OutboundCall,
    ) -> None:
        super().__init__(emulator, state, caller, params)
        self.call = call

    def fetch(self, goto: Goto) -> tuple[Verb, ...] | End:
        if self.call.hangup_requested:
            return End(API_HANGUP)
        if self.call.redirect is not None:
            return End(API_REDIRECT)
        return super().fetch(goto)

    def run_updated(self, goto: Goto) -> str:
        """Run from `goto`, then from each URL a REST update redirected the call to."""
        while True:
            reason = self.run(goto)
            redirect = self.call.redirect
            if reason != API_REDIRECT or redirect is None:
                break
            self.call.redirect = None
            if redirect.url is None:
                raise EmulatorError("inline Twiml in an update of an inbound call: not emulated")
            self.note("note", f"redirected through the REST API to {redirect.url}")
            goto = Goto(redirect.url, redirect.method)
        if reason == API_HANGUP:
            self.note("end", "hung up through the REST API (Status=completed)")
        return reason


def live_inbound(emulator: Emulator, sid: str, from_: str, to: str) -> OutboundCall:
    """The REST view of an inbound call, so `calls(sid).update(...)` can reach it."""
    now = emulator.now()
    call = OutboundCall(
        sid, to, from_, Instructions(), now, status="in-progress", direction="inbound"
    )
    call.start_time = now
    return call


def run_call(emulator: Emulator, call: OutboundCall) -> CallLog:
    """Place one queued (or canceled) call to the end; its final status is on `call`."""
    state = CallState(
        call.log or emulator.new_log(call.sid, call.from_, call.to), emulator.max_steps
    )
    call.log = state.log
    behaviour = emulator.outbound_behaviour(call.to, call.instructions.url)
    leg = OutboundLeg(emulator, state, behaviour, call)
    call.interrupt = Signal(emulator.sim, f"call {call.sid}")
    for name in call.ignored:
        leg.note("note", f"REST parameter {name} is accepted but not emulated")
    try:
        if call.status == "canceled":
            leg.note("end", "canceled through the REST API while queued: the phone never rings")
            state.log.ended_by = "canceled"
            call.duration = 0
            _progress(leg, "completed")
        else:
            if _ring(leg, behaviour):
                _answer(leg, behaviour)
            _finish(leg)
    finally:
        emulator.account.leave(call.sid)
        if call.conference is not None:
            emulator.conferences.call_ended(call)
    call.done = True
    return state.log


def _ring_wait(leg: OutboundLeg, seconds: float) -> None:
    """Ring for `seconds` of simulated time, stopping early if the call is canceled."""
    sim = leg.emulator.sim
    call = leg.call
    while sim.current() is not None and not call.hangup_requested and seconds > 0:
        call.interrupt = Signal(sim, f"call {call.sid}")
        start = sim.elapsed
        if not sim.wait(call.interrupt, seconds):
            return
        seconds -= sim.elapsed - start


def _ring(leg: OutboundLeg, behaviour: PhoneBehaviour) -> bool:
    """Initiate and ring; True when someone picks up before `Timeout`."""
    call = leg.call
    _set_status(leg, "initiated")
    _progress(leg, "initiated")
    if behaviour.network_result:
        leg.note("leg", f"{call.to}: {behaviour.network_result}")
        leg.state.log.ended_by = behaviour.network_result
        call.status = behaviour.network_result
        return False
    _set_status(leg, "ringing")
    _progress(leg, "ringing")
    after = behaviour.answer_after
    rings_for = call.timeout + RING_BUFFER_SECONDS  # Twilio adds 5 s to the Timeout asked
    _ring_wait(leg, rings_for if after is None or after > rings_for else after)
    if after is None or after > rings_for or call.hangup_requested:
        why = "canceled through the REST API" if call.hangup_requested else "nobody picks up"
        leg.note("leg", f"{call.to} rings for {rings_for} s (Timeout {call.timeout} + 5): {why}")
        call.status = "canceled" if call.hangup_requested else "no-answer"
        leg.state.log.ended_by = call.status
        return False
    leg.note("leg", f"{call.to} picks up after {after} s ({behaviour!r})")
    return True


def _answer(leg: OutboundLeg, behaviour: PhoneBehaviour) -> None:
    """Run the call's TwiML with the person who answered, following REST redirects."""
    call = leg.call
    _set_status(leg, "in-progress")
    call.start_time = leg.emulator.now()
    leg.answered = True
    after = hangup_after(behaviour)
    if after is not None:
        leg.hangup_at = leg.emulator.sim.elapsed + after
    if call.machine_detection:
        call.answered_by = _answered_by(behaviour, call.machine_detection)
        leg.base["AnsweredBy"] = call.answered_by
    _progress(leg, "answered")
    if call.conference is not None:
        from hotline.emulator.conference_leg import join_from_api

        try:
            reason = join_from_api(leg, call.conference)
        except CallerGone:
            reason = "caller-hangup"
        leg.state.log.ended_by = reason
        return
    instructions = call.instructions
    while True:
        reason = leg.run(leg.begin(instructions))
        if reason != API_REDIRECT or call.redirect is None:
            break
        instructions, call.redirect = call.redirect, None
        leg.note("note", "redirected through the REST API")
    if reason == API_HANGUP:
        leg.note("end", "hung up through the REST API (Status=completed)")
    leg.state.log.ended_by = reason


def _answered_by(behaviour: PhoneBehaviour, mode: str) -> str:
    if not behaviour.is_voicemail:
        return "human"
    return "machine_end_beep" if mode == "DetectMessageEnd" else "machine_start"


def _finish(leg: OutboundLeg) -> None:
    call = leg.call
    seconds = round(leg.state.seconds) if call.start_time else 0
    if call.time_limit is not None and seconds > call.time_limit:
        leg.note("note", f"TimeLimit reached: the call is cut after {call.time_limit} s")
        seconds = call.time_limit
    call.duration = seconds
    if call.start_time:
        call.end_time = call.start_time + timedelta(seconds=seconds)
    else:
        call.end_time = leg.emulator.now()
    if call.status == "in-progress":
        call.status = leg.state.final_status
    leg.note("end", f"call {call.status} after {seconds} s ({leg.state.log.ended_by})")
    _progress(leg, "completed")


def _set_status(leg: OutboundLeg, status: str) -> None:
    leg.call.status = status
    leg.call.updated_at = leg.emulator.now()


def _progress(leg: OutboundLeg, event: str) -> None:
    """A call-progress status callback, only for the events the REST request asked for."""
    call = leg.call
    if not call.status_callback or event not in call.events:
        return
    status = EVENT_STATUS.get(event, call.status)
    params = {
        **leg.params(status=status),
        "SequenceNumber": str(call.sequence),
        "Timestamp": leg.emulator.timestamp(),
        "CallbackSource": "call-progress-events",
    }
    if event == "completed":
        params["CallDuration"] = str(call.duration or 0)
    call.sequence += 1
    call.callbacks.append(params)
    leg.callback(call.status_callback, call.status_callback_method, params)
