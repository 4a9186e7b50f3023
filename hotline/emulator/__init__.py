"""Offline Twilio emulator: places simulated calls into the app and executes its TwiML.

Inbound: `Emulator.place_call`. Outbound: `FakeTwilio`, the REST API subset the gateway uses,
reached by the real twilio client through `EmulatorHttpClient` or the local server (`serve`).

Only `hotline.emulator` modules are imported here, so the emulator can be used (and tested)
without the rest of the app.

Simulated time and group calls (test-facing API; behaviours and their sources: BEHAVIOUR.md)
-------------------------------------------------------------------------------------------
- Every call runs in simulated time: `Emulator(..., seed=0, calls_per_second=1,
  max_concurrent_calls=None, simultaneous_dial="first-pickup")`. `emulator.sim` is the
  `Scheduler`: `advance(seconds)`, `run_until_idle()`, `elapsed`, `between` (callables run
  before each event: the app's jobs, in `hotline call` and the tests); `emulator.now()` is the
  simulated wall clock (the given `clock` + elapsed), which the app's clock can follow.
- `place_call` runs one inbound call to its end; `start_call` only starts it (drive `sim`).
- `FakeTwilio(emulator, autodispatch=False)`: `run_pending()` places REST calls at their
  pacing slots (`queue_time` in the create response) and runs the simulation until idle;
  with `autodispatch=True` calls created by webhooks ring without `run_pending()`.
  Over `max_concurrent_calls`, creating a call or a participant fails with 16021.
- Conferences: `<Dial><Conference>` and `client.conferences(...)` / `.participants` through
  the real twilio client; `emulator.conferences.get(name_or_sid)` gives the room:
  `participants`, `history`, `events`, `callbacks(event)`, `transcript()`;
  `transcript.participant_summaries(room)` and `transcript.timeline(emulator)`.
- Simulated people (`PhoneBook`): `Answers(press="1 wait:60 *", pickup_seconds=2,
  hangup_after=90)`, `PersonalVoicemail(pickup_seconds=2)`, `NoAnswer()`, `Busy()`, `Fails()`;
  an inbound caller is a `ScriptedCaller("1 wait:30 * 2 wait:60 hangup")`.
"""

from hotline.emulator.account import Account
from hotline.emulator.call import Emulator, InboundCall
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
    Stay,
    VoicemailCaller,
)
from hotline.emulator.conference import Conference, Conferences, JoinSpec, Participant
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
from hotline.emulator.sim import Scheduler, Signal
from hotline.emulator.transcript import (
    ParticipantSummary,
    conference_transcript,
    participant_summaries,
    timeline,
)
from hotline.emulator.transport import HttpTransport, Transport, WebhookResponse, WsgiTransport
from hotline.emulator.twiml import Verb, parse_twiml

__all__ = [
    "Account",
    "Answers",
    "Conference",
    "Conferences",
    "InboundCall",
    "JoinSpec",
    "Participant",
    "ParticipantSummary",
    "Scheduler",
    "Signal",
    "Stay",
    "VoicemailCaller",
    "conference_transcript",
    "participant_summaries",
    "timeline",
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
