"""Progressive lockout of the staff phone menu's PIN, and the coordinator's notice of it.

A sliding window of 5 failures per 15 minutes still lets a caller who spoofs a staff
member's number try about 480 PINs a day. Here every fifth failure locks the phone menu
for that phone and for that staff account: 15 minutes, then 30, 60... up to a day. The
count lives in Redis for a week after the last failure, so waiting out a window does not
start over; a good PIN clears it. Each lock is logged (staff id, never the number) and
shown to the structure's coordinators on the dashboard.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.extensions import redis_store
from hotline.models import Staff

FAILURES_PER_LOCK = 5
FIRST_LOCK_SECONDS = 15 * 60
MAX_LOCK_SECONDS = 24 * 3600
MEMORY_SECONDS = 7 * 24 * 3600
MAX_ALERTS = 20

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinAlert:
    """One lock, as the coordinator reads it: who, when, until when, after how many failures."""

    staff_name: str
    at: datetime
    until: datetime
    failures: int


def _keys(phone_key: str, staff_id: int | None) -> list[str]:
    # Under hotline:throttle: like the other failure counters (tests clear that prefix).
    keys = [f"hotline:throttle:pin-lock:phone:{phone_key}"]
    return keys + ([f"hotline:throttle:pin-lock:staff:{staff_id}"] if staff_id else [])


def _alerts_key(structure_id: int) -> str:
    return f"hotline:pin-alerts:{structure_id}"


def locked_for(phone_key: str, staff_id: int | None, now: datetime) -> int | None:
    """Seconds until the phone menu accepts a PIN again from this phone or account, or None."""
    connection, instant = redis_store.connection, now.timestamp()
    untils = [connection.hget(key, "locked_until") for key in _keys(phone_key, staff_id)]
    waits = [float(until) - instant for until in untils if until is not None]
    longest = max(waits, default=0.0)
    return int(longest) + 1 if longest > 0 else None


def lock_seconds(strikes: int) -> int:
    """15 minutes for the first lock, doubling with each one after, a day at most."""
    return int(min(FIRST_LOCK_SECONDS * 2 ** max(0, strikes - 1), MAX_LOCK_SECONDS))


def record_failure(phone_key: str, staff: Staff | None, now: datetime) -> int | None:
    """Count a wrong PIN; when it makes a lock, set it, say so, and return its seconds."""
    longest: int | None = None
    connection, failures = redis_store.connection, 0
    for key in _keys(phone_key, staff.id if staff else None):
        failures = int(connection.hincrby(key, "failures", 1))
        if failures % FAILURES_PER_LOCK == 0:
            seconds = lock_seconds(failures // FAILURES_PER_LOCK)
            connection.hset(key, "locked_until", str(now.timestamp() + seconds))
            longest = max(longest or 0, seconds)
        connection.expire(key, MEMORY_SECONDS)
    if longest is not None and staff is not None:
        _tell_the_coordinator(staff, now, longest, failures)  # the account's own count
    return longest


def forget(phone_key: str, staff_id: int | None) -> None:
    """A good PIN: its owner is on the phone, the count starts again."""
    redis_store.connection.delete(*_keys(phone_key, staff_id))


def _tell_the_coordinator(staff: Staff, now: datetime, seconds: int, failures: int) -> None:
    log.warning(
        "staff phone PIN locked for staff %s of structure %s after %s failures, for %s min",
        staff.id,
        staff.structure_id,
        failures,
        seconds // 60,
    )
    alert = {"name": staff.name, "at": now.timestamp(), "until": now.timestamp() + seconds}
    key, connection = _alerts_key(staff.structure_id), redis_store.connection
    connection.lpush(key, json.dumps({**alert, "failures": failures}))
    connection.ltrim(key, 0, MAX_ALERTS - 1)
    connection.expire(key, MEMORY_SECONDS)


def recent_alerts(structure_id: int, tz: Any) -> list[PinAlert]:
    """The locks of the last week in this structure, newest first, in its time zone."""
    raw = redis_store.connection.lrange(_alerts_key(structure_id), 0, MAX_ALERTS - 1)
    alerts = [json.loads(item) for item in raw]
    return [
        PinAlert(
            a["name"],
            datetime.fromtimestamp(a["at"], tz),
            datetime.fromtimestamp(a["until"], tz),
            int(a["failures"]),
        )
        for a in alerts
    ]
