"""One call leg executing TwiML: the caller's own call, or a staff phone running a whisper.

A leg fetches a document, runs its verbs in order and follows where they lead (action URLs,
Redirect) until a verb or the caller ends it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hotline.emulator import dial, fallback, verbs
from hotline.emulator.callers import Caller
from hotline.emulator.delivery import WebhookTimeout
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import CallLog, LegLog, WebhookCall
from hotline.emulator.steps import End, Goto, Step
from hotline.emulator.transport import WebhookResponse
from hotline.emulator.twiml import Verb, parse_response

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator
    from hotline.emulator.sim import Signal

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


class CallerGone(Exception):  # noqa: N818 - control flow, not a failure
    """The person on this leg hung up on their own (a phone's `hangup_after`)."""


@dataclass
class CallState:
    """What all legs of one call share: the log, the loop guard and a fake clock."""

    log: CallLog
    max_steps: int
    steps: int = 0
    seconds: float = 0.0
    final_status: str = "completed"
    fell_back: bool = False  # the fallback URL was requested once: never again on this call
    # Callbacks drawn to arrive after the call's status callback (see `ordering`).
    after_end: list[Callable[[], None]] = field(default_factory=list)


class Leg:
    """Runs TwiML for one party; `staff` is set when this is a dialed phone's whisper leg."""

    def __init__(
        self,
        emulator: Emulator,
        state: CallState,
        caller: Caller,
        params: Mapping[str, str],
        staff: LegLog | None = None,
    ) -> None:
        self.emulator = emulator
        self.state = state
        self.caller = caller
        self.base = dict(params)
        self.staff = staff
        self.answered = staff is not None
        self.documents = 0
        self.verb_index = 0
        # Simulated time (scheduler seconds) at which this party hangs up on their own.
        self.hangup_at: float | None = None
        self.document_url = ""  # what relative URLs resolve against: the fallback's, after one

    @property
    def log(self) -> CallLog:
        return self.state.log

    def spawn(self, caller: Caller, params: Mapping[str, str], staff: LegLog) -> Leg:
        """A child leg on the same call (a whisper), sharing log, clock and loop guard."""
        return Leg(self.emulator, self.state, caller, params, staff)

    def params(
        self, extra: Mapping[str, str] | None = None, status: str | None = None
    ) -> dict[str, str]:
        call_status = status or ("in-progress" if self.answered else "ringing")
        return {**self.base, "CallStatus": call_status, **(extra or {})}

    def elapse(self, seconds: float) -> None:
        """Time passes on this leg; in a simulation the call waits that long (simulated)."""
        sim = self.emulator.sim
        if sim.current() is None:
            self.state.seconds += seconds
            return
        if self.hangup_at is not None and sim.elapsed + seconds >= self.hangup_at:
            left = max(0.0, self.hangup_at - sim.elapsed)
            self.state.seconds += left
            sim.sleep(left)
            raise CallerGone()
        self.state.seconds += seconds
        sim.sleep(seconds)

    def wait_for(self, signal: Signal, seconds: float | None) -> bool:
        """Wait (simulated) until `signal` fires (True) or `seconds` pass (False).

        The party's own hang-up time cuts the wait short with `CallerGone`.
        """
        sim = self.emulator.sim
        start = sim.elapsed
        limit = seconds
        if self.hangup_at is not None:
            left = max(0.0, self.hangup_at - sim.elapsed)
            limit = left if limit is None else min(limit, left)
        fired = sim.wait(signal, limit)
        self.state.seconds += sim.elapsed - start
        if not fired and self.hangup_at is not None and sim.elapsed >= self.hangup_at:
            raise CallerGone()
        return fired

    def hear(self, kind: str, text: str, seconds: float) -> None:
        """Something played on this leg: heard by the caller, or by the staff member."""
        if self.staff is not None:
            self.staff.heard.append(text)
            self.log.add("staff", f"{self.staff.number} entend : {text}", heard_as=kind)
        else:
            self.log.add(kind, text)
            self.caller.hear(text)
        self.elapse(seconds)

    def hear_only(self, kind: str, text: str) -> None:
        """Something heard on this leg that takes no time of its own (wait music, a beep)."""
        if self.staff is not None:
            self.staff.heard.append(text)
            self.log.add("staff", f"{self.staff.number} entend : {text}", heard_as=kind)
        else:
            self.log.add(kind, text)
            self.caller.hear(text)

    def note(self, kind: str, text: str, **data: object) -> None:
        """Log an event; on a whisper leg it is filed as "staff" so caller events stay apart."""
        if self.staff is not None:
            self.log.add("staff", f"{self.staff.number} : {text}", leg_kind=kind, **data)
        else:
            self.log.add(kind, text, **data)

    def run(self, goto: Goto) -> str:
        """Follow documents from `goto` until the leg ends; return why it ended."""
        step: Goto | End = goto
        try:
            while isinstance(step, Goto):
                self.document_url = step.url
                fetched = self.fetch(step)
                if isinstance(fetched, End):
                    return fetched.reason
                step = self.execute(fetched, self.document_url)
        except CallerGone:
            who = f"{self.staff.number}" if self.staff is not None else "the caller"
            self.note("input", f"{who} hangs up")
            return "caller-hangup"
        return step.reason

    def fetch(self, goto: Goto) -> tuple[Verb, ...] | End:
        """Request one TwiML document, enforcing the loop guard and the app's contract."""
        if self.state.steps >= self.state.max_steps:
            self.note(
                "note",
                f"caller hangs up: more than {self.state.max_steps} webhook requests"
                " on this call (the app is looping?)",
            )
            return End("caller-hangup")
        self.state.steps += 1
        try:
            sent_url, response = self.webhook(goto.url, goto.method, self.params(goto.params))
            verbs = parse_response(response, sent_url)
        except EmulatorError as err:
            recovered = fallback.recover(self, err)
            if isinstance(recovered, End):
                return recovered
            verbs = recovered
        self.answered = True
        self.documents += 1
        if goto.then is not None:
            goto.then()
        return verbs

    def application_error(self, err: EmulatorError) -> End:
        if self.emulator.strict:
            raise err
        self.note("error", f"application error: {str(err).splitlines()[0]}", url=err.url)
        self.hear("say", APPLICATION_ERROR, 4)
        return End("error")

    def execute(self, verbs: tuple[Verb, ...], document_url: str) -> Goto | End:
        for index, verb in enumerate(verbs):
            self.verb_index = index
            step = HANDLERS[verb.name](self, verb, document_url)
            if step is not None:
                return step
        if self.staff is not None:
            self.note("end", "whisper TwiML ended without <Hangup/>: the call may be bridged")
        else:
            self.note("end", "TwiML ended (no <Hangup/>): the call ends")
        return End("twiml-ended")

    def webhook(
        self, url: str, method: str, params: Mapping[str, str]
    ) -> tuple[str, WebhookResponse]:
        """Send one signed request and record it in the call log."""
        try:
            sent_url, response = self.emulator.send(
                method, url, params, lambda text: self.note("retry", text)
            )
        except EmulatorError as err:
            if err.response is not None and err.url:
                self.log.requests.append(WebhookCall(err.url, dict(params), err.response.status))
            self.note("error", f"{method} {url}: {str(err).splitlines()[0]}", url=url)
            raise
        self.log.requests.append(WebhookCall(sent_url, dict(params), response.status))
        self.log.add("request", f"{method} {sent_url} -> {response.status}", method=method)
        return sent_url, response

    def callback(self, url: str, method: str, params: Mapping[str, str]) -> None:
        """A status-type callback: Twilio ignores the body, but an HTTP error is still a bug."""
        try:
            sent_url, response = self.webhook(url, method, params)
        except WebhookTimeout:
            if self.emulator.strict:
                raise
            return
        if not 200 <= response.status < 300:
            err = EmulatorError(
                f"callback answered HTTP {response.status}", url=sent_url, response=response
            )
            if self.emulator.strict:
                raise err
            self.note("error", f"callback error: HTTP {response.status} from {sent_url}")


Handler = Callable[[Leg, Verb, str], Step]

HANDLERS: dict[str, Handler] = {
    "Say": verbs.say,
    "Play": verbs.play,
    "Pause": verbs.pause,
    "Gather": verbs.gather,
    "Record": verbs.record,
    "Redirect": verbs.redirect,
    "Hangup": verbs.hangup,
    "Reject": verbs.reject,
    "Dial": dial.dial,
}
