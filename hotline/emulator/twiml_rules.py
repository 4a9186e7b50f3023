"""What TwiML the emulator accepts: verbs, their attributes, allowed values and nesting.

The tables follow Twilio's TwiML reference but refuse anything not listed, and refuse values
Twilio would silently tolerate (a Python list rendered by the helper library, "True", "None").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A check returns an error message, or None when the value is acceptable.
Check = Callable[[str], str | None]

DTMF_KEYS = frozenset("0123456789*#")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PYTHON_REPR = re.compile(r"^\s*(\[.*\]|\(.*\)|\{.*\}|None|True|False)\s*$", re.DOTALL)


def looks_like_python(value: str) -> bool:
    """A list, tuple, dict, None or capitalised bool rendered with str(): a helper-library slip."""
    return bool(_PYTHON_REPR.match(value))


def integer(low: int | None = None, high: int | None = None) -> Check:
    def check(value: str) -> str | None:
        if not re.fullmatch(r"-?\d+", value.strip()) or value != value.strip():
            return "must be an integer"
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            return f"must be between {low} and {high}"
        return None

    return check


def boolean(value: str) -> str | None:
    return None if value in ("true", "false") else 'must be "true" or "false"'


def one_of(*allowed: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


def event_set(*allowed: str) -> Check:
    """A space-separated subset, the only list form TwiML accepts."""

    def check(value: str) -> str | None:
        events = value.split(" ")
        if not value or any(e not in allowed for e in events) or len(set(events)) != len(events):
            return f"must be space-separated values among {' '.join(allowed)}"
        return None

    return check


def url(value: str) -> str | None:
    if not value or any(c.isspace() for c in value):
        return "must be a non-empty URL without spaces"
    return None


def url_or_empty(value: str) -> str | None:
    return None if value == "" else url(value)


def text(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def keys(*, single: bool, allow_empty: bool, extra: str = "") -> Check:
    def check(value: str) -> str | None:
        if value == "":
            return None if allow_empty else "must not be empty"
        if any(c not in DTMF_KEYS and c not in extra for c in value):
            return "must contain only 0-9, * and #"
        if single and len(value) != 1:
            return "must be a single key"
        return None

    return check


def integer_or_auto(value: str) -> str | None:
    return None if value == "auto" else integer(0)(value)


METHOD = one_of("GET", "POST")
RECORDING_EVENTS = event_set("in-progress", "completed", "absent")
DIAL_RECORD = one_of(
    "do-not-record",
    "record-from-answer",
    "record-from-ringing",
    "record-from-answer-dual",
    "record-from-ringing-dual",
)
TRIM = one_of("trim-silence", "do-not-trim")
# <Dial ringTone>: the country codes of Twilio's <Dial> page, nothing else.
RING_TONES = one_of(
    *("at", "au", "bg", "br", "be", "ch", "cl", "cn", "cz", "de", "dk", "ee", "es", "fi"),
    *("fr", "gr", "hu", "il", "in", "it", "lt", "jp", "mx", "my", "nl", "no", "nz", "ph"),
    *("pl", "pt", "ru", "se", "sg", "th", "uk", "us", "us-old", "tw", "ve", "za"),
)


@dataclass(frozen=True)
class VerbRule:
    """Allowed attributes, children and text for one TwiML element."""

    attributes: Mapping[str, Check]
    children: frozenset[str] = frozenset()
    text: str = "forbidden"  # "forbidden" | "required" | "optional"


PROMPTS = frozenset({"Say", "Play", "Pause"})
TOP_LEVEL = frozenset(
    {"Say", "Play", "Pause", "Gather", "Record", "Dial", "Redirect", "Hangup", "Reject"}
)
SSML_TAGS = frozenset(
    {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)

RULES: dict[str, VerbRule] = {
    "Say": VerbRule({"voice": text, "language": text, "loop": integer(0)}, text="required"),
    "Play": VerbRule(
        {"loop": integer(0), "digits": keys(single=False, allow_empty=False, extra="w")},
        text="optional",
    ),
    "Pause": VerbRule({"length": integer(0)}),
    "Gather": VerbRule(
        {
            "input": one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
            "action": url,
            "method": METHOD,
            "timeout": integer(1),
            "finishOnKey": keys(single=True, allow_empty=True),
            "numDigits": integer(1),
            "language": text,
            "hints": text,
            "speechTimeout": integer_or_auto,
            "actionOnEmptyResult": boolean,
            "speechModel": text,
            "profanityFilter": boolean,
            "partialResultCallback": url,
            "partialResultCallbackMethod": METHOD,
            "bargeIn": boolean,
            "enhanced": boolean,
        },
        children=PROMPTS,
    ),
    "Record": VerbRule(
        {
            "action": url,
            "method": METHOD,
            "timeout": integer(0),
            "finishOnKey": keys(single=False, allow_empty=True),
            "maxLength": integer(1),
            "playBeep": boolean,
            "trim": TRIM,
            "recordingStatusCallback": url,
            "recordingStatusCallbackMethod": METHOD,
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "transcribe": boolean,
            "transcribeCallback": url,
        }
    ),
    "Dial": VerbRule(
        {
            "action": url,
            "method": METHOD,
            "timeout": integer(5, 600),
            "callerId": text,
            "hangupOnStar": boolean,
            "timeLimit": integer(1, 14400),
            "record": DIAL_RECORD,
            "trim": TRIM,
            "answerOnBridge": boolean,
            "ringTone": RING_TONES,
            "recordingStatusCallback": url,
            "recordingStatusCallbackMethod": METHOD,
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
        },
        children=frozenset({"Number", "Conference"}),
        text="optional",
    ),
    "Number": VerbRule(
        {
            "url": url,
            "method": METHOD,
            "statusCallback": url,
            "statusCallbackMethod": METHOD,
            "statusCallbackEvent": event_set("initiated", "ringing", "answered", "completed"),
            "sendDigits": keys(single=False, allow_empty=False, extra="w"),
            "machineDetection": one_of("Enable", "DetectMessageEnd"),
            "machineDetectionTimeout": integer(3, 60),
            "amdStatusCallback": url,
            "amdStatusCallbackMethod": METHOD,
            "byoc": text,
        },
        text="required",
    ),
    "Conference": VerbRule(
        {
            "muted": boolean,
            "beep": one_of("true", "false", "onEnter", "onExit"),
            "startConferenceOnEnter": boolean,
            "endConferenceOnExit": boolean,
            "waitUrl": url_or_empty,
            "waitMethod": METHOD,
            "statusCallback": url,
            "statusCallbackMethod": METHOD,
            "statusCallbackEvent": event_set(
                "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"
            ),
            "maxParticipants": integer(2, 250),
            "record": one_of("do-not-record", "record-from-start"),
            "trim": TRIM,
            "recordingStatusCallback": url,
            "recordingStatusCallbackMethod": METHOD,
            "recordingStatusCallbackEvent": RECORDING_EVENTS,
            "region": text,
            "participantLabel": text,
            "coach": text,
            "jitterBufferSize": one_of("off", "small", "medium", "large"),
        },
        text="required",
    ),
    "Redirect": VerbRule({"method": METHOD}, text="required"),
    "Hangup": VerbRule({}),
    "Reject": VerbRule({"reason": one_of("rejected", "busy")}),
}

# Attributes that may legitimately be empty strings (an empty finishOnKey disables it).
EMPTY_ALLOWED = frozenset(
    {("Gather", "finishOnKey"), ("Record", "finishOnKey"), ("Conference", "waitUrl")}
)
MAX_NUMBERS_PER_DIAL = 10
