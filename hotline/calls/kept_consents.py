"""A caller's answer to "shall we call you back?" kept in Redis when the database failed.

The consent webhook writes the answer in the database; if that write fails (a lock, a
timeout, a restart), the answer would be lost with the request. It is kept instead under
`hotline:consent:<CallSid>` in Redis, a different store that a database failure leaves
standing, and a sweep applies it once the database answers again. Applying is
idempotent (`record_consent` queues one callback per call), so a sweep that runs twice,
or a kept answer the database also received, changes nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from hotline.calls.records import find_call_or_none
from hotline.calls.voicemails import record_consent
from hotline.extensions import redis_store

log = logging.getLogger(__name__)
PREFIX = "hotline:consent:"
KEEP_SECONDS = 7 * 86400  # long past any database outage we would still recover from


def keep_consent(call_sid: str, consent: bool) -> bool:
    """Keep the answer for the sweep; False when Redis could not keep it either."""
    if not call_sid:
        return False
    try:
        redis_store.connection.set(PREFIX + call_sid, "1" if consent else "0", ex=KEEP_SECONDS)
    except RedisError:
        log.error("could not keep a callback consent in Redis either")
        return False
    return True


def kept_call_sids() -> list[str]:
    keys = redis_store.connection.scan_iter(match=PREFIX + "*", count=500)
    return [key.decode().removeprefix(PREFIX) for key in keys]


def apply_kept_consent(session: Session, call_sid: str, now: datetime) -> bool:
    """Record one kept answer (flushes); True when it was applied and may be forgotten."""
    value = redis_store.connection.get(PREFIX + call_sid)
    call = find_call_or_none(session, call_sid)
    if value is None or call is None or call.structure_id is None:
        return False
    record_consent(session, call, value == b"1", now)
    return True


def forget_kept_consent(call_sid: str) -> None:
    """Once the answer is committed in the database."""
    redis_store.connection.delete(PREFIX + call_sid)
