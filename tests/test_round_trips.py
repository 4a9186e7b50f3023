"""What one webhook costs the database, counted statement by statement (issue 11).

Round trips are what a caller waits for in silence. A call's first webhook is one INSERT that
returns its row (the person and language are subqueries of it), on fast commits: no BEGIN, no
COMMIT, no wait for the disk on PostgreSQL. The counts here are facts to keep, not timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, event, select, text

from hotline.calls import driver
from hotline.emulator import compute_signature
from hotline.extensions import db, redis_store
from hotline.models import Call
from tests.conftest import BASE_URL, DEV_AUTH_TOKEN

pytestmark = [pytest.mark.commits, pytest.mark.usefixtures("demo")]


def params(sid: int, **extra: str) -> dict[str, str]:
    return {
        "CallSid": f"CA{sid:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": "+33600000101",  # Jean, a known person who speaks French
        "To": "+33184880000",
        "CallStatus": "ringing",
        "Direction": "inbound",
        **extra,
    }


def post(app: Any, path: str, form: dict[str, str]) -> Any:
    signature = compute_signature(DEV_AUTH_TOKEN, BASE_URL + path, form)
    return app.test_client().post(
        BASE_URL + path, data=form, headers={"X-Twilio-Signature": signature}
    )


@pytest.fixture
def round_trips(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement and transaction boundary sent on either pool during the test, and
    the call path's statements sent on the driver's cursor (`calls.driver`, PostgreSQL)."""
    seen: list[str] = []
    run = driver._Compiled.run

    def counted(compiled: Any, connection: Any, values: Any) -> Any:
        seen.append("driver:" + compiled.sql.split()[0])
        return run(compiled, connection, values)

    monkeypatch.setattr(driver._Compiled, "run", counted)
    with app.app_context():
        engines = {db.engine, db.fast_engine}

    def statement(*args: Any) -> None:
        seen.append(args[2].split()[0])

    def commit(*_args: Any) -> None:
        seen.append("COMMIT")

    for engine in engines:
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def test_a_calls_first_webhook_is_one_statement(app: Any, round_trips: list[str]) -> None:
    assert post(app, "/voice/incoming", params(1)).status_code == 200  # fills the caches
    round_trips.clear()
    response = post(app, "/voice/incoming", params(2))
    assert response.status_code == 200
    assert "Bonjour" in response.get_data(as_text=True)
    # On PostgreSQL the INSERT (and its read of a retried call's row) is one statement sent
    # on the driver's autocommit connection: no BEGIN, no COMMIT (see the last test).
    assert round_trips == (["driver:WITH"] if postgresql(app) else ["INSERT", "COMMIT"])
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == params(2)["CallSid"]))
        assert call is not None
        assert call.person_id is not None
        assert call.language == "fr"


def test_a_retried_first_webhook_reads_the_row_it_finds(app: Any, round_trips: list[str]) -> None:
    post(app, "/voice/incoming", params(3))
    round_trips.clear()
    post(app, "/voice/incoming", params(3))
    if postgresql(app):  # the same one statement: the row already there comes back
        assert round_trips == ["driver:WITH"]
    else:
        assert round_trips == ["INSERT", "SELECT", "COMMIT"]  # nothing inserted: read it


def test_a_theme_chosen_is_two_statements_and_rings(app: Any, round_trips: list[str]) -> None:
    """Key 3 at the menu: the call and the busy staff in one read, the route and its history
    line in one write, both in autocommit; then the ringing job (Redis, no outbox row)."""
    post(app, "/voice/incoming", params(5))
    menu = "/voice/menu?attempt=1&lang=fr&node=main_menu"
    post(app, menu, params(6, Digits="3"))  # fills the caches (a call of its own)
    post(app, "/voice/incoming", params(7))
    round_trips.clear()
    response = post(app, menu, params(7, Digits="3", CallStatus="in-progress"))
    assert "<Conference" in response.get_data(as_text=True)
    if postgresql(app):
        assert round_trips == ["driver:SELECT", "driver:WITH"]
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == params(7)["CallSid"]))
        assert call is not None
        assert call.theme_id is not None
        assert call.status == "in-progress"
        assert [event.kind for event in call.events] == ["route"]
        assert call.events[0].detail.endswith(":ring")
    queued = redis_store.queue().job_ids
    assert f"ring-{call.id}" in queued


def postgresql(app: Any) -> bool:
    return str(app.config["DATABASE_URL"]).startswith("postgresql")


def test_fast_commits_are_unsynced_and_autocommit_on_postgresql(app: Any) -> None:
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite's sessions are the usual ones")
    with app.app_context():
        assert db.session.scalar(text("SHOW synchronous_commit")) == "on"
        fast = db.new_fast_session()
        assert fast.scalar(text("SHOW synchronous_commit")) == "off"
        status = fast.connection().connection.dbapi_connection.info.transaction_status
        assert status == psycopg.pq.TransactionStatus.IDLE  # no transaction left to COMMIT
        fast.close()
    post(app, "/voice/incoming", params(4))
    other = create_engine(app.config["DATABASE_URL"])
    with other.connect() as connection:  # committed without a COMMIT statement
        found = connection.scalar(
            text("SELECT count(*) FROM call WHERE call_sid = :sid"), {"sid": params(4)["CallSid"]}
        )
    other.dispose()
    assert found == 1


def test_a_retried_theme_webhook_writes_and_queues_nothing_new(
    app: Any, round_trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio retries the menu's webhook: same answer, no second history line, no new job."""
    from hotline import tasks

    post(app, "/voice/incoming", params(8))
    menu = "/voice/menu?attempt=1&lang=fr&node=main_menu"
    first = post(app, menu, params(8, Digits="3", CallStatus="in-progress"))
    asked: list[int] = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, row_id: asked.append(row_id) or True)
    again = post(app, menu, params(8, Digits="3", CallStatus="in-progress"))
    assert again.get_data() == first.get_data()
    assert asked == []
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == params(8)["CallSid"]))
        assert call is not None
        assert [event.kind for event in call.events] == ["route"]


def test_a_driver_connection_whose_server_went_away_is_not_pooled_again(app: Any) -> None:
    """PostgreSQL ends the call path's connection between two webhooks (a restart, a failover):
    the webhook that meets it apologises in TwiML and offers the voicemail, the connection is
    thrown away instead of going back to the pool, and the next webhook works on a new one."""
    if not postgresql(app):
        pytest.skip("the call path's own connection exists on PostgreSQL only")
    menu = "/voice/menu?attempt=1&lang=fr&node=main_menu"
    post(app, "/voice/incoming", params(21))
    with app.app_context():
        fast = db.fast_engine
        pooled = fast.raw_connection()
        gone = pooled.driver_connection.info.backend_pid
        pooled.close()  # back to the pool: the next webhook checks it out again
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": gone})
            other.commit()

    answer = post(app, menu, params(21, Digits="3", CallStatus="in-progress"))
    assert answer.status_code == 200
    apology = answer.get_data(as_text=True)
    assert "<Say" in apology  # spoken...
    assert "<Record" in apology  # ...then the voicemail

    again = post(app, menu, params(21, Digits="3", CallStatus="in-progress"))
    assert "<Conference" in again.get_data(as_text=True)  # the theme, on a new connection
    with app.app_context():
        pooled = fast.raw_connection()
        assert pooled.driver_connection.info.backend_pid != gone
        pooled.close()
