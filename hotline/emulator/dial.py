"""Executing <Dial>: ringing staff phones at once, running whispers, bridging one of them.

All <Number>s ring together. Phones pick up in order of their ring time (document order on a
tie). What happens next depends on `Emulator.simultaneous_dial`:

- "first-pickup" (the default), Twilio's documented rule ("the first call to pick up is
  connected to the current call and the rest are hung up"): the first leg to pick up, a
  voicemail included, cancels every other leg at once, then runs its `url` screen; if the
  screen does not accept, nobody is bridged.
- "first-accept" (a kinder reading, only on request): each picked-up leg runs its screen
  while the others ring on, and the first whose screen ends without hanging up is bridged.

A phone picked up without a whisper is bridged directly, which for a personal voicemail is
logged loudly: the caller is talking to a machine. <Dial><Conference> is in `conference_leg`.
A caller who hangs up while phones ring (`impatient.HangsUpWhileRinging`) cancels the legs
still ringing, and the <Dial> action is not requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.emulator.errors import TwimlError
from hotline.emulator.impatient import ring_patience
from hotline.emulator.log import DialOutcome, LegLog
from hotline.emulator.phones import PhoneBehaviour, hangup_after
from hotline.emulator.steps import End, Goto, Step, resolve
from hotline.emulator.twiml import Verb

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

DEFAULT_DIAL_TIMEOUT = 30
# Twilio's <Dial> and Calls pages: a 5-second buffer is added to every ring timeout, so a
# timeout of 25 rings for about 30 s.
RING_BUFFER_SECONDS = 5
TERMINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass
class Ring:
    """One dialed <Number> and its child call leg."""

    index: int
    noun: Verb
    behaviour: PhoneBehaviour
    log: LegLog
    sequence: int = 0
    finished: bool = False  # its final status callback was sent

    @property
    def number(self) -> str:
        return self.noun.text


def dial(leg: Leg, verb: Verb, document_url: str) -> Step:
    if leg.staff is not None:
        raise TwimlError("<Dial> is not allowed in a <Number url> whisper (Twilio refuses it)")
    if verb.children and verb.children[0].name == "Conference":
        from hotline.emulator.conference_leg import dial_conference

        return dial_conference(leg, verb, verb.children[0], document_url)
    nouns = verb.children or (Verb("Number", {}, verb.text),)
    timeout = verb.number("timeout", DEFAULT_DIAL_TIMEOUT) + RING_BUFFER_SECONDS
    caller_id = _caller_id(leg, verb.get("callerId"))
    rings = [_start(leg, i, noun, caller_id, document_url) for i, noun in enumerate(nouns)]
    patience = ring_patience(leg.caller)
    if patience is not None and patience >= timeout:
        patience = None  # the <Dial> times out before the caller gives up
    winner, waited = _pick_winner(leg, rings, patience or timeout, caller_id, document_url)
    if winner is None and patience is not None:
        return _caller_hung_up(leg, rings, caller_id, document_url, patience, waited)
    for ring in rings:
        if ring.log.status == "ringing":
            ring.log.status = "canceled" if winner else "no-answer"
        _finish(leg, ring, caller_id, document_url)
    outcome = _outcome(leg, rings, winner, timeout, waited)
    action = verb.get("action")
    if not action:
        return None
    params = {
        "DialCallStatus": outcome.status,
        "DialCallSid": outcome.dial_call_sid,
        "DialCallDuration": str(outcome.duration),
    }
    return Goto(resolve(document_url, action), verb.get("method") or "POST", params)


def _caller_id(leg: Leg, chosen: str | None) -> str:
    """The caller ID shown; an explicit one must be the account's (error 13214).

    The account's numbers are `Emulator.numbers` plus the Twilio end of this call: the number
    called for an inbound call, the number calling for one placed through the REST API.
    """
    if chosen is None:
        return leg.base["From"]
    own = leg.base["To"] if leg.base.get("Direction") == "inbound" else leg.base["From"]
    if chosen not in leg.emulator.numbers | {own}:
        raise TwimlError(
            f"<Dial callerId={chosen!r}>: not one of the account's numbers (error 13214)",
            code="13214",
        )
    return chosen


def _caller_hung_up(
    leg: Leg, rings: list[Ring], caller_id: str, document_url: str, after: int, waited: float
) -> Step:
    """The caller left while phones rang: cancel the legs; no action, nobody to continue."""
    leg.elapse(max(0.0, after - waited))
    leg.note("input", f"the caller hangs up after {after} s of ringing (during <Dial>)")
    for ring in rings:
        if ring.log.status == "ringing":
            ring.log.status = "canceled"
        _status_callback(leg, ring, caller_id, document_url, "completed", ring.log.status)
    numbers = tuple(r.number for r in rings)
    leg.log.dial_outcomes.append(DialOutcome("canceled", rings[0].log.call_sid, 0, None, numbers))
    leg.note("dial", "<Dial> canceled by the caller's hangup: its action is not requested")
    return End("caller-hangup")


def _start(leg: Leg, index: int, noun: Verb, caller_id: str, document_url: str) -> Ring:
    behaviour = leg.emulator.phones.behaviour(noun.text)
    log = LegLog(noun.text, repr(behaviour), leg.emulator.new_sid("CA"))
    leg.log.legs.append(log)
    ring = Ring(index, noun, behaviour, log)
    _status_callback(leg, ring, caller_id, document_url, "initiated", "initiated")
    if behaviour.network_result:
        log.status = behaviour.network_result
        leg.note("leg", f"{noun.text}: {behaviour.network_result}")
    else:
        log.status = "ringing"
        _status_callback(leg, ring, caller_id, document_url, "ringing", "ringing")
    return ring


def _finish(leg: Leg, ring: Ring, caller_id: str, document_url: str) -> None:
    """Send a leg's final (`completed` event) status callback, once."""
    if not ring.finished:
        ring.finished = True
        _status_callback(leg, ring, caller_id, document_url, "completed", ring.log.status)


