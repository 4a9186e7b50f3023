"""A caller's message and their "yes" survive a database that refuses one request.

The failure is real: while one webhook is served, another connection holds the database
(SQLite: a write transaction on the file; PostgreSQL: an exclusive lock on the table the
webhook writes), so the webhook's write times out as it would in production.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline.emulator import Emulator, PhoneBook, ScriptedCaller, WebhookResponse, WsgiTransport
from hotline.models import Callback, CallbackSource, Voicemail, VoicemailStatus
from tests.conftest import BASE_URL
from tests.inbound_helpers import ADMINISTRATIF, CALLER, DEMO_NUMBER, FRENCH, fr
from workers import sweeps

# Several connections (threads, a lock held by another) must see committed rows.
pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.commits]


class LockedDuring(WsgiTransport):
    """Delivers webhooks to the app; while one to `path` is served, the database is locked."""

    def __init__(self, app: Flask, path: str, table: str) -> None:
        super().__init__(app)
        self.url = app.config["DATABASE_URL"]
        self.path, self.table = path, table
        self.failed: list[str] = []

    def _lock(self) -> Any:
        if self.url.startswith("sqlite"):
            blocker: Any = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            blocker.execute("BEGIN IMMEDIATE")  # another process writing: the file is locked
            return blocker
        import psycopg

        blocker = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))
        blocker.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")
        return blocker

    def request(
        self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        if not url.startswith(BASE_URL + self.path) or self.failed:
            return super().request(method, url, params, headers)
        blocker = self._lock()
        try:
            response = super().request(method, url, params, headers)
        finally:
            blocker.rollback()
            blocker.close()
        self.failed.append(url)
        return response


def _call(app: Flask, clock: Any, transport: LockedDuring, keys: str) -> Any:
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, the voicemail answers
    emulator = Emulator(
        transport,
        BASE_URL,
        app.config["TWILIO_AUTH_TOKEN"],
        account_sid=app.config["TWILIO_ACCOUNT_SID"],
        phones=PhoneBook(),
        clock=clock,
    )
    return emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} {keys}")
    )


def _the_callback(session: Any) -> Callback:
    session.expire_all()
    (callback,) = session.scalars(select(Callback)).all()
    return callback


def test_a_failure_when_the_message_is_announced_still_asks_and_keeps_the_yes(
    app: Flask, session: Any, clock: Any
) -> None:
    transport = LockedDuring(app, "/voice/recorded", "voicemail")
    log = _call(app, clock, transport, "# 1")

    assert transport.failed  # the webhook really met the lock
    assert log.heard_contains(fr("voicemail_saved"))
    assert log.heard_contains(fr("callback_consent"))
    assert log.heard_contains(fr("callback_confirmed"))
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.status == VoicemailStatus.COMPLETED
    assert voicemail.recording_sid == log.recordings[0].sid
    callback = _the_callback(session)
    assert (callback.source, callback.voicemail_id) == (CallbackSource.VOICEMAIL, voicemail.id)


def test_a_failure_when_the_caller_says_yes_keeps_it_for_the_sweep(
    app: Flask, session: Any, clock: Any
) -> None:
    transport = LockedDuring(app, "/voice/consent", "callback")
    log = _call(app, clock, transport, "# 1")

    assert transport.failed
    assert log.heard_contains(fr("callback_confirmed"))
    assert session.scalar(select(func.count()).select_from(Callback)) == 0  # not yet

    assert sweeps.apply_kept_consents() == 1
    callback = _the_callback(session)
    assert callback.voicemail_id == session.scalar(select(Voicemail.id))
    assert session.scalar(select(Voicemail.callback_consent)) is True
    assert sweeps.apply_kept_consents() == 0  # applied once, then forgotten
    assert _the_callback(session).id == callback.id
