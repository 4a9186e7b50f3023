"""The emulator's entry point: place a simulated inbound call into the app, as Twilio would.

`Emulator.place_call` posts the documented parameters to the number's Voice URL, signed with
`X-Twilio-Signature`, runs the TwiML returned, and finally posts the call's status callback.

Every call runs in simulated time (`Emulator.sim`, see `sim.py`): `place_call` drives the
simulation until that call ends; `start_call` only starts it, so a test can let other calls
(dialled through the REST API, say) run while this one waits in a conference, then drive time
itself with `emulator.sim.advance(seconds)` / `run_until_idle()`. `emulator.now()` is the
simulated wall clock: the `clock` given (the test's frozen clock) plus simulated seconds.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from hotline.emulator import delivery
from hotline.emulator.account import DEFAULT_CALLS_PER_SECOND, Account
from hotline.emulator.callers import Caller, ScriptedCaller
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import CallLog, RecordingLog, StoredRecording
from hotline.emulator.ordering import CALLBACK_ORDERS
from hotline.emulator.outbound import InboundLeg, OutboundCall, live_inbound
from hotline.emulator.phones import PhoneBehaviour, PhoneBook
from hotline.emulator.session import CallState, Leg
from hotline.emulator.sim import Process, Scheduler
from hotline.emulator.steps import Goto
from hotline.emulator.transport import Transport, WebhookResponse

if TYPE_CHECKING:
    from hotline.emulator.conference import Conferences

API_VERSION = "2010-04-01"
DEFAULT_MAX_STEPS = 60
# Where a seeded simulation's clock starts when no clock is given (a Monday, 09:00 UTC).
SEEDED_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SimultaneousDial = Literal["first-accept", "first-pickup"]
SIMULTANEOUS_DIAL_MODES = ("first-accept", "first-pickup")


@dataclass
class InboundCall:
    """A call started with `Emulator.start_call`: its log fills in as simulated time passes."""

    sid: str
    log: CallLog
    process: Process

    @property
    def done(self) -> bool:
        return self.process.done


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two-letter prefix and 32 hex digits."""
    return prefix + uuid.uuid4().hex


