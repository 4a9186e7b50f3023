"""The one door to the telephony provider's REST API: place calls, send SMS, fetch recordings.

This is the only module that imports `twilio.rest`. Webhooks never call it (DESIGN.md: anything
outbound is a job); jobs and the dashboard's recording player do. The client is built from the
app's configuration: the real Twilio, a TwiML-compatible provider or the emulator's server
(`TWILIO_API_BASE`), or whatever `HttpClient` `init_app` was given (the emulator in-process, for
tests). The client is handed in rather than found in the config, so production code never
imports the emulator.

Privacy: phone numbers are never logged, and provider errors (whose messages quote the numbers
sent) are re-raised as `GatewayError` carrying only the HTTP status and Twilio's error code, so
nothing personal ends up in a worker log or in RQ's failed-job registry.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple, TypeVar
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

log = logging.getLogger(__name__)

TWILIO_API_BASE = "https://api.twilio.com"
API_VERSION = "2010-04-01"
HTTP_TIMEOUT_SECONDS = 10.0  # twilio's own client waits forever by default
RETRIES = 3  # after the first request, for a 429 or a 5xx (PROVIDER_RETRIES)
RETRY_BASE_SECONDS = 0.5  # doubled at each retry, with jitter (PROVIDER_RETRY_BASE_SECONDS)
RETRY_CAP_SECONDS = 8.0
MESSAGING_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")  # a messaging service SID
T = TypeVar("T")
CALL_EVENTS: Sequence[str] = ("initiated", "ringing", "answered", "completed")
RECORDING_FORMAT = "mp3"
CALL_NOT_IN_PROGRESS = 21220  # "Call is not in-progress. Cannot redirect."
_EXTENSION = "hotline.gateway"


class GatewayError(RuntimeError):
    """The provider refused or could not be reached; says which without any phone number.

    `status` is the HTTP status when the provider answered, None when the request may or may
    not have reached it (a timeout: the call or SMS may exist). An answer is either
    `retryable` (429 too many requests, 5xx: try again later, with back-off) or `permanent`
    (any other 4xx: the same request will be refused again; `reason` says why, in French).
    """

    def __init__(self, action: str, status: int | None, code: int | None) -> None:
        super().__init__(f"{action} failed (HTTP {status or '-'}, Twilio error {code or '-'})")
        self.action = action
        self.status = status
        self.code = code

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def retryable(self) -> bool:
        return self.status is not None and (self.status == 429 or self.status >= 500)

    @property
    def permanent(self) -> bool:
        return self.answered and not self.retryable

    @property
    def reason(self) -> str:
        """What staff read about this failure (never a phone number)."""
        known = _REASONS.get(self.code or 0)
        if known:
            return f"{known} (erreur {self.code})."
        if not self.answered:
            return "Le fournisseur téléphonique n'a pas répondu à temps."
        if self.retryable:
            return f"Le fournisseur téléphonique est indisponible (HTTP {self.status})."
        code = self.code or "-"
        return f"Le fournisseur téléphonique a refusé la demande (HTTP {self.status}, {code})."


# Twilio's error codes (twilio.com/docs/api/errors/<code>) that a structure can act on.
_REASONS = {
    20003: "Les identifiants du fournisseur téléphonique sont refusés",
    20429: "Le fournisseur téléphonique reçoit trop de demandes",
    21211: "Ce numéro n'est pas un numéro de téléphone valide",
    21215: "Le compte n'a pas la permission géographique d'appeler ce numéro",
    21606: "L'expéditeur des SMS n'est pas autorisé pour ce destinataire : enregistrez un "
    "identifiant alphanumérique ou un service de messagerie",
    21612: "Ce numéro ne peut pas être joint par SMS",
    21614: "Ce numéro ne peut pas recevoir de SMS (ce n'est pas un mobile)",
    16021: "Le compte téléphonique a atteint sa limite d'appels simultanés",
}


class Media(NamedTuple):
    """A recording's bytes and their content type: `audio, content_type = fetch_recording(…)`."""

    content: bytes
    content_type: str


def init_app(app: Flask, http_client: HttpClient | None = None) -> None:
    """Reach the provider through `http_client`, or through twilio's own client when None.

    Tests and local rehearsals pass the emulator's in-process `HttpClient`; production passes
    nothing and talks HTTP to `TWILIO_API_BASE`.
    """
    app.extensions[_EXTENSION] = http_client


