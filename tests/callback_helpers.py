"""Shared fixtures and words for the callback tests: the fake Twilio REST API, a queued callback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from hotline import callbacks, gateway
from hotline.emulator import Emulator, EmulatorHttpClient, FakeTwilio
from hotline.extensions import redis_store
from hotline.models import Callback, CallbackAttempt
from tests.factories import person as known_person
from tests.factories import staff, structure, theme

__all__ = ["JEAN", "install_fake", "new_callback", "reload_attempt", "staff", "started_attempt"]

JEAN = "+33600000101"  # p-001 Jean Martin, a known person with a mobile
UNKNOWN_CALLER = "+33612345678"


def install_fake(app: Flask, emulator: Emulator) -> FakeTwilio:
    """The emulator's REST API, reached by the gateway's real twilio client in-process.

    Redis is emptied first: the jobs' guards are keyed by row ids, which a fresh SQLite reuses.
    """
    redis_store.connection.flushdb()
    twilio = FakeTwilio(emulator)
    gateway.init_app(app, http_client=EmulatorHttpClient(twilio))
    return twilio


def new_callback(
    session: Any, now: datetime, theme_key: str = "administratif", person: str | None = "p-001"
) -> Callback:
    """A waiting entry of the demo structure, committed, added by Sophie (coordinator)."""
    person_row = known_person(session, person) if person else None
    callback = callbacks.create_manual_callback(
        session,
        structure_id=structure(session).id,
        staff=staff(session, "sophie"),
        phone="" if person_row else UNKNOWN_CALLER,
        theme_id=theme(session, theme_key).id,
        person_id=person_row.id if person_row else None,
        note="",
        now=now,
    )
    session.commit()
    return callback


def started_attempt(session: Any, now: datetime, key: str = "amina", **kwargs: Any) -> Any:
    """A callback claimed by `key`, whose attempt has started (committed): what the job gets."""
    callback = new_callback(session, now, **kwargs)
    member = staff(session, key)
    callbacks.claim_callback(session, callback.id, member, now)
    attempt = callbacks.start_attempt(session, callback.id, member, now)
    session.commit()
    return attempt


def reload_attempt(session: Any, attempt_id: int) -> CallbackAttempt:
    session.expire_all()
    found = session.get(CallbackAttempt, attempt_id)
    assert found is not None
    return found
