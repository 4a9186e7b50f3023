"""The Conferences and Participants resources of the fake REST API (twilio-python 9.13 paths).

- `GET Conferences.json` (FriendlyName, Status filters), `GET/POST Conferences/{sid}.json`
  (Status=completed ends the room; AnnounceUrl plays to everyone).
- `POST Conferences/{sid or FriendlyName}/Participants.json` dials out into the room: the call
  is paced and counted like `calls.create` (queue_time, error 16021), and the room is created
  when no active room has that FriendlyName (a ConferenceSid that is not active: 16003).
- `GET/POST/DELETE Conferences/{sid}/Participants/{CallSid or Label}.json`: fetch, update
  (Muted, Hold, HoldUrl, AnnounceUrl, EndConferenceOnExit, ...), delete = kick.

Changes to a live room are applied by the simulation, after the request (as Twilio applies them
asynchronously): the response shows the requested values; run the simulation to see the
callbacks. Parameters Twilio documents but the emulator does not act on (recording, AMD,
region...) are accepted and noted in the call's log; any other parameter is refused.
"""

from __future__ import annotations

from typing import Any

from hotline.emulator.conference import (
    DUPLICATE_LABEL,
    UNKNOWN_CONFERENCE,
    Conference,
    JoinSpec,
    Participant,
)
from hotline.emulator.outbound import CALL_EVENTS, Instructions, OutboundCall
from hotline.emulator.rest_calls import (
    CALLS_RESOURCE,
    callback_events,
    http_method,
    is_absolute_url,
    rfc2822,
    status_callback,
)
from hotline.emulator.rest_http import (
    CALL_FROM_REQUIRED,
    CALL_TO_REQUIRED,
    INVALID_FROM,
    INVALID_TO,
    STATUS_CALLBACK_EVENT_INVALID,
    ApiError,
    RestRequest,
    bad_request,
)
from hotline.emulator.twiml_rules import E164

CONFERENCE_EVENTS = frozenset(
    {"start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"}
)
EMULATED = frozenset(
    {
        "From", "To", "Label", "Timeout", "StatusCallback", "StatusCallbackMethod",
        "StatusCallbackEvent", "EarlyMedia", "Beep", "Muted", "StartConferenceOnEnter",
        "EndConferenceOnExit", "WaitUrl", "WaitMethod", "MaxParticipants",
        "ConferenceStatusCallback", "ConferenceStatusCallbackMethod",
        "ConferenceStatusCallbackEvent", "TimeLimit",
    }
)  # fmt: skip
NOT_EMULATED = frozenset(
    {
        "Record", "Trim", "ConferenceRecord", "ConferenceTrim", "RecordingChannels",
        "RecordingTrack", "RecordingStatusCallback", "RecordingStatusCallbackMethod",
        "RecordingStatusCallbackEvent", "ConferenceRecordingStatusCallback",
        "ConferenceRecordingStatusCallbackMethod", "ConferenceRecordingStatusCallbackEvent",
        "Region", "Coaching", "CallSidToCoach", "JitterBufferSize", "Byoc", "CallerId",
        "CallReason", "SipAuthUsername", "SipAuthPassword", "CallToken", "AmdStatusCallback",
        "AmdStatusCallbackMethod", "MachineDetection", "MachineDetectionTimeout",
        "MachineDetectionSpeechThreshold", "MachineDetectionSpeechEndThreshold",
        "MachineDetectionSilenceTimeout",
    }
)  # fmt: skip
UPDATE_PARAMS = frozenset(
    {
        "Muted", "Hold", "HoldUrl", "HoldMethod", "AnnounceUrl", "AnnounceMethod", "WaitUrl",
        "WaitMethod", "BeepOnExit", "EndConferenceOnExit", "Coaching", "CallSidToCoach",
    }
)  # fmt: skip
BEEPS = ("true", "false", "onEnter", "onExit")


def flag(request: RestRequest, name: str, default: bool) -> bool:
    value = request.get(name)
    if value is None:
        return default
    if value not in ("true", "false"):
        raise bad_request(CALLS_RESOURCE, f"{name} must be true or false, got {value!r}")
    return value == "true"


