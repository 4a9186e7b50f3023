"""Several staff press 1 on the same call at the same instant: exactly one is connected.

Real concurrent requests: one thread per staff phone, each posting its signed
`/voice/ring/answer` (the press-1 screen of a leg the `ring_staff` job placed) to the real
app through its own test client, so each request has
its own app context, session and database connection. A barrier holds every request just
before its first write, so all of them have read the call as "not yet taken" before any
writes: the race the issue measured in 4 of 20 rounds, produced every time.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from hotline.emulator import Emulator, WsgiTransport, parse_twiml
from hotline.extensions import db
from hotline.models import Call, CallEvent, Staff
from tests.conftest import BASE_URL
from tests.inbound_helpers import AMINA, CALLER, CAMILLE, DEMO_NUMBER, KARIM, fr

# Several connections (threads, a lock held by another) must see committed rows.
pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.commits]
STAFF_PHONES = (AMINA, KARIM, CAMILLE)
ROUNDS = 3


def _emulator(app: Flask) -> Emulator:
    config = app.config
    return Emulator(
        WsgiTransport(app),
        BASE_URL,
        config["TWILIO_AUTH_TOKEN"],
        account_sid=config["TWILIO_ACCOUNT_SID"],
    )


@pytest.fixture
def first_writes_together(app: Flask) -> Iterator[threading.Barrier]:
    """Every request thread waits at its first write until all of them got there."""
    barrier = threading.Barrier(len(STAFF_PHONES), timeout=5)
    waited = threading.local()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threading.main_thread() or getattr(waited, "done", False):
            return
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT")):
            waited.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    event.listen(db.engine, "before_cursor_execute", before)
    yield barrier
    event.remove(db.engine, "before_cursor_execute", before)


def _press_one(app: Flask, call_sid: str, staff_id: int, phone: str, answers: dict) -> None:
    params = {
        "CallSid": "CA" + f"{staff_id:032x}",
        "AccountSid": app.config["TWILIO_ACCOUNT_SID"],
        "From": DEMO_NUMBER,
        "To": phone,
        "Direction": "outbound-api",
        "CallStatus": "in-progress",
        "Digits": "1",
    }
    response = _emulator(app).post(f"/voice/ring/answer?call={call_sid}&staff={staff_id}", params)
    answers[staff_id] = [verb.text for verb in parse_twiml(response.body)]


@pytest.mark.usefixtures("first_writes_together")
def test_of_several_staff_pressing_1_at_once_only_one_is_connected(
    app: Flask, session: Any
) -> None:
    staff = {
        phone: session.scalar(select(Staff.id).where(Staff.phone_e164 == phone))
        for phone in STAFF_PHONES
    }
    for round_number in range(ROUNDS):
        call_sid = "CA" + f"{round_number:032x}"
        _emulator(app).post(
            "/voice/incoming", _emulator(app).call_params(call_sid, CALLER, DEMO_NUMBER)
        )
        answers: dict[int, list[str]] = {}
        threads = [
            threading.Thread(target=_press_one, args=(app, call_sid, staff_id, phone, answers))
            for phone, staff_id in staff.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        connected = [sid for sid, said in answers.items() if fr("whisper_accepted") in said]
        refused = [sid for sid, said in answers.items() if fr("whisper_taken") in said]
        assert len(connected) == 1, f"round {round_number}: {answers}"
        assert len(refused) == len(STAFF_PHONES) - 1
        session.expire_all()
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        assert call.staff_id == connected[0]
        answered = session.scalars(
            select(CallEvent.detail).where(
                CallEvent.call_id == call.id, CallEvent.kind == "answered"
            )
        ).all()
        assert answered == [f"staff:{connected[0]}"]
