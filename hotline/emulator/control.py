"""The emulator server's own door: place a scripted call into its world, read how it went.

`hotline call --url` sends its call here when the server runs paced (`live.PacedRunner`), so
the caller and the staff legs the server's worker places meet in one emulator, as on Twilio;
before, the call ran in an emulator of its own and a caller waiting for staff waited alone.
Not part of Twilio's API: its paths start with `/_emulator/`, it takes the account's
credentials like every request, and the server only listens on loopback.
"""

from __future__ import annotations

import hmac
import threading

from hotline.emulator.call import InboundCall
from hotline.emulator.callers import ScriptedCaller
from hotline.emulator.errors import EmulatorError
from hotline.emulator.live import PacedRunner
from hotline.emulator.phones import Answers, Busy, NoAnswer, PersonalVoicemail, PhoneBehaviour
from hotline.emulator.rest_http import RestRequest, RestResponse

PREFIX = "/_emulator/calls"
# How the staff phones rung for this one call behave (`hotline call --staff`).
STAFF_BEHAVIOURS: dict[str, PhoneBehaviour] = {
    "answers": Answers(press="1"),
    "no-answer": NoAnswer(),
    "busy": Busy(),
    "voicemail": PersonalVoicemail(),
}


class Control:
    """Calls placed through the door, by CallSid, until the server stops."""

    def __init__(self, runner: PacedRunner) -> None:
        self.runner = runner
        self.calls: dict[str, InboundCall] = {}
        self._lock = threading.Lock()

    def handle(self, request: RestRequest) -> RestResponse | None:
        """The answer to a request under `/_emulator/`, or None for any other path."""
        if not request.path.startswith(PREFIX):
            return None
        fake = self.runner.fake
        username, password = request.auth or ("", "")
        given = f"{username}:{password}".encode()
        if not hmac.compare_digest(
            given, f"{fake.account_sid}:{fake.emulator.auth_token}".encode()
        ):
            return RestResponse.json({"message": "authentication required"}, 401)
        if request.method == "POST" and request.path == PREFIX:
            return self._place(request)
        if request.method == "GET" and request.path.startswith(PREFIX + "/"):
            ascii_only = request.get("ascii") == "1"
            return self._state(request.path.removeprefix(PREFIX + "/"), ascii_only)
        return RestResponse.json(
            {"message": f"no such request: {request.method} {request.path}"}, 404
        )

    def _place(self, request: RestRequest) -> RestResponse:
        from_, to = request.get("From") or "", request.get("To") or ""
        keys = next(iter(request.form.get("Keys") or ()), None)  # "" is a script: silence
        if not from_ or not to or keys is None:
            return RestResponse.json({"message": "From, To and Keys are required"}, 400)
        try:
            caller = ScriptedCaller(keys)
        except EmulatorError as error:
            return RestResponse.json({"message": str(error)}, 400)
        staff = request.get("Staff") or "answers"
        if staff not in STAFF_BEHAVIOURS:
            return RestResponse.json(
                {"message": f"Staff must be one of {', '.join(STAFF_BEHAVIOURS)}"}, 400
            )
        call = self.runner.fake.emulator.start_call(from_, to, caller, delay=self.runner.lag())
        self.runner.fake.emulator.call_overrides[call.sid] = STAFF_BEHAVIOURS[staff]
        self.runner.wake()
        with self._lock:
            self.calls[call.sid] = call
        return RestResponse.json({"sid": call.sid}, 201)

    def _state(self, sid: str, ascii_only: bool) -> RestResponse:
        with self._lock:
            call = self.calls.get(sid)
        if call is None:
            return RestResponse.json({"message": f"no call {sid} placed here"}, 404)
        staff = [
            placed.log.transcript(ascii_only=ascii_only, staff_phone=True)
            for placed in list(self.runner.fake.calls.values())
            if placed.log is not None and sid in (placed.instructions.url or "")
        ]
        transcript = call.log.transcript(ascii_only=ascii_only)
        body = {"done": call.done, "transcript": transcript, "staff": staff}
        return RestResponse.json(body, 200)
