"""No phone number and no staff note ever reaches a log, even when the database fails.

The whole run is captured at DEBUG on the root logger, as a platform that keeps every
line would: SQLAlchemy's statement log, Flask's error log, ours, the libraries'.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, got_request_exception
from sqlalchemy import event, select

from hotline.emulator import ScriptedCaller
from hotline.extensions import db
from hotline.models import Callback
from tests.inbound_helpers import ADMINISTRATIF, DEMO_NUMBER, FRENCH

pytestmark = pytest.mark.usefixtures("demo")

CALLER = "+33698765432"
NOTE = "Mme Nguyen attend sa notification CAF"
FORM_PHONE = "06 11 22 33 44"
FORM_NOTE = "Rappeler le fils de M. Benali avant vendredi"
# E.164 (+33…) and the French national forms (0611223344, 06 11 22 33 44, 06.11.22.33.44).
PHONE = re.compile(r"\+\d{8,15}|(?<![\w+])0[1-9](?:[ .-]?\d{2}){4}(?!\w)")


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records
    return caplog


@pytest.fixture
def failing_insert(app: Flask) -> Iterator[Callable[[], None]]:
    """Once called, the driver refuses every INSERT into callback, its real parameters bound."""

    def break_it(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        if statement.startswith("INSERT INTO callback "):
            statement = statement.replace("INSERT INTO callback ", "INSERT INTO no_such_table ")
        return statement, params

    def start() -> None:
        event.listen(db.engine, "before_cursor_execute", break_it, retval=True)

    yield start
    if event.contains(db.engine, "before_cursor_execute", break_it):
        event.remove(db.engine, "before_cursor_execute", break_it)


def _private_text_in(text: str) -> list[str]:
    found = PHONE.findall(text)
    return found + [secret for secret in (NOTE, FORM_NOTE, "Nguyen", "Benali") if secret in text]


@pytest.mark.commits  # the driver error is injected on the app's own engine
def test_a_full_run_with_a_driver_error_logs_no_number_and_no_note(
    app: Flask,
    emulator: Any,
    sign_in: Any,
    session: Any,
    clock: Any,
    all_logs: pytest.LogCaptureFixture,
    failing_insert: Callable[[], None],
) -> None:
    clock.set("2026-12-07 10:00")  # Monday: administratif open, nobody answers → voicemail
    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} wait:600 # 1")
    )
    assert log.recordings
    callback_id = session.scalar(select(Callback.id).where(Callback.phone_e164 == CALLER))
    assert callback_id is not None

    amina = sign_in("amina")
    assert amina.post_json(f"/api/callbacks/{callback_id}/claim").status_code == 200
    done = amina.post_json(
        f"/api/callbacks/{callback_id}/outcome",
        {"outcome": "reached", "note": NOTE, "called_elsewhere": True},
    )
    assert done.status_code == 200, done.get_json()

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: Flask logs, answers 500
    failing_insert()
    raised: list[str] = []  # what any other reporter (an RQ worker, an error tracker) would see
    with got_request_exception.connected_to(lambda _app, exception: raised.append(str(exception))):
        failed = amina.post_json("/api/callbacks", {"phone": FORM_PHONE, "note": FORM_NOTE})
    assert failed.status_code == 500
    assert raised
    assert _private_text_in(" ".join(raised)) == []

    text = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in all_logs.records
    )
    assert _private_text_in(text) == []
    assert "failed with OperationalError" in text or "failed with ProgrammingError" in text