def bounded(request: RestRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_request(CALLS_RESOURCE, f"{name} must be an integer from {low} to {high}")
    return int(raw)


def url_param(request: RestRequest, name: str) -> str | None:
    url = request.get(name)
    if url is not None and not is_absolute_url(url):
        raise bad_request(CALLS_RESOURCE, f"{name} is not a valid absolute URL: {url}")
    return url


def conference_events(request: RestRequest) -> frozenset[str]:
    events = request.getlist("ConferenceStatusCallbackEvent")
    wrong = [e for e in events if e not in CONFERENCE_EVENTS]
    if wrong:
        raise bad_request(
            STATUS_CALLBACK_EVENT_INVALID,
            f"Invalid ConferenceStatusCallbackEvent {wrong[0]!r}: repeat the parameter once per"
            f" event ({' '.join(sorted(CONFERENCE_EVENTS))}); pass a Python list",
        )
    return frozenset(events) or frozenset({"start", "end"})


def participant_spec(request: RestRequest, name: str) -> JoinSpec:
    unknown = sorted(set(request.form) - EMULATED - NOT_EMULATED - {"PageSize"})
    if unknown:
        raise bad_request(CALLS_RESOURCE, f"Unknown Participants parameter(s): {unknown}")
    beep = request.get("Beep") or "true"
    if beep not in BEEPS:
        raise bad_request(CALLS_RESOURCE, f"Beep must be one of {', '.join(BEEPS)}")
    return JoinSpec(
        name=name,
        muted=flag(request, "Muted", False),
        beep=beep,
        start_on_enter=flag(request, "StartConferenceOnEnter", True),
        end_on_exit=flag(request, "EndConferenceOnExit", False),
        wait_url=request.form.get("WaitUrl", [None])[0] if "WaitUrl" in request.form else None,
        wait_method=http_method(request, "WaitMethod"),
        max_participants=bounded(request, "MaxParticipants", 250, 2, 250),
        status_callback=url_param(request, "ConferenceStatusCallback"),
        status_callback_method=http_method(request, "ConferenceStatusCallbackMethod"),
        status_callback_events=conference_events(request),
        label=request.get("Label"),
        time_limit=bounded(request, "TimeLimit", 14400, 1, 14400),
    )


def new_participant_call(
    request: RestRequest, sid: str, fake_now: Any, spec: JoinSpec
) -> OutboundCall:
    """Validate the call half of a Participants create (From/To/Timeout/StatusCallback...)."""
    to, from_ = request.get("To"), request.get("From")
    if not to:
        raise bad_request(CALL_TO_REQUIRED, "No 'To' number is specified")
    if not from_:
        raise bad_request(CALL_FROM_REQUIRED, "No 'From' number is specified")
    if not E164.match(to):
        raise bad_request(INVALID_TO, f"Invalid 'To' Phone Number: {to}")
    if not E164.match(from_):
        raise bad_request(INVALID_FROM, f"Invalid From Number (caller ID): {from_}")
    events = callback_events(request)
    assert events <= CALL_EVENTS
    flag(request, "EarlyMedia", True)  # validated; early media is not emulated (see log)
    ignored = tuple(sorted(set(request.form) & NOT_EMULATED))
    return OutboundCall(
        sid=sid,
        to=to,
        from_=from_,
        instructions=Instructions(),
        created_at=fake_now,
        updated_at=fake_now,
        status_callback=status_callback(request),
        status_callback_method=http_method(request, "StatusCallbackMethod"),
        events=events,
        timeout=bounded(request, "Timeout", 60, 5, 600),
        time_limit=spec.time_limit,
        ignored=ignored,
        conference=spec,
    )


def find_room(conferences: Any, key: str, *, create: bool) -> Conference:
    """A room by sid, or by FriendlyName (active only); created by name when `create`."""
    if key in conferences.by_sid:
        room: Conference = conferences.by_sid[key]
        if create and room.status == "completed":
            raise ApiError(404, UNKNOWN_CONFERENCE, f"Conference {key} is not active")
        return room
    if key.startswith("CF") and len(key) == 34:
        raise ApiError(
            404, UNKNOWN_CONFERENCE, "Could not recognize conference sid or friendly name"
        )
    active = conferences.active(key)
    if active is not None:
        return active
    if create:
        return conferences.open(key)
    raise ApiError(404, UNKNOWN_CONFERENCE, "Could not recognize conference sid or friendly name")


def find_participant(room: Conference, key: str) -> Participant:
    if key in room.participants:
        return room.participants[key]
    for p in room.participants.values():
        if p.label == key:
            return p
    raise ApiError(404, 20404, f"Participant {key} is not in conference {room.sid}")


def check_label(room: Conference, label: str | None) -> None:
    if label is not None and any(p.label == label for p in room.participants.values()):
        raise ApiError(409, DUPLICATE_LABEL, f"Participant label {label!r} already in use")


def conference_resource(room: Conference, account_sid: str, api_version: str) -> dict[str, Any]:
    uri = f"/{api_version}/Accounts/{account_sid}/Conferences/{room.sid}"
    return {
        "account_sid": account_sid,
        "api_version": api_version,
        "call_sid_ending_conference": None,
        "date_created": rfc2822(room.date_created),
        "date_updated": rfc2822(room.date_updated),
        "friendly_name": room.friendly_name,
        "reason_conference_ended": room.end_reason,
        "region": "ie1",
        "sid": room.sid,
        "status": room.status,
        "subresource_uris": {
            "participants": f"{uri}/Participants.json",
            "recordings": f"{uri}/Recordings.json",
        },
        "uri": f"{uri}.json",
    }


def participant_resource(
    p: Participant, room: Conference, account_sid: str, api_version: str, **override: Any
) -> dict[str, Any]:
    status = p.status
    if p.call is not None and p.joined_at is None and not p.gone:
        status = {"queued": "queued", "initiated": "connecting", "ringing": "ringing"}.get(
            p.call.status, "connecting"
        )
    uri = f"/{api_version}/Accounts/{account_sid}/Conferences/{room.sid}/Participants"
    resource = {
        "account_sid": account_sid,
        "call_sid": p.call_sid,
        "label": p.label,
        "call_sid_to_coach": None,
        "coaching": False,
        "conference_sid": room.sid,
        "date_created": rfc2822(p.date_created),
        "date_updated": rfc2822(p.date_updated or p.date_created),
        "end_conference_on_exit": p.end_on_exit,
        "muted": p.muted,
        "hold": p.hold,
        "start_conference_on_enter": p.spec.start_on_enter,
        "status": status,
        "queue_time": str(p.queue_time),
        "uri": f"{uri}/{p.call_sid}.json",
    }
    resource.update(override)
    return resource


def page(key: str, items: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {
        key: items,
        "end": max(len(items) - 1, 0),
        "first_page_uri": uri,
        "next_page_uri": None,
        "page": 0,
        "page_size": max(len(items), 50),
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }


def update_params(request: RestRequest) -> dict[str, Any]:
    """Validate a participant update; return the changes requested."""
    unknown = sorted(set(request.form) - UPDATE_PARAMS)
    if unknown:
        raise bad_request(CALLS_RESOURCE, f"Unknown Participant update parameter(s): {unknown}")
    changes: dict[str, Any] = {}
    for name, key in (("Muted", "muted"), ("Hold", "hold"), ("EndConferenceOnExit", "eoe")):
        if request.get(name) is not None:
            changes[key] = flag(request, name, False)
    for name in ("AnnounceUrl", "HoldUrl", "WaitUrl"):
        if request.get(name) is not None:
            changes[name] = url_param(request, name)
    changes["AnnounceMethod"] = http_method(request, "AnnounceMethod")
    if request.get("Coaching") == "true":
        raise bad_request(CALLS_RESOURCE, "Coaching is not emulated")
    return changes
