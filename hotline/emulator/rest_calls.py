"""The Calls resource of the fake: validating `calls.create` / `calls(sid).update`, and its JSON.

Validation is deliberately stricter than Twilio where Twilio would only fail later (inline TwiML
that does not parse is refused at once with 12100) or silently (`StatusCallbackEvent` sent as
one space-separated string instead of repeated parameters is refused with 21626).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from hotline.emulator.errors import TwimlError
from hotline.emulator.outbound import (
    CALL_EVENTS,
    DEFAULT_TIMEOUT,
    Instructions,
    OutboundCall,
)
from hotline.emulator.rest_http import (
    CALL_FROM_REQUIRED,
    CALL_TO_REQUIRED,
    CALL_URL_INVALID,
    INVALID_CALL_STATE,
    INVALID_FROM,
    INVALID_TO,
    STATUS_CALLBACK_EVENT_INVALID,
    STATUS_CALLBACK_INVALID,
    ApiError,
    RestRequest,
    bad_request,
)
from hotline.emulator.twiml import parse_twiml
from hotline.emulator.twiml_rules import E164

CALLS_RESOURCE = 21200  # Twilio's generic "Calls Resource" error
DOCUMENT_PARSE_FAILURE = 12100
MAX_TIMEOUT = 600
MAX_TIME_LIMIT = 14400
MAX_TWIML = 4000
MACHINE_DETECTION = frozenset({"Enable", "DetectMessageEnd"})
CREATE_PARAMS = frozenset(
    {
        "To",
        "From",
        "Url",
        "Method",
        "Twiml",
        "StatusCallback",
        "StatusCallbackEvent",
        "StatusCallbackMethod",
        "Timeout",
        "MachineDetection",
        "TimeLimit",
    }
)


def rfc2822(moment: datetime | None) -> str | None:
    """Dates as Twilio's REST API writes them: "Tue, 31 Aug 2010 20:36:28 +0000"."""
    return format_datetime(moment) if moment else None


def is_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def http_method(request: RestRequest, name: str) -> str:
    method = (request.get(name) or "POST").upper()
    if method not in ("GET", "POST"):
        raise bad_request(CALLS_RESOURCE, f"{name} must be GET or POST, got {method!r}")
    return method


def number_param(request: RestRequest, name: str, default: int | None, high: int) -> int | None:
    raw = request.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        message = f"{name} must be an integer from 1 to {high}, got {raw!r}"
        raise bad_request(CALLS_RESOURCE, message)
    return int(raw)


def status_callback(request: RestRequest) -> str | None:
    url = request.get("StatusCallback")
    if url is not None and not is_absolute_url(url):
        raise bad_request(STATUS_CALLBACK_INVALID, f"StatusCallback is not a valid URL: {url}")
    return url


def new_call(request: RestRequest, sid: str, now: datetime) -> OutboundCall:
    """Validate a `POST /Calls.json` form into a queued call."""
    to, from_ = request.get("To"), request.get("From")
    if not to:
        raise bad_request(CALL_TO_REQUIRED, "No 'To' number is specified")
    if not from_:
        raise bad_request(CALL_FROM_REQUIRED, "No 'From' number is specified")
    if not E164.match(to):
        raise bad_request(INVALID_TO, f"Invalid 'To' Phone Number: {to}")
    if not E164.match(from_):
        raise bad_request(INVALID_FROM, f"Invalid From Number (caller ID): {from_}")
    what = instructions(request)
    if what is None:
        raise bad_request(CALL_URL_INVALID, "Url parameter is required (or Twiml)")
    return OutboundCall(
        sid=sid,
        to=to,
        from_=from_,
        instructions=what,
        created_at=now,
        updated_at=now,
        status_callback=status_callback(request),
        status_callback_method=http_method(request, "StatusCallbackMethod"),
        events=callback_events(request),
        timeout=number_param(request, "Timeout", DEFAULT_TIMEOUT, MAX_TIMEOUT) or DEFAULT_TIMEOUT,
        machine_detection=machine_detection(request),
        time_limit=number_param(request, "TimeLimit", None, MAX_TIME_LIMIT),
        ignored=tuple(sorted(set(request.form) - CREATE_PARAMS)),
    )


