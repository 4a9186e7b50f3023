"""A fake of the Twilio REST API subset the gateway uses: calls, messages and recordings.

It answers the paths twilio-python 9.13 builds (`/2010-04-01/Accounts/{AccountSid}/...json`)
with JSON shaped like Twilio's, checks HTTP basic auth against the emulator's account sid and
auth token (401 otherwise), and refuses bad requests with Twilio's error codes. Reach it with
the real `twilio` client, in-process through `EmulatorHttpClient` or over HTTP via `serve()`.

Nothing runs inside a REST request: created calls are queued (status `queued`, as Twilio
answers) and placed by `run_pending()`, which tests call and the server's runner thread calls
after each request. So every webhook the app receives arrives outside the request that caused
it, exactly as with Twilio — and a canceled queued call never rings.

Calls (and conference participants) are paced by the account's `calls_per_second` and limited
by `max_concurrent_calls` (see `account.py`): `run_pending()` hands them to the emulator's
simulation, each starting at its pacing slot, and runs it until nothing is scheduled.
With `autodispatch=True` a created call is handed to the simulation at once, so calls created
by a webhook of a running call (the app ringing staff while a caller waits in a conference)
ring without the test calling `run_pending()`.
"""

from __future__ import annotations

import functools
import hmac
import logging
import re
import threading
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from hotline.emulator.call import API_VERSION, Emulator
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import RecordingLog, StoredRecording, WebhookCall
from hotline.emulator.media import silent_media
from hotline.emulator.outbound import OutboundCall, run_call
from hotline.emulator.rest_calls import call_resource, new_call, rfc2822, update_call
from hotline.emulator.rest_conference_routes import ConferenceEndpoints
from hotline.emulator.rest_faults import FaultPlan
from hotline.emulator.rest_http import (
    AUTHENTICATE,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    ApiError,
    RestRequest,
    RestResponse,
)
from hotline.emulator.rest_messages import (
    delivery_statuses,
    message_callback_params,
    new_message,
    recording_resource,
)

logger = logging.getLogger(__name__)

ACCOUNT_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<rest>.+)$")
Handler = Callable[[RestRequest, dict[str, str]], RestResponse]


_RECORDING_SID = re.compile(r"RE[0-9a-f]{32}")
_CREATION = re.compile(rf"^/{API_VERSION}/Accounts/[^/]+/(?P<resource>Calls|Messages)\.json$")


