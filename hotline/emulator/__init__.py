"""Offline Twilio emulator: places simulated calls into the app and executes its TwiML.

Only `hotline.emulator` modules are imported here, so the emulator can be used (and tested)
without the rest of the app.
"""

from hotline.emulator.call import Emulator
from hotline.emulator.callers import (
    Caller,
    GatherPrompt,
    HangUp,
    InteractiveCaller,
    Keys,
    RecordInput,
    RecordPrompt,
    ScriptedCaller,
    Silence,
    Speech,
)
from hotline.emulator.errors import EmulatorError, TwimlError
from hotline.emulator.log import CallLog, DialOutcome, Event, LegLog, RecordingLog, WebhookCall
from hotline.emulator.phones import (
    Answers,
    Busy,
    Fails,
    NoAnswer,
    PersonalVoicemail,
    PhoneBehaviour,
    PhoneBook,
)
from hotline.emulator.signing import compute_signature
from hotline.emulator.transport import HttpTransport, Transport, WebhookResponse, WsgiTransport
from hotline.emulator.twiml import Verb, parse_twiml

__all__ = [
    "Answers",
    "Busy",
    "CallLog",
    "Caller",
    "DialOutcome",
    "Emulator",
    "EmulatorError",
    "Event",
    "Fails",
    "GatherPrompt",
    "HangUp",
    "HttpTransport",
    "InteractiveCaller",
    "Keys",
    "LegLog",
    "NoAnswer",
    "PersonalVoicemail",
    "PhoneBehaviour",
    "PhoneBook",
    "RecordInput",
    "RecordPrompt",
    "RecordingLog",
    "ScriptedCaller",
    "Silence",
    "Speech",
    "Transport",
    "TwimlError",
    "Verb",
    "WebhookCall",
    "WebhookResponse",
    "WsgiTransport",
    "compute_signature",
    "parse_twiml",
]