def _pick_winner(
    leg: Leg, rings: list[Ring], timeout: int, caller_id: str, document_url: str
) -> tuple[Ring | None, float]:
    """The bridged leg (or None), and the seconds of ringing already waited."""
    pickups = sorted(
        (after, ring.index, ring)
        for ring in rings
        if ring.log.status == "ringing"
        and (after := ring.behaviour.answer_after) is not None
        and after <= timeout
    )
    first_pickup = leg.emulator.simultaneous_dial == "first-pickup"
    waited = 0.0
    for after, _, ring in pickups:
        if ring.log.status != "ringing":
            continue
        if after > waited:
            leg.elapse(after - waited)
            waited = float(after)
        ring.log.answered = True
        ring.log.status = "in-progress"
        leg.note("leg", f"{ring.number} picks up after {after} s ({ring.log.behaviour})")
        _status_callback(leg, ring, caller_id, document_url, "answered", "in-progress")
        if first_pickup:
            _hang_up_the_rest(leg, rings, ring, caller_id, document_url)
        bridged = _screen(leg, ring, caller_id, document_url)
        ring.log.status = "completed"
        if bridged:
            ring.log.bridged = True
            return ring, waited
        if first_pickup:
            _finish(leg, ring, caller_id, document_url)
            return None, waited
    return None, waited


def _hang_up_the_rest(
    leg: Leg, rings: list[Ring], picked: Ring, caller_id: str, document_url: str
) -> None:
    """Twilio's rule: the first leg to pick up ends every other one, before any screen."""
    for other in rings:
        if other is not picked and other.log.status == "ringing":
            other.log.status = "canceled"
            leg.note("leg", f"{other.number}: canceled, {picked.number} picked up first")
            _finish(leg, other, caller_id, document_url)


def _screen(leg: Leg, ring: Ring, caller_id: str, document_url: str) -> bool:
    """Run the Number's whisper on the child leg; True when the call may be bridged."""
    url = ring.noun.get("url")
    if not url:
        if ring.behaviour.is_voicemail:
            leg.log.add(
                "voicemail-bridge",
                f"!!! bridged to a personal voicemail: {ring.number}"
                " (no whisper url screened it): the caller talks to a machine",
                number=ring.number,
            )
            leg.hear("play", f"[messagerie personnelle de {ring.number}]", 0)
        return True
    child = leg.spawn(
        ring.behaviour.whisper_caller(), _child_params(leg, ring, caller_id), ring.log
    )
    after = hangup_after(ring.behaviour)
    if after is not None and leg.emulator.sim.current() is not None:
        child.hangup_at = leg.emulator.sim.elapsed + after
    reason = child.run(Goto(resolve(document_url, url), ring.noun.get("method") or "POST"))
    accepted = reason == "twiml-ended"
    verdict = "accepted: bridging" if accepted else f"not bridged ({reason})"
    leg.note("leg", f"{ring.number}: whisper {verdict}")
    return accepted


def _outcome(
    leg: Leg, rings: list[Ring], winner: Ring | None, timeout: int, waited: float
) -> DialOutcome:
    statuses = {r.log.status for r in rings}
    if winner:
        status, duration = "completed", winner.behaviour.talk_seconds
        leg.note("dial", f"bridged to {winner.number}, talk {duration} s")
        leg.elapse(duration)
    else:
        status = statuses.pop() if statuses in ({"busy"}, {"failed"}) else "no-answer"
        duration = 0
        leg.elapse(max(0.0, timeout - waited) if status == "no-answer" else 1)
    sid = winner.log.call_sid if winner else rings[0].log.call_sid
    outcome = DialOutcome(
        status, sid, duration, winner.number if winner else None, tuple(r.number for r in rings)
    )
    leg.log.dial_outcomes.append(outcome)
    leg.note("dial", f"<Dial> ended: DialCallStatus={status}")
    return outcome


def _child_params(leg: Leg, ring: Ring, caller_id: str) -> dict[str, str]:
    return {
        "CallSid": ring.log.call_sid,
        "ParentCallSid": leg.base["CallSid"],
        "AccountSid": leg.emulator.account_sid,
        "From": caller_id,
        "To": ring.number,
        "Caller": caller_id,
        "Called": ring.number,
        "Direction": "outbound-dial",
        "ApiVersion": leg.emulator.api_version,
    }


def _status_callback(
    leg: Leg, ring: Ring, caller_id: str, document_url: str, event: str, status: str
) -> None:
    """Per-Number statusCallback, only for the events the app asked for (default completed)."""
    url = ring.noun.get("statusCallback")
    events = (ring.noun.get("statusCallbackEvent") or "completed").split()
    if not url or event not in events:
        return
    params = {
        **_child_params(leg, ring, caller_id),
        "CallStatus": status,
        "SequenceNumber": str(ring.sequence),
        "Timestamp": leg.emulator.timestamp(),
        "CallbackSource": "call-progress-events",
    }
    if status in TERMINAL:
        talk = ring.behaviour.talk_seconds if ring.log.bridged else 0
        params["CallDuration"] = str(talk)
    ring.sequence += 1
    leg.callback(
        resolve(document_url, url), ring.noun.get("statusCallbackMethod") or "POST", params
    )
