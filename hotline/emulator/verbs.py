"""Executing the caller-facing verbs: Say, Play, Pause, Gather, Redirect, Hangup, Reject.

Each handler returns None to continue with the next verb, a `Goto` to fetch another document,
or an `End`. <Record> lives in `recording.py`, <Dial> in `dial.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.emulator.callers import GatherInput, GatherPrompt, HangUp, Keys, Speech
from hotline.emulator.errors import TwimlError
from hotline.emulator.playback import fetch_audio
from hotline.emulator.recording import record
from hotline.emulator.steps import End, Goto, Step, resolve
from hotline.emulator.twiml import Verb

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

__all__ = ["gather", "hangup", "pause", "play", "record", "redirect", "reject", "say"]

WORDS_PER_SECOND = 2.5
PLAY_SECONDS = 5
DEFAULT_GATHER_TIMEOUT = 5


def say(leg: Leg, verb: Verb, document_url: str) -> Step:
    loop = verb.number("loop", 1)
    seconds = max(1.0, len(verb.text.split()) / WORDS_PER_SECOND) * max(loop, 1)
    leg.hear("say", verb.text, seconds)
    if loop != 1:
        leg.note("note", "(repeated until input)" if loop == 0 else f"(repeated x{loop})")
    return None


def play(leg: Leg, verb: Verb, document_url: str) -> Step:
    if verb.text:
        url = resolve(document_url, verb.text)
        if fetch_audio(leg, url):
            leg.hear("play", f"[audio {url}]", PLAY_SECONDS)
    if verb.get("digits"):
        leg.hear("play", f"[DTMF {verb.get('digits')}]", 1)
    return None


def pause(leg: Leg, verb: Verb, document_url: str) -> Step:
    length = verb.number("length", 1)
    leg.hear("pause", f"[pause {length} s]", length)
    return None


def redirect(leg: Leg, verb: Verb, document_url: str) -> Step:
    target = resolve(document_url, verb.text)
    leg.note("note", f"<Redirect> to {target}")
    return Goto(target, verb.get("method") or "POST")


def hangup(leg: Leg, verb: Verb, document_url: str) -> Step:
    leg.note("end", "<Hangup/>: the app hangs up")
    return End("hangup-verb")


def reject(leg: Leg, verb: Verb, document_url: str) -> Step:
    reason = verb.get("reason") or "rejected"
    if leg.staff is not None:
        raise TwimlError("<Reject> only applies to incoming calls, not to a whisper leg")
    if leg.documents == 1 and leg.verb_index == 0:
        # Twilio: never answered; the call ends busy or no-answer depending on the reason.
        leg.state.final_status = "busy" if reason == "busy" else "no-answer"
        leg.note("end", f"<Reject reason={reason}>: the call is refused without being answered")
    else:
        leg.note("end", f"<Reject reason={reason}> after the call was answered: hangs up")
    return End("reject")


_PROMPTS = {"Say": say, "Play": play, "Pause": pause}


def gather(leg: Leg, verb: Verb, document_url: str) -> Step:
    """Play nested prompts, ask the caller, then post the input or fall through on silence."""
    prompt = GatherPrompt(
        modes=frozenset((verb.get("input") or "dtmf").split()),
        num_digits=verb.number("numDigits", 0) or None,
        finish_on_key=verb.get("finishOnKey", "#") or "",
        timeout=verb.number("timeout", DEFAULT_GATHER_TIMEOUT),
    )
    answer = _play_nested(leg, verb, prompt, document_url)
    if answer is None:
        answer = leg.caller.gather(prompt)
    if isinstance(answer, HangUp):
        leg.note("input", f"{answer.reason} (during <Gather>)")
        return End("caller-hangup")
    params = gather_params(answer, prompt)
    action = resolve(document_url, verb.get("action"))
    method = verb.get("method") or "POST"
    if params:
        _report_input(leg, params)
        return Goto(action, method, params)
    leg.elapse(prompt.timeout)
    leg.note("input", f"no input: <Gather> timed out after {prompt.timeout} s", answer=repr(answer))
    if verb.flag("actionOnEmptyResult", False):
        return Goto(action, method, {})
    return None


def _play_nested(
    leg: Leg, verb: Verb, prompt: GatherPrompt, document_url: str
) -> GatherInput | None:
    """Play the prompts nested in a <Gather>; the input that interrupts them, if any.

    Twilio stops the nested <Say>/<Play>/<Pause> as soon as the caller presses a key or
    speaks (`bargeIn`, default true) and takes that input. Input the <Gather> does not
    listen for (keys to `input="speech"`) interrupts nothing. With `bargeIn="false"` the
    stricter reading: input during the prompts is lost, and the caller is asked again after.
    """
    listen = getattr(leg.caller, "barge_in", None)
    for index, child in enumerate(verb.children, start=1):
        early = listen(prompt, index) if listen is not None else None
        if early is not None and gather_params(early, prompt):
            if verb.flag("bargeIn", True):
                _interrupted(leg, child, index)
                return early
            leg.note("input", f"{early!r} during nested prompt {index}: not heard (bargeIn=false)")
        _PROMPTS[child.name](leg, child, document_url)
    return None


def _interrupted(leg: Leg, child: Verb, index: int) -> None:
    """The caller hears the first words of the prompt they cut, then nothing more."""
    first = " ".join(child.text.split()[:2]) if child.name == "Say" else f"[{child.name}]"
    leg.hear(child.name.lower(), f"{first} … [interrompu]", 1)
    leg.note("input", f"barge-in: input during nested prompt {index}, the rest is not played")


def gather_params(answer: GatherInput, prompt: GatherPrompt) -> dict[str, str]:
    """The action parameters for this input, or {} when the <Gather> sees no input.

    Keys pressed to a speech-only Gather, or words spoken to a dtmf-only one, are not heard.
    The finish key ends input and is not included; keys after numDigits are dropped.
    """
    if isinstance(answer, Speech):
        if "speech" not in prompt.modes:
            return {}
        return {"SpeechResult": answer.text, "Confidence": answer.confidence}
    if not isinstance(answer, Keys) or "dtmf" not in prompt.modes:
        return {}
    digits = ""
    for key in answer.keys:
        if prompt.finish_on_key and key == prompt.finish_on_key:
            break
        digits += key
        if prompt.num_digits and len(digits) == prompt.num_digits:
            break
    return {"Digits": digits} if digits else {}


def _report_input(leg: Leg, params: dict[str, str]) -> None:
    if "Digits" in params:
        leg.note("input", f"keys: {params['Digits']}")
        if leg.staff is not None:
            leg.staff.pressed.append(params["Digits"])
        leg.elapse(len(params["Digits"]))
    else:
        leg.note("input", f"speech: {params['SpeechResult']!r}")
        leg.elapse(2)
