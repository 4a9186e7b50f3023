"""The transport-neutral shape of one REST request to the fake Twilio, and of its answer.

Both the in-process `EmulatorHttpClient` and the local HTTP server turn what they receive into
a `RestRequest`, so the fake's routing and validation are exercised identically either way.
Errors use Twilio's legacy JSON error body (`code`, `message`, `more_info`, `status`), which is
what twilio-python turns into a `TwilioRestException` with the same `code`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
MORE_INFO = "https://www.twilio.com/docs/errors/{code}"

# Twilio's error codes for what the fake refuses (see twilio.com/docs/api/errors/<code>).
AUTHENTICATE = 20003
NOT_FOUND = 20404
METHOD_NOT_ALLOWED = 20004
CALL_TO_REQUIRED = 21201
CALL_URL_INVALID = 21205
INVALID_TO = 21211
INVALID_FROM = 21212
CALL_FROM_REQUIRED = 21213
INVALID_CALL_STATE = 21220
BODY_REQUIRED = 21602
MESSAGE_FROM_REQUIRED = 21603
MESSAGE_TO_REQUIRED = 21604
SENDER_NOT_SMS_CAPABLE = 21606
STATUS_CALLBACK_INVALID = 21609
NOT_A_MOBILE = 21614
BODY_TOO_LONG = 21617
STATUS_CALLBACK_EVENT_INVALID = 21626


class ApiError(Exception):
    """A request Twilio would refuse: becomes an HTTP error with Twilio's JSON error body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> RestResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }
        return RestResponse.json(body, self.status)


def bad_request(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


@dataclass(frozen=True)
class RestRequest:
    """One REST call: method, URL path, form/query values (repeatable) and basic-auth pair."""

    method: str
    path: str
    form: Mapping[str, Sequence[str]] = field(default_factory=dict)
    auth: tuple[str, str] | None = None

    def get(self, name: str) -> str | None:
        """The first value of a parameter; an empty string counts as absent, as for Twilio."""
        values = self.form.get(name) or ()
        return values[0] if values and values[0] != "" else None

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.form.get(name) or () if v != ""]


@dataclass(frozen=True)
class RestResponse:
    """What the fake answers: status, raw body and content type."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE

    @classmethod
    def json(cls, payload: Mapping[str, Any], status: int = 200) -> RestResponse:
        return cls(status, json.dumps(payload).encode("utf-8"), JSON_TYPE)

    @property
    def headers(self) -> dict[str, str]:
        if self.status == 204:
            return {}
        return {"Content-Type": self.content_type, "Content-Length": str(len(self.body))}


def form_values(*sources: Mapping[str, object] | None) -> dict[str, list[str]]:
    """Flatten the dicts twilio-python hands its HttpClient into repeatable string values.

    A list value (e.g. `StatusCallbackEvent`) becomes repeated parameters, exactly as
    `requests` would encode it on the wire; ints and bools are sent as their text.
    """
    merged: dict[str, list[str]] = {}
    for source in sources:
        for name, value in (source or {}).items():
            items: Iterable[object] = value if isinstance(value, list | tuple) else [value]
            merged.setdefault(name, []).extend(_text(v) for v in items if v is not None)
    return merged


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def basic_auth(header: str | None) -> tuple[str, str] | None:
    """Decode an `Authorization: Basic …` header into (username, password)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None