def installed_client(app: Flask) -> HttpClient | None:
    """The `HttpClient` `init_app` was given for `app` (None: twilio's own, to the network)."""
    given: HttpClient | None = app.extensions.get(_EXTENSION)
    return given


def client() -> Client:
    """A `twilio.rest.Client` for the current app, with an explicit HTTP timeout."""
    config = current_app.config
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    given: HttpClient | None = current_app.extensions.get(_EXTENSION)
    if given is not None:
        return Client(sid, token, http_client=given)
    http = TwilioHttpClient(timeout=_http_timeout())
    twilio = Client(sid, token, http_client=http)
    base = _api_base()
    if base != TWILIO_API_BASE:
        # Every resource we use lives on the Api domain, which reads base_url per request.
        twilio.api.base_url = base
        if http.session is not None and urlsplit(base).hostname in ("127.0.0.1", "localhost"):
            http.session.trust_env = False  # a proxy from the environment must not catch it
    return twilio


@contextmanager
def _provider_errors(action: str) -> Iterator[None]:
    """Turn the provider's errors into a `GatewayError` that quotes no phone number.

    `from None` drops the provider's exception, whose message repeats the numbers sent.
    """
    try:
        yield
    except TwilioRestException as exc:
        raise GatewayError(action, exc.status, exc.code) from None
    except requests.RequestException:
        raise GatewayError(action, None, None) from None


def _http_timeout() -> float:
    return float(current_app.config.get("PROVIDER_HTTP_TIMEOUT") or HTTP_TIMEOUT_SECONDS)


