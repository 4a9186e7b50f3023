"""Delivering one webhook as Twilio does: the 15 s deadline, connection overrides, TwiML Bins.

- Deadline: Twilio waits at most 15 s for an answer (error 11205), then treats the request as
  failed whatever the app did with it. The emulator measures the real time of each request and
  adds `Emulator.latency(method, url)`, so a test can make a webhook "slow" without sleeping.
- Connection overrides: a URL may end with a fragment such as `#rc=3&rp=5xx,rt` (retry count,
  retry policy, read/total timeouts in ms). The fragment is never sent on the wire, but it is
  part of the URL Twilio signs. Without `rc` a failed request is never retried.
- TwiML Bins: documents hosted by Twilio itself (`Emulator.bins`, by URL) are served without
  reaching the app, which is what a fallback URL must do while the app is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from hotline.emulator.errors import EmulatorError
from hotline.emulator.signing import signed_request, with_query
from hotline.emulator.transport import WebhookResponse

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator

DEADLINE_MS = 15_000
MAX_RETRIES = 5
RETRY_POLICIES = frozenset({"4xx", "5xx", "ct", "rt", "all"})
EDGES = frozenset(
    {"ashburn", "dublin", "frankfurt", "sao-paulo", "singapore", "sydney", "tokyo", "umatilla"}
)
Note = Callable[[str], None]


class WebhookTimeout(EmulatorError):
    """The app did not answer within the deadline: Twilio gives up (error 11205)."""

    code = "11205"


@dataclass(frozen=True)
class Overrides:
    """The connection overrides of one URL; the defaults mean "no fragment"."""

    retries: int = 0
    policy: frozenset[str] = frozenset()
    read_timeout_ms: int = DEADLINE_MS
    total_timeout_ms: int = DEADLINE_MS

    def retries_on(self, failure: str) -> bool:
        return failure in self.policy or "all" in self.policy


def _milliseconds(key: str, value: str, high: int) -> int:
    if not value.isdigit() or not 100 <= int(value) <= high:
        raise EmulatorError(f"connection override {key}={value!r} must be 100 to {high} ms")
    return int(value)


def parse_overrides(fragment: str) -> Overrides:
    """Read `rc=2&rp=5xx,rt&rt=5000`; anything Twilio's page does not list is refused."""
    if not fragment:
        return Overrides()
    values: dict[str, object] = {}
    for key, value in parse_qsl(fragment, keep_blank_values=True):
        if key == "rc":
            if not value.isdigit() or int(value) > MAX_RETRIES:
                raise EmulatorError(f"connection override rc={value!r} must be 0 to {MAX_RETRIES}")
            values["retries"] = int(value)
        elif key == "rp":
            policy = frozenset(value.split(","))
            if not value or policy - RETRY_POLICIES:
                raise EmulatorError(f"invalid retry policy rp={value!r}", code="11243")
            values["policy"] = policy
        elif key == "rt":
            values["read_timeout_ms"] = _milliseconds(key, value, DEADLINE_MS)
        elif key == "tt":
            values["total_timeout_ms"] = _milliseconds(key, value, DEADLINE_MS)
        elif key == "ct":
            _milliseconds(key, value, 10_000)  # a connection is instant in-process
        elif (key == "e" and value not in EDGES) or (key == "sni" and value not in ("y", "n")):
            raise EmulatorError(f"invalid connection override {key}={value!r}")
        elif key not in ("e", "sni"):
            raise EmulatorError(f"unknown connection override {key!r} in #{fragment}")
    if "policy" in values and "retries" not in values:
        values["retries"] = 1  # Twilio's default retry count once a policy is given
    return Overrides(**values)  # type: ignore[arg-type]


def split_fragment(url: str) -> tuple[str, str]:
    """(the URL as requested on the wire, its fragment without '#')."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment="")), parts.fragment


def deliver(
    emulator: Emulator,
    method: str,
    url: str,
    params: Mapping[str, str],
    note: Note | None = None,
) -> tuple[str, WebhookResponse]:
    """Send one webhook (retrying as its overrides ask); return the URL signed and the answer.

    Raises `WebhookTimeout` when the last attempt outlived the deadline.
    """
    wire_url, fragment = split_fragment(url)
    bin_twiml = emulator.bins.get(wire_url.split("?")[0])
    if bin_twiml is not None:
        return url, WebhookResponse(200, bin_twiml, "text/xml")
    overrides = parse_overrides(fragment)
    body = dict(params)
    if method == "GET":  # the params move into the query; the signature covers the URL alone
        wire_url, body = with_query(wire_url, params), {}
    signed_url = wire_url + (f"#{fragment}" if fragment else "")
    headers = signed_request(emulator.auth_token, "POST", signed_url, body)[2]
    spent_ms = 0.0
    for attempt in range(overrides.retries + 1):
        deadline = min(overrides.read_timeout_ms, overrides.total_timeout_ms - spent_ms)
        started = time.monotonic()
        response = emulator.transport.request(method, wire_url, body, headers)
        took_ms = (time.monotonic() - started + emulator.latency(method, wire_url)) * 1000
        spent_ms += took_ms
        failure = _failure(response, took_ms, deadline)
        if failure is None:
            return signed_url, response
        retry = attempt < overrides.retries and overrides.retries_on(failure)
        if retry and spent_ms < overrides.total_timeout_ms:
            if note:
                note(f"retry {attempt + 1}/{overrides.retries} of {wire_url} after {failure}")
            continue
        if failure == "rt":
            raise WebhookTimeout(
                f"no answer within {deadline / 1000:g} s (took {took_ms / 1000:.1f} s):"
                " Twilio gives up on this request (error 11205)",
                url=signed_url,
                response=response,
            )
        return signed_url, response
    raise AssertionError("unreachable")  # pragma: no cover


def _failure(response: WebhookResponse, took_ms: float, deadline_ms: float) -> str | None:
    if took_ms > deadline_ms:
        return "rt"
    if 500 <= response.status < 600:
        return "5xx"
    if 400 <= response.status < 500:
        return "4xx"
    return None