class Emulator:
    """Places simulated calls into a webhook app and records what happens.

    `strict` (default) raises on any HTTP error, non-XML body or invalid TwiML so tests fail
    loudly; with `strict=False` the caller hears Twilio's application-error message instead.

    Simulation knobs: `seed` (reproducible SIDs and randomness; None = random SIDs),
    `calls_per_second` / `max_concurrent_calls` (the account's REST limits, see `account.py`),
    `simultaneous_dial`: "first-pickup" (the default, Twilio's documented rule: the first leg
    of a <Dial> with several <Number>s to pick up, voicemail included, cancels every other
    leg before its screen runs) or "first-accept" (a kinder reading, kept only to show the
    difference: the others ring on while a picked-up leg's `url` screen runs).
    `callback_order`: "seeded" (default, the stricter reading of "callbacks do not arrive in
    a fixed order") shuffles a <Record>'s callbacks reproducibly from `seed`, "documented"
    keeps the page's order (see `ordering`); `empty_recording` picks how Twilio's docs have
    described an empty <Record>: "skip" the action (today's page) or request it with a silent
    "action".
    """

    api_version = API_VERSION

    def __init__(
        self,
        transport: Transport,
        base_url: str,
        auth_token: str,
        account_sid: str | None = None,
        phones: PhoneBook | None = None,
        voice_path: str = "/voice/incoming",
        status_path: str = "/voice/status",
        api_base: str = "https://api.twilio.com",
        *,
        strict: bool = True,
        max_steps: int = DEFAULT_MAX_STEPS,
        clock: Callable[[], datetime] | None = None,
        country: str = "FR",
        seed: int | None = None,
        scheduler: Scheduler | None = None,
        calls_per_second: float = DEFAULT_CALLS_PER_SECOND,
        max_concurrent_calls: int | None = None,
        simultaneous_dial: SimultaneousDial = "first-pickup",
        fallback_url: str | None = None,
        bins: Mapping[str, str] | None = None,
        numbers: Iterable[str] = (),
        latency: Callable[[str, str], float] | None = None,
        callback_order: str = "seeded",
        empty_recording: str = "skip",
    ) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise EmulatorError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        if simultaneous_dial not in SIMULTANEOUS_DIAL_MODES:
            raise EmulatorError(f"simultaneous_dial must be one of {SIMULTANEOUS_DIAL_MODES}")
        self.sim = scheduler or Scheduler(seed)
        self.seeded = seed is not None or scheduler is not None and scheduler.seed is not None
        self.account = Account(calls_per_second, max_concurrent_calls)
        self.simultaneous_dial: SimultaneousDial = simultaneous_dial
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid or self.new_sid("AC")
        self.phones = phones or PhoneBook()
        self.voice_path = voice_path
        self.status_path = status_path
        self.api_base = api_base.rstrip("/")
        self.strict = strict
        self.max_steps = max_steps
        if clock is None and self.seeded:
            clock = lambda: SEEDED_EPOCH  # noqa: E731 - a seeded run is reproducible to the second
        self.clock = clock or (lambda: datetime.now(UTC))
        self.country = country
        # The number's Voice Fallback URL, TwiML Bins by URL, the account's own numbers (the
        # only caller IDs <Dial> may show besides the call's), and the extra seconds a test
        # says a webhook takes (see `delivery`).
        self.fallback_url = fallback_url
        self.bins: dict[str, str] = dict(bins or {})
        self.numbers = frozenset(numbers)
        self.latency: Callable[[str, str], float] = latency or (lambda method, url: 0.0)
        if callback_order not in CALLBACK_ORDERS:
            raise EmulatorError(f"callback_order must be one of {CALLBACK_ORDERS}")
        if empty_recording not in ("skip", "action"):
            raise EmulatorError('empty_recording must be "skip" or "action"')
        self.callback_order = callback_order
        self.rng = random.Random(seed or 0)  # the order of a <Record>'s callbacks
        self.empty_recording = empty_recording
        # Completed recordings by sid: Twilio keeps them until deleted through the REST API.
        self.recordings: dict[str, StoredRecording] = {}
        # Every call's log (inbound, REST-created, conference participants), in start order.
        self.call_logs: list[CallLog] = []
        # Inbound calls as the REST API sees them (fetch, update), by CallSid.
        self.live_inbound: dict[str, OutboundCall] = {}
        self._conferences: Conferences | None = None
        # How the phones called for one inbound call behave, whatever the phone book says:
        # (its CallSid, behaviour), matched in the URL of the REST call (`hotline call --url`).
        self.call_overrides: dict[str, PhoneBehaviour] = {}

    @property
    def conferences(self) -> Conferences:
        """The conference rooms of this account (see `conference.py`)."""
        if self._conferences is None:
            from hotline.emulator.conference import Conferences

            self._conferences = Conferences(self)
        return self._conferences

    def outbound_behaviour(self, to: str, url: str | None) -> PhoneBehaviour:
        """The phone `to`, unless the call is made for an inbound call with an override."""
        for call_sid, behaviour in list(self.call_overrides.items()):
            if url and call_sid in url:
                return behaviour
        return self.phones.behaviour(to)

    def now(self) -> datetime:
        """The simulated wall clock: `clock()` plus the simulated seconds elapsed."""
        return self.clock() + timedelta(seconds=self.sim.elapsed)

    def new_log(self, call_sid: str, from_: str, to: str) -> CallLog:
        """A call log time-stamped with simulated time and listed in `call_logs`."""
        log = CallLog(call_sid, from_, to, clock=lambda: self.sim.elapsed)
        self.call_logs.append(log)
        return log

    def url(self, path_or_url: str) -> str:
        """An absolute URL: full URLs are kept as given, paths are appended to base_url."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def new_sid(self, prefix: str) -> str:
        """A SID; reproducible from the seed when one was given."""
        if self.seeded:
            return prefix + f"{self.sim.random.getrandbits(128):032x}"
        return new_sid(prefix)

    def account_url(self) -> str:
        return f"{self.api_base}/{API_VERSION}/Accounts/{self.account_sid}"

    def recording_url(self, sid: str) -> str:
        return f"{self.account_url()}/Recordings/{sid}"

    def register_recording(
        self, call_sid: str | None, recording: RecordingLog, conference_sid: str | None = None
    ) -> None:
        """Keep a completed recording so `FakeTwilio` can fetch, serve and delete it."""
        self.recordings[recording.sid] = StoredRecording(
            call_sid, recording, self.now(), conference_sid
        )

    def timestamp(self) -> str:
        """RFC 2822, as Twilio's status callbacks carry it."""
        return format_datetime(self.now().astimezone(UTC), usegmt=True)

    def send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str],
        note: Callable[[str], None] | None = None,
    ) -> tuple[str, WebhookResponse]:
        """Sign and deliver one request; return the exact URL signed and the response."""
        return delivery.deliver(self, method, url, params, note)

    def post(
        self, path_or_url: str, params: Mapping[str, str], method: str = "POST"
    ) -> WebhookResponse:
        """Send one signed webhook outside any call, e.g. a duplicate or hand-made callback."""
        return self.send(method, self.url(path_or_url), params)[1]

    def call_params(self, call_sid: str, from_: str, to: str) -> dict[str, str]:
        return {
            "CallSid": call_sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Caller": from_,
            "Called": to,
            "Direction": "inbound",
            "ApiVersion": API_VERSION,
            "FromCountry": self.country,
            "ToCountry": self.country,
        }

    def place_call(self, from_: str, to: str, caller: Caller | None = None) -> CallLog:
        """Run one inbound call from `from_` to `to` until it ends; return its log.

        Drives the simulation until this call is over (other calls due meanwhile run too).
        """
        call = self.start_call(from_, to, caller)
        self.sim.run(stop=lambda: call.done)
        if call.done:  # deliver what the call's end caused at that instant (room callbacks)
            self.sim.run(until=self.sim.elapsed)
        else:
            raise EmulatorError(
                f"call {call.sid} is still waiting and nothing else is scheduled:"
                f" {', '.join(self.sim.waiting())} (give the caller a script that ends)"
            )
        return call.log

    def start_call(
        self, from_: str, to: str, caller: Caller | None = None, delay: float = 0.0
    ) -> InboundCall:
        """Start an inbound call `delay` simulated seconds from now; drive `sim` to run it."""
        call_sid = self.new_sid("CA")
        state = CallState(self.new_log(call_sid, from_, to), self.max_steps)
        base = self.call_params(call_sid, from_, to)
        live = self.live_inbound[call_sid] = live_inbound(self, call_sid, from_, to)
        leg = InboundLeg(self, state, caller or ScriptedCaller(), base, live)

        def run() -> None:
            self.account.enter(call_sid)
            try:
                state.log.ended_by = leg.run_updated(Goto(self.url(self.voice_path)))
                live.status, live.end_time = state.final_status, self.now()
                live.duration, live.done = round(state.seconds), True
                self._final_status(leg, state)
                for send in state.after_end:  # drawn to come after the call's status
                    send()
            finally:
                self.account.leave(call_sid)

        process = self.sim.spawn(run, f"inbound {call_sid}", delay)
        return InboundCall(call_sid, state.log, process)

    def _final_status(self, leg: Leg, state: CallState) -> None:
        params = {
            **leg.params(status=state.final_status),
            "CallDuration": str(round(state.seconds)),
            "Timestamp": self.timestamp(),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": "0",
        }
        state.log.add(
            "end",
            f"call {state.final_status} after {round(state.seconds)} s ({state.log.ended_by})",
        )
        leg.callback(self.url(self.status_path), "POST", params)