def instructions(request: RestRequest) -> Instructions | None:
    """Url or Twiml: at most one of them (a create requires one, an update may have none)."""
    url, twiml = request.get("Url"), request.get("Twiml")
    if url and twiml:
        raise bad_request(CALLS_RESOURCE, "Url and Twiml are mutually exclusive: give only one")
    if url:
        if not is_absolute_url(url):
            raise bad_request(CALL_URL_INVALID, f"Url is not a valid URL: {url}")
        return Instructions(url=url, method=http_method(request, "Method"))
    if twiml:
        if len(twiml) > MAX_TWIML:
            raise bad_request(CALLS_RESOURCE, f"Twiml is limited to {MAX_TWIML} characters")
        try:
            parse_twiml(twiml)
        except TwimlError as err:
            raise bad_request(DOCUMENT_PARSE_FAILURE, f"Twiml is invalid: {err}") from err
        return Instructions(twiml=twiml)
    return None


def callback_events(request: RestRequest) -> frozenset[str]:
    events = request.getlist("StatusCallbackEvent")
    wrong = [e for e in events if e not in CALL_EVENTS]
    if wrong:
        raise bad_request(
            STATUS_CALLBACK_EVENT_INVALID,
            f"Invalid StatusCallbackEvent {wrong[0]!r}: repeat the parameter once per event"
            f" ({', '.join(sorted(CALL_EVENTS))}); pass a Python list to the twilio client",
        )
    return frozenset(events) or frozenset({"completed"})


def machine_detection(request: RestRequest) -> str | None:
    value = request.get("MachineDetection")
    if value is not None and value not in MACHINE_DETECTION:
        raise bad_request(CALLS_RESOURCE, "MachineDetection must be Enable or DetectMessageEnd")
    return value


def update_call(call: OutboundCall, request: RestRequest, now: datetime) -> None:
    """Apply `calls(sid).update(...)`: hang up/cancel, or redirect to new instructions."""
    status = request.get("Status")
    if status not in (None, "canceled", "completed"):
        raise bad_request(CALLS_RESOURCE, f"Status must be canceled or completed, got {status!r}")
    redirect = instructions(request)
    if status is None and redirect is None:
        raise bad_request(CALLS_RESOURCE, "Nothing to update: give Status, Url or Twiml")
    if call.ended:
        if redirect is not None:
            raise ApiError(400, INVALID_CALL_STATE, "Call is not in-progress. Cannot redirect.")
        return  # hanging up an ended call changes nothing
    call.updated_at = now
    if call.status == "queued":
        if status is not None:
            call.status = "canceled"
            call.end_time = now
        elif redirect is not None:
            call.instructions = redirect
        return
    if status == "completed" or (status == "canceled" and call.status != "in-progress"):
        call.hangup_requested = True
    elif redirect is not None and status is None:
        call.redirect = redirect


def call_resource(call: OutboundCall, account_sid: str, api_version: str) -> dict[str, Any]:
    """The Call instance JSON, with the fields twilio-python's `CallInstance` reads."""
    uri = f"/{api_version}/Accounts/{account_sid}/Calls/{call.sid}"
    return {
        "sid": call.sid,
        "account_sid": account_sid,
        "api_version": api_version,
        "annotation": None,
        "answered_by": call.answered_by,
        "caller_name": None,
        "date_created": rfc2822(call.created_at),
        "date_updated": rfc2822(call.updated_at),
        "direction": call.direction,
        "duration": None if call.duration is None else str(call.duration),
        "end_time": rfc2822(call.end_time),
        "forwarded_from": None,
        "from": call.from_,
        "from_formatted": call.from_,
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": str(call.queue_time),
        "start_time": rfc2822(call.start_time),
        "status": call.status,
        "subresource_uris": {
            "recordings": f"{uri}/Recordings.json",
            "notifications": f"{uri}/Notifications.json",
        },
        "to": call.to,
        "to_formatted": call.to,
        "trunk_sid": None,
        "uri": f"{uri}.json",
    }
