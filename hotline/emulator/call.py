"""The emulator's entry point: place a simulated inbound call into the app, as Twilio would.

`Emulator.place_call` posts the documented parameters to the number's Voice URL, signed with
`X-Twilio-Signature`, runs the TwiML returned, and finally posts the call's status callback.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from hotline.emulator.callers import Caller, ScriptedCaller
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import CallLog, RecordingLog, StoredRecording
from hotline.emulator.ordering import CALLBACK_ORDERS
from hotline.emulator.phones import PhoneBook
from hotline.emulator.session import CallState, Leg
from hotline.emulator.signing import signed_request
from hotline.emulator.steps import Goto
from hotline.emulator.transport import Transport, WebhookResponse

API_VERSION = "2010-04-01"
DEFAULT_MAX_STEPS = 60


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two-letter prefix and 32 hex digits."""
    return prefix + uuid.uuid4().hex


class Emulator:
    """Places simulated calls into a webhook app and records what happens.

    `strict` (default) raises on any HTTP error, non-XML body or invalid TwiML so tests fail
    loudly; with `strict=False` the caller hears Twilio's application-error message instead.
    `callback_order="seeded"` shuffles a <Record>'s callbacks reproducibly from `seed`
    (see `ordering`); `empty_recording` picks how Twilio's docs have described an empty
    <Record>: "skip" the action (today's page) or request it with a silent "action".
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
        callback_order: str = "documented",
        seed: int = 0,
        empty_recording: str = "skip",
    ) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise EmulatorError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid or new_sid("AC")
        self.phones = phones or PhoneBook()
        self.voice_path = voice_path
        self.status_path = status_path
        self.api_base = api_base.rstrip("/")
        self.strict = strict
        self.max_steps = max_steps
        self.clock = clock or (lambda: datetime.now(UTC))
        self.country = country
        if callback_order not in CALLBACK_ORDERS:
            raise EmulatorError(f"callback_order must be one of {CALLBACK_ORDERS}")
        if empty_recording not in ("skip", "action"):
            raise EmulatorError('empty_recording must be "skip" or "action"')
        self.callback_order = callback_order
        self.rng = random.Random(seed)
        self.empty_recording = empty_recording
        # Completed recordings by sid: Twilio keeps them until deleted through the REST API.
        self.recordings: dict[str, StoredRecording] = {}

    def url(self, path_or_url: str) -> str:
        """An absolute URL: full URLs are kept as given, paths are appended to base_url."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def new_sid(self, prefix: str) -> str:
        return new_sid(prefix)

    def account_url(self) -> str:
        return f"{self.api_base}/{API_VERSION}/Accounts/{self.account_sid}"

    def recording_url(self, sid: str) -> str:
        return f"{self.account_url()}/Recordings/{sid}"

    def register_recording(self, call_sid: str, recording: RecordingLog) -> None:
        """Keep a completed recording so `FakeTwilio` can fetch, serve and delete it."""
        self.recordings[recording.sid] = StoredRecording(call_sid, recording, self.clock())

    def timestamp(self) -> str:
        """RFC 2822, as Twilio's status callbacks carry it."""
        return format_datetime(self.clock().astimezone(UTC), usegmt=True)

    def send(self, method: str, url: str, params: Mapping[str, str]) -> tuple[str, WebhookResponse]:
        """Sign and deliver one request; return the exact URL sent and the response."""
        sent_url, body, headers = signed_request(self.auth_token, method, url, params)
        return sent_url, self.transport.request(method, sent_url, body, headers)

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
        """Run one inbound call from `from_` to `to` until it ends; return its log."""
        call_sid = new_sid("CA")
        state = CallState(CallLog(call_sid, from_, to), self.max_steps)
        base = self.call_params(call_sid, from_, to)
        leg = Leg(self, state, caller or ScriptedCaller(), base)
        state.log.ended_by = leg.run(Goto(self.url(self.voice_path)))
        self._final_status(leg, state)
        for send in state.after_end:
            send()
        return state.log

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
