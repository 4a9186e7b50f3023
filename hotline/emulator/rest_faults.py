"""REST errors the fake answers on demand, as Twilio does when it is busy, down or forbids.

Twilio's REST API does not only refuse bad requests: it answers 429 (error 20429, too many
concurrent requests: retry with back-off), 5xx (20500 internal error, 20503 service
unavailable: retry with back-off), refuses a destination the account's geographic permissions
do not allow (21215), and a network may simply never answer. Tests ask for each one:

    fake.fail_next(status=429, code=20429, times=2)            # the account is throttled
    fake.fail_next(status=503, code=20503, resource="Messages")
    fake.stall_next(times=1)                                   # a request that never answers
    phones.add("+44…", rest_error=GEO_PERMISSION)               # that number, every time

Pages followed: twilio.com/docs/api/errors/20429, /20500, /20503, /21215, /21606.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hotline.emulator.rest_http import ApiError


@dataclass(frozen=True)
class RestFault:
    """An error answer: HTTP status, Twilio error code and message."""

    status: int
    code: int
    message: str

    def error(self) -> ApiError:
        return ApiError(self.status, self.code, self.message)


TOO_MANY_REQUESTS = RestFault(429, 20429, "Too Many Requests")
INTERNAL_ERROR = RestFault(500, 20500, "Internal Server Error")
SERVICE_UNAVAILABLE = RestFault(503, 20503, "Service unavailable")
GEO_PERMISSION = RestFault(
    400,
    21215,
    "Account not authorized to call this number. Perhaps you need to enable some "
    "international permissions: https://www.twilio.com/console/voice/calls/geo-permissions",
)
_KNOWN = {
    f.code: f for f in (TOO_MANY_REQUESTS, INTERNAL_ERROR, SERVICE_UNAVAILABLE, GEO_PERMISSION)
}


class Unanswered(Exception):
    """The fake holds this request and never answers it (a provider that hangs).

    The in-process client turns it into a read timeout at once; the HTTP server holds the
    connection until `released` is set (the client's own timeout fires first).
    """

    def __init__(self, released: threading.Event) -> None:
        super().__init__("the provider never answered")
        self.released = released


@dataclass
class _Planned:
    fault: RestFault | None  # None: never answer
    resource: str | None  # "Calls", "Messages" or None for any creation
    left: int


class FaultPlan:
    """The account-wide failures still to come, consumed one request at a time."""

    def __init__(self) -> None:
        self._planned: list[_Planned] = []
        self._lock = threading.Lock()
        self.released = threading.Event()  # set to let every held request go
        self.held = 0  # requests held so far (a test waits for its worker to be inside one)

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        times: int = 1,
        resource: str | None = None,
        message: str | None = None,
    ) -> None:
        known = _KNOWN.get(code or 0)
        fault = RestFault(status, code or status * 100, message or (known.message if known else ""))
        with self._lock:
            self._planned.append(_Planned(fault, resource, times))

    def stall_next(self, times: int = 1, resource: str | None = None) -> None:
        with self._lock:
            self._planned.append(_Planned(None, resource, times))

    def check(self, resource: str) -> None:
        """Raise the next planned failure for a creation on `resource`, if any."""
        with self._lock:
            planned = next(
                (p for p in self._planned if p.resource in (None, resource) and p.left > 0), None
            )
            if planned is None:
                return
            planned.left -= 1
        if planned.fault is None:
            with self._lock:
                self.held += 1
            raise Unanswered(self.released)
        raise planned.fault.error()
