"""Inbound calls: the call record, routing to the permanence on duty, and voicemails.

`records` keeps one row per call (written by its first webhook) and its events; `routing`
decides who is rung for a theme at an instant; `voicemails` keeps messages and the caller's
consent to be called back. Services flush; the webhook commits.
"""

from __future__ import annotations

from hotline.calls.duty import DUTY_NOTE, toggle_duty_today
from hotline.calls.kept_consents import (
    apply_kept_consent,
    forget_kept_consent,
    keep_consent,
    kept_call_sids,
)
from hotline.calls.records import (
    FINAL_STATUSES,
    apply_status,
    busy_staff_ids,
    choose_route,
    close_stale_staff_legs,
    connect_staff,
    find_call,
    find_call_or_none,
    note_event,
    record_inbound_call,
    release_staff,
)
from hotline.calls.ringing import forgotten_waits, room_name, unrung_waits
from hotline.calls.routing import Route, RouteKind, route_call
from hotline.calls.voicemails import (
    apply_recording_status,
    record_consent,
    save_empty_message,
    save_recording,
)

__all__ = [
    "DUTY_NOTE",
    "FINAL_STATUSES",
    "Route",
    "RouteKind",
    "apply_kept_consent",
    "apply_recording_status",
    "apply_status",
    "busy_staff_ids",
    "choose_route",
    "close_stale_staff_legs",
    "connect_staff",
    "find_call",
    "find_call_or_none",
    "forget_kept_consent",
    "forgotten_waits",
    "unrung_waits",
    "keep_consent",
    "kept_call_sids",
    "note_event",
    "record_consent",
    "record_inbound_call",
    "release_staff",
    "room_name",
    "route_call",
    "save_empty_message",
    "save_recording",
    "toggle_duty_today",
]
