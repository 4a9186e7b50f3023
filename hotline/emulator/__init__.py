"""Offline Twilio emulator: places simulated calls into the app and executes its TwiML.

Inbound: `Emulator.place_call`. Outbound: `FakeTwilio`, the REST API subset the gateway uses,
reached by the real twilio client through `EmulatorHttpClient` or the local server (`serve`).

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
from hotline.emulator.http_client import EmulatorHttpClient, emulator_client
from hotline.emulator.log import (
    CallLog,
    DialOutcome,
    Event,
    LegLog,
    RecordingLog,
    StoredRecording,
    WebhookCall,
)
from hotline.emulator.outbound import Instructions, OutboundCall
from hotline.emulator.phones import (
    Answers,
    Busy,
    Fails,
    NoAnswer,
    PersonalVoicemail,
    PhoneBehaviour,
    PhoneBook,
)
from hotline.emulator.rest import FakeTwilio
from hotline.emulator.server import run_emulator_server, serve
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
    "EmulatorHttpClient",
    "Event",
    "Fails",
    "FakeTwilio",
    "GatherPrompt",
    "HangUp",
    "HttpTransport",
    "Instructions",
    "InteractiveCaller",
    "Keys",
    "LegLog",
    "NoAnswer",
    "OutboundCall",
    "PersonalVoicemail",
    "PhoneBehaviour",
    "PhoneBook",
    "RecordInput",
    "RecordPrompt",
    "RecordingLog",
    "ScriptedCaller",
    "Silence",
    "Speech",
    "StoredRecording",
    "Transport",
    "TwimlError",
    "Verb",
    "WebhookCall",
    "WebhookResponse",
    "WsgiTransport",
    "compute_signature",
    "emulator_client",
    "parse_twiml",
    "run_emulator_server",
    "serve",
]