class FakeTwilio(ConferenceEndpoints):
    """State and endpoints of the fake REST API, in front of one `Emulator`.

    `calls` (by sid), `messages` (the JSON dicts, in order) and `recordings` (made by `<Record>`
    on any emulated call) are public so tests can assert "exactly one SMS" and the like.
    """

    def __init__(self, emulator: Emulator, *, autodispatch: bool = False) -> None:
        self.emulator = emulator
        self.autodispatch = autodispatch
        self._placed: list[OutboundCall] = []
        self.calls: dict[str, OutboundCall] = {}
        self.messages: list[dict[str, Any]] = []
        self.message_requests: list[WebhookCall] = []
        self.on_queued: Callable[[], None] | None = None
        # Server mode: `hotline call` runs in another process with its own emulator, so the
        # messages it records are unknown here; serve any well-formed SID as a silent file.
        self.adopt_unknown_recordings = False
        self.faults = FaultPlan()  # 429s, 5xx and silences asked for by a test
        self._message_callbacks: dict[str, str | None] = {}
        self._pending: deque[tuple[str, str]] = deque()
        self._lock = threading.RLock()
        self._runner = threading.Lock()
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
            (re.compile(r"^Calls\.json$"), {"POST": self._create_call}),
            (
                re.compile(r"^Calls/(?P<sid>\w+)\.json$"),
                {"GET": self._fetch_call, "POST": self._update_call},
            ),
            (re.compile(r"^Messages\.json$"), {"POST": self._create_message}),
            (re.compile(r"^Messages/(?P<sid>\w+)\.json$"), {"GET": self._fetch_message}),
            (
                re.compile(r"^Recordings/(?P<sid>\w+)\.json$"),
                {"GET": self._fetch_recording, "DELETE": self._delete_recording},
            ),
            (re.compile(r"^Recordings/(?P<sid>\w+)\.(?P<ext>mp3|wav)$"), {"GET": self._media}),
            (re.compile(r"^Conferences\.json$"), {"GET": self._list_conferences}),
            (
                re.compile(r"^Conferences/(?P<conf>[^/]+)\.json$"),
                {"GET": self._fetch_conference, "POST": self._update_conference},
            ),
            (
                re.compile(r"^Conferences/(?P<conf>[^/]+)/Participants\.json$"),
                {"GET": self._list_participants, "POST": self._create_participant},
            ),
            (
                re.compile(r"^Conferences/(?P<conf>[^/]+)/Participants/(?P<key>[^/]+)\.json$"),
                {
                    "GET": self._fetch_participant,
                    "POST": self._update_participant,
                    "DELETE": self._delete_participant,
                },
            ),
        ]

    @property
    def account_sid(self) -> str:
        return self.emulator.account_sid

    @property
    def recordings(self) -> dict[str, StoredRecording]:
        return self.emulator.recordings

    def handle(self, request: RestRequest) -> RestResponse:
        """Answer one REST request: authenticate, route by path, validate, act."""
        try:
            self._authenticate(request)
            handler, match = self._route(request)
            self._planned_failure(request)
            with self._lock:
                response = handler(request, match)
        except ApiError as err:
            return err.response()
        if request.method != "GET" and response.status < 300:
            if self.autodispatch:
                self.dispatch()
            if self.on_queued is not None:
                self.on_queued()
        return response

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        times: int = 1,
        resource: str | None = None,
        message: str | None = None,
    ) -> None:
        """The next `times` creations (of `resource`: "Calls", "Messages", or any) fail so;
        `resource="Recordings"`: the next deletions of a recording."""
        self.faults.fail_next(status, code, times, resource, message)

    def stall_next(self, times: int = 1, resource: str | None = None) -> None:
        """The next `times` creations are never answered (the client's timeout fires)."""
        self.faults.stall_next(times, resource)

    def _planned_failure(self, request: RestRequest) -> None:
        """Account-wide failures first, then the called number's own (a geo permission)."""
        found = _CREATION.match(request.path)
        if request.method != "POST" or found is None:
            return
        self.faults.check(found["resource"])
        fault = self.emulator.phones.rest_error(request.get("To") or "")
        if fault is not None:
            raise fault.error()

    def _authenticate(self, request: RestRequest) -> None:
        username, password = request.auth or ("", "")
        expected = f"{self.account_sid}:{self.emulator.auth_token}"
        if not hmac.compare_digest(f"{username}:{password}".encode(), expected.encode()):
            raise ApiError(401, AUTHENTICATE, "Authentication Error - invalid username")

    def _route(self, request: RestRequest) -> tuple[Handler, dict[str, str]]:
        found = ACCOUNT_PATH.match(request.path)
        if found and found["account"] == self.account_sid:
            for pattern, methods in self._routes:
                match = pattern.match(found["rest"])
                if match is None:
                    continue
                if request.method not in methods:
                    raise ApiError(405, METHOD_NOT_ALLOWED, f"Method not allowed: {request.method}")
                groups = {k: unquote(v) for k, v in match.groupdict().items()}
                return methods[request.method], groups
        raise not_found(request.path)

    def _create_call(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        call = new_call(request, self.emulator.new_sid("CA"), self.emulator.now())
        self._queue(call, "call")
        return RestResponse.json(self._call_json(call), 201)

    def _queue(self, call: OutboundCall, what: str) -> None:
        """Admit a call under the account's limits (16021) and queue it at its pacing slot."""
        now = self.emulator.sim.elapsed
        call.start_at = self.emulator.account.admit(call.sid, now, what)
        call.queue_time = round((call.start_at - now) * 1000)
        self.calls[call.sid] = call
        self._pending.append(("call", call.sid))

    def _call(self, request: RestRequest, sid: str) -> OutboundCall:
        call = self.calls.get(sid) or self.emulator.live_inbound.get(sid)
        if call is None:
            raise not_found(request.path)
        return call

    def _fetch_call(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        return RestResponse.json(self._call_json(self._call(request, match["sid"])))

    def _update_call(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        call = self._call(request, match["sid"])
        update_call(call, request, self.emulator.now())
        if call.interrupt is not None and (call.hangup_requested or call.redirect):
            call.interrupt.fire()  # a ringing call stops ringing
        self.emulator.conferences.notify_call(call.sid)  # a call in a room leaves it
        return RestResponse.json(self._call_json(call))

    def _call_json(self, call: OutboundCall) -> dict[str, Any]:
        return call_resource(call, self.account_sid, API_VERSION)

    def _create_message(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        sid, now = self.emulator.new_sid("SM"), self.emulator.now()
        message, callback = new_message(request, sid, self.account_sid, API_VERSION, now)
        self.messages.append(message)
        self._message_callbacks[sid] = callback
        self._pending.append(("message", sid))
        return RestResponse.json(message, 201)

    def _message(self, sid: str) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["sid"] == sid), None)

    def _fetch_message(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        message = self._message(match["sid"])
        if message is None:
            raise not_found(request.path)
        return RestResponse.json(message)

    def _recording(self, request: RestRequest, sid: str) -> StoredRecording:
        stored = self.recordings.get(sid)
        if stored is None and self.adopt_unknown_recordings and _RECORDING_SID.fullmatch(sid):
            stored = StoredRecording(
                call_sid="CA" + "0" * 32,
                recording=RecordingLog(sid, self.emulator.recording_url(sid), 1, "completed", None),
                created_at=self.emulator.now(),
            )
            self.recordings[sid] = stored
        if stored is None:
            raise not_found(request.path)
        return stored

    def _fetch_recording(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        stored = self._recording(request, match["sid"])
        resource = recording_resource(stored, self.account_sid, API_VERSION, self.emulator.api_base)
        return RestResponse.json(resource)

    def _delete_recording(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        self._recording(request, match["sid"])
        self.faults.check("Recordings")  # fail_next(..., resource="Recordings")
        del self.recordings[match["sid"]]
        return RestResponse(204)

    def _media(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        self._recording(request, match["sid"])
        body, content_type = silent_media(match["ext"])
        return RestResponse(200, body, content_type)

    def dispatch(self) -> None:
        """Hand every queued call and SMS to the simulation (calls at their pacing slot)."""
        sim = self.emulator.sim
        while (item := self._next_pending()) is not None:
            kind, sid = item
            if kind == "call":
                call = self.calls[sid]
                if call.log is None:
                    call.log = self.emulator.new_log(call.sid, call.from_, call.to)
                if call.queue_time:
                    call.log.add(
                        "note",
                        f"queued {call.queue_time / 1000:g} s by the account's"
                        f" {self.emulator.account.calls_per_second:g} call/s pacing",
                    )
                delay = max(0.0, call.start_at - sim.elapsed)
                sim.spawn(functools.partial(self._place, call), f"call {sid}", delay)
            else:
                sim.schedule(0, functools.partial(self._deliver, sid), f"sms {sid}")

    def advance(self, seconds: float) -> None:
        """Dispatch what is queued, then let `seconds` of simulated time pass."""
        self.dispatch()
        self.emulator.sim.advance(seconds)

    def run_pending(self) -> list[OutboundCall]:
        """Place queued calls and deliver queued SMS, in simulated-time order, until idle.

        Returns the calls placed. A call made from inside a running call (a webhook that
        creates another call) is placed too, at its pacing slot; called from inside a running
        call (or while the simulation is being driven) it only dispatches and returns [].
        """
        self.dispatch()
        sim = self.emulator.sim
        if sim.current() is not None or sim.driving:
            return []
        if not self._runner.acquire(blocking=False):
            return []
        start = len(self._placed)
        try:
            sim.run_until_idle()
        finally:
            self._runner.release()
        return self._placed[start:]

    def _next_pending(self) -> tuple[str, str] | None:
        with self._lock:
            return self._pending.popleft() if self._pending else None

    def _place(self, call: OutboundCall) -> OutboundCall:
        self._placed.append(call)
        try:
            run_call(self.emulator, call)
        except Exception:
            if not call.ended:
                call.status = "failed"
            call.done = True
            raise
        return call

    def _deliver(self, sid: str) -> None:
        """Move a queued SMS to sent then delivered, posting its status callbacks."""
        message = self._message(sid)
        if message is None:
            return
        behaviour = self.emulator.phones.behaviour(message["to"])
        for status in delivery_statuses(behaviour.network_result):
            with self._lock:
                message["status"] = status
                message["date_updated"] = rfc2822(self.emulator.now())
                if status == "sent":
                    message["date_sent"] = message["date_updated"]
            url = self._message_callbacks.get(sid)
            if url:
                self._post_message_status(url, message_callback_params(message, status))

    def _post_message_status(self, url: str, params: dict[str, str]) -> None:
        sent_url, response = self.emulator.send("POST", url, params)
        self.message_requests.append(WebhookCall(sent_url, params, response.status))
        if not 200 <= response.status < 300:
            err = EmulatorError(
                f"SMS status callback answered HTTP {response.status}", url=sent_url
            )
            if self.emulator.strict:
                raise err
            logger.warning("%s", err)


def not_found(path: str) -> ApiError:
    return ApiError(404, NOT_FOUND, f"The requested resource {path} was not found")