def _with_retries(action: str, request: Callable[[], T]) -> T:
    """Make the request; on a 429 or a 5xx, try again after a growing, jittered pause.

    Jitter ("full jitter": a random pause up to the doubled delay) keeps several workers hit
    by the same 429 from coming back in step. Nothing retries a refusal (4xx) or a timeout
    (the call or SMS may exist: the job's guard decides). The last error is re-raised.
    """
    config = current_app.config
    retries = int(config.get("PROVIDER_RETRIES", RETRIES))
    base = float(config.get("PROVIDER_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    for attempt in range(retries + 1):
        try:
            with _provider_errors(action):
                return request()
        except GatewayError as error:
            if not error.retryable or attempt == retries:
                raise
            pause = random.uniform(base / 2, min(RETRY_CAP_SECONDS, base * 2**attempt))
            log.info("%s: provider busy (HTTP %s), retrying in %.2f s", action, error.status, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


def _api_base() -> str:
    return str(current_app.config.get("TWILIO_API_BASE") or TWILIO_API_BASE).rstrip("/")


def place_call(
    to: str,
    from_: str,
    url: str,
    status_callback: str,
    timeout: int = 30,
) -> str:
    """Ring `to` showing `from_`; when answered, Twilio fetches `url`. Returns the CallSid.

    Every progress event is reported to `status_callback`, so the dashboard can show
    "ça sonne" and a lost final callback is less likely to leave a leg unknown.
    """
    call = _with_retries(
        "place_call",
        lambda: client().calls.create(
            to=to,
            from_=from_,
            url=url,
            method="POST",
            status_callback=status_callback,
            status_callback_method="POST",
            status_callback_event=list(CALL_EVENTS),
            timeout=timeout,
        ),
    )
    log.info("placed call %s", call.sid)
    return str(call.sid)


def redirect_call(sid: str, url: str) -> bool:
    """Send a live call to new TwiML at `url`; False when the call has already ended.

    How a caller waiting in a room for a staff member is taken to the voicemail: the call
    leaves the conference and Twilio requests `url` (the `<Dial>` action is not requested).
    """
    try:
        with _provider_errors("redirect_call"):
            client().calls(sid).update(url=url, method="POST")
    except GatewayError as error:
        if error.code == CALL_NOT_IN_PROGRESS or error.status == 404:
            return False
        raise
    log.info("redirected call %s", sid)
    return True


def end_call(sid: str) -> bool:
    """Hang up a call, or cancel it while it still rings (Twilio ends a ringing call too).

    Asking to end a call that already ended changes nothing; False for an unknown call.
    """
    try:
        with _provider_errors("end_call"):
            client().calls(sid).update(status="completed")
    except GatewayError as error:
        if error.status == 404:
            return False
        raise
    log.info("ended call %s", sid)
    return True


def send_sms(to: str, from_: str, body: str, status_callback: str | None = None) -> str:
    """Send one SMS from `from_`: a messaging service (`MG…`) or a sender ID; the MessageSid."""
    sender: dict[str, str] = (
        {"messaging_service_sid": from_} if MESSAGING_SERVICE.match(from_) else {"from_": from_}
    )
    message = _with_retries(
        "send_sms",
        lambda: client().messages.create(
            to=to, body=body, status_callback=status_callback, **sender
        ),
    )
    log.info("sent SMS %s", message.sid)
    return str(message.sid)


def delete_recording(sid: str) -> bool:
    """Delete a recording at the provider; False when it was already gone (safe to re-run)."""
    try:
        with _provider_errors("delete_recording"):
            client().recordings(sid).delete()
    except GatewayError as error:
        if error.status == 404:
            return False
        raise
    log.info("deleted recording %s", sid)
    return True


def fetch_recording(url_or_sid: str) -> Media:
    """The audio of a recording, fetched with our credentials, for the app to stream.

    Accepts a RecordingSid or the `RecordingUrl` Twilio sent. The URL must be on the provider's
    API host: our credentials are never sent anywhere else, whatever a webhook stored.
    """
    url = media_url(url_or_sid)
    twilio = client()
    auth = (current_app.config["TWILIO_ACCOUNT_SID"], current_app.config["TWILIO_AUTH_TOKEN"])
    http = twilio.http_client
    if isinstance(http, TwilioHttpClient):
        return _download(http, url, auth)
    # Another HttpClient (the emulator's): its text carries binary media as latin-1.
    response = http.request("GET", url, auth=auth, timeout=_http_timeout())
    if response.status_code != 200:
        raise GatewayError("fetch_recording", response.status_code, None)
    content_type = _header(response.headers, "Content-Type") or "audio/mpeg"
    binary = content_type.startswith("audio/")
    return Media(response.text.encode("latin-1" if binary else "utf-8"), content_type)


def _download(http: TwilioHttpClient, url: str, auth: tuple[str, str]) -> Media:
    """GET raw bytes: twilio's Response keeps only decoded text, which would mangle audio."""
    session = http.session or requests.Session()
    with _provider_errors("fetch_recording"):
        # Twilio redirects media to storage; requests drops the credentials on another host.
        response = session.get(url, auth=auth, timeout=_http_timeout(), allow_redirects=True)
    if response.status_code != 200:
        raise GatewayError("fetch_recording", response.status_code, None)
    return Media(response.content, response.headers.get("Content-Type", "audio/mpeg"))


def media_url(url_or_sid: str) -> str:
    """The provider URL of a recording's audio; ValueError for a URL on any other host."""
    base = _api_base()
    if "/" not in url_or_sid:
        sid = current_app.config["TWILIO_ACCOUNT_SID"]
        return f"{base}/{API_VERSION}/Accounts/{sid}/Recordings/{url_or_sid}.{RECORDING_FORMAT}"
    given, allowed = urlsplit(url_or_sid), urlsplit(base)
    if (given.scheme, given.netloc) != (allowed.scheme, allowed.netloc):
        raise ValueError("recording URL is not on the configured provider API host")
    if given.path.endswith((".mp3", ".wav")):
        return url_or_sid
    return f"{url_or_sid}.{RECORDING_FORMAT}"


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def update_participant(
    conference_sid: str,
    call_sid: str,
    *,
    muted: bool | None = None,
    announce_url: str | None = None,
) -> None:
    """Mute or unmute a participant of a room, or play it an announcement (group calls)."""
    changes: dict[str, object] = {}
    if muted is not None:
        changes["muted"] = muted
    if announce_url is not None:
        changes.update(announce_url=announce_url, announce_method="POST")
    _with_retries(
        "update_participant",
        lambda: client().conferences(conference_sid).participants(call_sid).update(**changes),
    )


def remove_participant(conference_sid: str, call_sid: str) -> bool:
    """Take a participant out of a room; False when they had already left."""
    try:
        with _provider_errors("remove_participant"):
            client().conferences(conference_sid).participants(call_sid).delete()
    except GatewayError as error:
        if error.status == 404:
            return False
        raise
    return True


def end_conference(conference_sid: str) -> bool:
    """End a room for everyone; False when it had already ended (safe to re-run)."""
    try:
        with _provider_errors("end_conference"):
            client().conferences(conference_sid).update(status="completed")
    except GatewayError as error:
        if error.status == 404:
            return False
        raise
    return True
