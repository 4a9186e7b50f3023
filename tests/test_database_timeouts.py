"""A database that hangs: every webhook still apologises and offers the voicemail in time.

Twilio waits 15 s for a webhook, then plays its own English error to the caller. The
hangs here are real: another connection holding a lock, a server that never answers.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from hotline import create_app
from hotline.config import DEFAULT_DATABASE_TIMEOUT, DEV_ACCOUNT_SID, DEV_AUTH_TOKEN
from hotline.emulator import Emulator, PhoneBook, WsgiTransport, parse_twiml
from tests.conftest import BASE_URL
from tests.inbound_helpers import CALLER, DEMO_NUMBER, fr

RELEASE_AFTER = 20.0  # seconds: only reached by a webhook that does not give up by itself


def _answer_incoming(emulator: Emulator) -> tuple[float, str]:
    """Post a first webhook of a new call; how long it took and the TwiML answered."""
    started = time.monotonic()
    response = emulator.post(
        "/voice/incoming", emulator.call_params("CA" + "7" * 32, CALLER, DEMO_NUMBER)
    )
    elapsed = time.monotonic() - started
    assert response.status == 200
    return elapsed, response.body


def _assert_apology_with_voicemail(body: str) -> None:
    verbs = parse_twiml(body)
    assert fr("technical_error") in [verb.text for verb in verbs]
    assert "Record" in [verb.name for verb in verbs]


@contextmanager
def _held(release: Callable[[], None]) -> Iterator[None]:
    """Release the lock after RELEASE_AFTER at the latest, so the old code ends too."""
    timer = threading.Timer(RELEASE_AFTER, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        release()


@pytest.mark.usefixtures("demo")
def test_a_write_lock_held_elsewhere_gets_the_apology_in_time(
    app: Flask, emulator: Emulator
) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        blocker: Any = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")  # another process writing: the file is locked
    else:
        import psycopg

        blocker = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        blocker.execute("LOCK TABLE call IN ACCESS EXCLUSIVE MODE")  # open transaction
    with _held(blocker.rollback):
        elapsed, body = _answer_incoming(emulator)
    blocker.close()
    assert elapsed < DEFAULT_DATABASE_TIMEOUT
    _assert_apology_with_voicemail(body)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word, like a hung PostgreSQL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with _held(listener.close):
        yield listener.getsockname()[1]


def test_a_database_that_never_answers_gets_the_apology_in_time(
    redis_url: str, silent_server: int
) -> None:
    hung = create_app(
        {
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/hotline",
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": BASE_URL,
            "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
        }
    )
    emulator = Emulator(
        WsgiTransport(hung),
        BASE_URL,
        DEV_AUTH_TOKEN,
        account_sid=DEV_ACCOUNT_SID,
        phones=PhoneBook(),
    )
    elapsed, body = _answer_incoming(emulator)
    assert elapsed < DEFAULT_DATABASE_TIMEOUT
    _assert_apology_with_voicemail(body)
