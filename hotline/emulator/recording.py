"""Executing <Record>: the beep, the simulated recording, the action request and callbacks.

Follows Twilio's documentation: the action is requested with RecordingUrl, RecordingDuration
and Digits (RecordingSid is not among its documented parameters); the file may not be
accessible yet when the action is sent, so it is served (404 before) only once the
recording status is "completed"; an empty recording skips the action and falls through to
the next verb (or, as the docs once said, requests it with a silent recording:
`empty_recording="action"`); a caller hanging up still triggers the action request (its
TwiML is ignored). The order of these callbacks is not fixed: see `ordering`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.emulator import ordering
from hotline.emulator.callers import HangUp, Keys, RecordInput, RecordPrompt
from hotline.emulator.log import RecordingLog
from hotline.emulator.steps import End, Goto, Step, resolve
from hotline.emulator.twiml import Verb

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

ANY_KEY = "1234567890*#"
SILENT_RECORDING_ERROR = "16102"
TRANSCRIPTION_MAX_SECONDS = 120
FAKE_TRANSCRIPT = "(transcription simulée par l'émulateur)"


def record(leg: Leg, verb: Verb, document_url: str) -> Step:
    if verb.flag("playBeep", True):
        leg.hear("beep", "[beep]", 1)
    prompt = RecordPrompt(
        finish_on_key=verb.get("finishOnKey", ANY_KEY) or "",
        timeout=verb.number("timeout", 5),
        max_length=verb.number("maxLength", 3600),
    )
    answer = leg.caller.record(prompt)
    hung_up = isinstance(answer.end, HangUp)
    if answer.seconds == 0 and leg.emulator.empty_recording == "skip":
        _empty(leg, verb, document_url)
        return End("caller-hangup") if hung_up else None
    if answer.seconds == 0:
        recording = _silent_recording(leg, verb)
    else:
        recording = _make_recording(leg, verb, document_url, prompt, answer)
    # The documented action parameters: no RecordingSid (the app derives it from the URL).
    params = {"RecordingUrl": recording.url, "RecordingDuration": str(recording.duration)}
    if recording.digits is not None:
        params["Digits"] = recording.digits
    action = resolve(document_url, verb.get("action"))
    method = verb.get("method") or "POST"

    def after_action() -> None:
        _status_callbacks(leg, verb, document_url, recording)

    if hung_up:
        ordering.after_hangup(
            leg, [lambda: _action_after_hangup(leg, action, method, params), after_action]
        )
        return End("caller-hangup")
    moment = ordering.status_moment(leg)
    if moment == "before-action":
        after_action()
        return Goto(action, method, params)
    if moment == "after-call":
        return Goto(action, method, params, then=lambda: ordering.after_the_call(leg, after_action))
    return Goto(action, method, params, then=after_action)


def _silent_recording(leg: Leg, verb: Verb) -> RecordingLog:
    """The other documented empty <Record>: the action is requested, the audio is silence."""
    sid = leg.emulator.new_sid("RE")
    recording = RecordingLog(sid, leg.emulator.recording_url(sid), 0, "absent", None)
    leg.log.recordings.append(recording)
    leg.note("record", f"empty recording: the action is requested with a silent one -> {sid}")
    leg.elapse(verb.number("timeout", 5))
    return recording


def _end_digits(answer: RecordInput, finish_on_key: str) -> str | None:
    """Digits as Twilio reports them: the finishing key, "hangup", or absent on silence."""
    if isinstance(answer.end, HangUp):
        return "hangup"
    if isinstance(answer.end, Keys):
        return next((k for k in answer.end.keys if k in finish_on_key), None)
    return None


def _make_recording(
    leg: Leg, verb: Verb, document_url: str, prompt: RecordPrompt, answer: RecordInput
) -> RecordingLog:
    digits = _end_digits(answer, prompt.finish_on_key)
    duration = min(answer.seconds, prompt.max_length)
    if digits is None and verb.get("trim") == "do-not-trim":
        duration = min(duration + prompt.timeout, prompt.max_length)
    sid = leg.emulator.new_sid("RE")
    recording = RecordingLog(sid, leg.emulator.recording_url(sid), duration, "completed", digits)
    leg.log.recordings.append(recording)
    ended = {None: "silence", "hangup": "caller hung up"}.get(digits, f"key {digits}")
    leg.note("record", f"recorded {duration} s (ended by {ended}) -> {sid}", sid=sid)
    leg.elapse(duration)
    if "in-progress" in _events(verb):
        _send_status(leg, verb, document_url, recording, "in-progress")
    return recording


def _empty(leg: Leg, verb: Verb, document_url: str) -> None:
    sid = leg.emulator.new_sid("RE")
    recording = RecordingLog(sid, leg.emulator.recording_url(sid), 0, "absent", None)
    leg.log.recordings.append(recording)
    leg.note("record", "empty recording: no action request, continuing with the next verb")
    leg.elapse(verb.number("timeout", 5))
    callback = verb.get("recordingStatusCallback")
    if callback and ("absent" in _events(verb) or verb.get("recordingStatusCallbackEvent") is None):
        _send_status(leg, verb, document_url, recording, "absent")


def _events(verb: Verb) -> list[str]:
    return (verb.get("recordingStatusCallbackEvent") or "completed").split()


def _action_after_hangup(leg: Leg, action: str, method: str, params: dict[str, str]) -> None:
    leg.note(
        "note",
        "caller hung up during <Record>: the action is still requested, its TwiML is ignored",
    )
    leg.callback(action, method, leg.params(params, status="completed"))


def _status_callbacks(leg: Leg, verb: Verb, document_url: str, recording: RecordingLog) -> None:
    """Processing is over: the file can be fetched from now on (404 before), and said so."""
    if recording.status == "absent":
        if "absent" in _events(verb) or verb.get("recordingStatusCallbackEvent") is None:
            _send_status(leg, verb, document_url, recording, "absent")
        return
    leg.emulator.register_recording(leg.base["CallSid"], recording)
    if verb.get("recordingStatusCallback") and "completed" in _events(verb):
        _send_status(leg, verb, document_url, recording, "completed")
    if verb.flag("transcribe", False) and verb.get("transcribeCallback"):
        _send_transcription(leg, verb, document_url, recording)


def _send_status(
    leg: Leg, verb: Verb, document_url: str, recording: RecordingLog, status: str
) -> None:
    url = verb.get("recordingStatusCallback")
    if not url:
        return
    params = {
        "AccountSid": leg.emulator.account_sid,
        "CallSid": leg.base["CallSid"],
        "RecordingSid": recording.sid,
        "RecordingUrl": recording.url,
        "RecordingStatus": status,
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": leg.emulator.timestamp(),
    }
    if status != "in-progress":
        params["RecordingDuration"] = str(recording.duration)
    if status == "absent":
        params["ErrorCode"] = SILENT_RECORDING_ERROR
    method = verb.get("recordingStatusCallbackMethod") or "POST"
    leg.callback(resolve(document_url, url), method, params)


def _send_transcription(leg: Leg, verb: Verb, document_url: str, recording: RecordingLog) -> None:
    ok = recording.duration <= TRANSCRIPTION_MAX_SECONDS
    sid = leg.emulator.new_sid("TR")
    params = {
        "AccountSid": leg.emulator.account_sid,
        "CallSid": leg.base["CallSid"],
        "RecordingSid": recording.sid,
        "RecordingUrl": recording.url,
        "TranscriptionSid": sid,
        "TranscriptionStatus": "completed" if ok else "failed",
        "TranscriptionText": FAKE_TRANSCRIPT if ok else "",
        "TranscriptionUrl": f"{leg.emulator.account_url()}/Transcriptions/{sid}",
    }
    leg.callback(resolve(document_url, verb.get("transcribeCallback")), "POST", params)
