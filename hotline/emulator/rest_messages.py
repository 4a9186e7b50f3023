"""The Messages and Recordings resources of the fake: validation, JSON shapes, delivery.

Messages are stored as the JSON dicts the API returns (`FakeTwilio.messages`), so a test reads
exactly what the gateway received: `to`, `from`, `body`, `status`, `num_segments`…
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.emulator.log import StoredRecording
from hotline.emulator.rest_calls import rfc2822, status_callback
from hotline.emulator.rest_http import (
    BODY_REQUIRED,
    BODY_TOO_LONG,
    INVALID_FROM,
    INVALID_TO,
    MESSAGE_FROM_REQUIRED,
    MESSAGE_TO_REQUIRED,
    NOT_A_MOBILE,
    SENDER_NOT_SMS_CAPABLE,
    RestRequest,
    bad_request,
)
from hotline.emulator.sms import (
    MAX_BODY_CHARACTERS,
    is_mobile_reachable,
    segments,
    sends_sms_in_france,
    valid_sender,
)
from hotline.emulator.twiml_rules import E164

UNREACHABLE_HANDSET = "30003"


def new_message(
    request: RestRequest, sid: str, account_sid: str, api_version: str, now: datetime
) -> tuple[dict[str, Any], str | None]:
    """Validate `POST /Messages.json`; return the message JSON and its status callback URL."""
    to, from_ = request.get("To"), request.get("From")
    service, body = request.get("MessagingServiceSid"), request.get("Body")
    if not to:
        raise bad_request(MESSAGE_TO_REQUIRED, "A 'To' phone number is required.")
    if not from_ and not service:
        raise bad_request(MESSAGE_FROM_REQUIRED, "A 'From' phone number is required.")
    if not E164.match(to):
        raise bad_request(INVALID_TO, f"The 'To' number {to} is not a valid phone number.")
    if from_ and not valid_sender(from_):
        raise bad_request(INVALID_FROM, f"Invalid From Number (caller ID): {from_}")
    if from_ and not sends_sms_in_france(from_):
        refusal = f"The 'From' phone number provided ({from_}) is not a valid message-capable"
        raise bad_request(SENDER_NOT_SMS_CAPABLE, f"{refusal} Twilio phone number")
    if not body:
        raise bad_request(BODY_REQUIRED, "Message body is required.")
    if len(body) > MAX_BODY_CHARACTERS:
        raise bad_request(BODY_TOO_LONG, "The concatenated message body exceeds the 1600 limit.")
    if not is_mobile_reachable(to):
        raise bad_request(NOT_A_MOBILE, f"'To' number {to} is not a valid mobile number")
    callback = status_callback(request)
    message = message_resource(
        sid, account_sid, api_version, now, to=to, from_=from_, service=service, body=body
    )
    return message, callback


def message_resource(
    sid: str,
    account_sid: str,
    api_version: str,
    now: datetime,
    *,
    to: str,
    from_: str | None,
    service: str | None,
    body: str,
) -> dict[str, Any]:
    """The Message instance JSON, with the fields twilio-python's `MessageInstance` reads."""
    uri = f"/{api_version}/Accounts/{account_sid}/Messages/{sid}"
    return {
        "sid": sid,
        "account_sid": account_sid,
        "api_version": api_version,
        "body": body,
        "date_created": rfc2822(now),
        "date_sent": None,
        "date_updated": rfc2822(now),
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": str(segments(body)),
        "price": None,
        "price_unit": "USD",
        "status": "queued" if from_ else "accepted",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": to,
        "uri": f"{uri}.json",
    }


def delivery_statuses(network_result: str | None) -> list[str]:
    """The statuses a queued message goes through on the emulated network."""
    return ["sent", "undelivered"] if network_result == "failed" else ["sent", "delivered"]


def message_callback_params(message: dict[str, Any], status: str) -> dict[str, str]:
    """The form of an SMS status callback, as Twilio posts it."""
    params = {
        "MessageSid": message["sid"],
        "SmsSid": message["sid"],
        "AccountSid": message["account_sid"],
        "From": message["from"] or "",
        "To": message["to"],
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": message["api_version"],
    }
    if message["messaging_service_sid"]:
        params["MessagingServiceSid"] = message["messaging_service_sid"]
    if status == "undelivered":
        params["ErrorCode"] = UNREACHABLE_HANDSET
    return params


def recording_resource(
    stored: StoredRecording, account_sid: str, api_version: str, api_base: str
) -> dict[str, Any]:
    """The Recording instance JSON, with the fields twilio-python's `RecordingInstance` reads."""
    recording = stored.recording
    uri = f"/{api_version}/Accounts/{account_sid}/Recordings/{recording.sid}"
    return {
        "sid": recording.sid,
        "account_sid": account_sid,
        "api_version": api_version,
        "call_sid": stored.call_sid,
        "conference_sid": stored.conference_sid,
        "channels": 1,
        "date_created": rfc2822(stored.created_at),
        "date_updated": rfc2822(stored.created_at),
        "start_time": rfc2822(stored.created_at),
        "duration": str(recording.duration),
        "encryption_details": None,
        "error_code": None,
        "media_url": f"{api_base}{uri}",
        "price": None,
        "price_unit": "USD",
        "source": "Conference" if stored.conference_sid else "RecordVerb",
        "status": recording.status,
        "subresource_uris": {
            "add_on_results": f"{uri}/AddOnResults.json",
            "transcriptions": f"{uri}/Transcriptions.json",
        },
        "uri": f"{uri}.json",
    }
