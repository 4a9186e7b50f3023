"""Redis really stopped during "Rappeler", an outcome or a sign-in: nothing lost, nothing doubled.

Each test starts a redis-server of its own on a free port, points the app at it, kills it at
the worst moment (after the database commit, before the job is queued), acts, starts it
again (empty, as after a crash without persistence) and runs the outbox sweep.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import select

from hotline import callbacks
from hotline.emulator import FakeTwilio
from hotline.extensions import redis_store
from hotline.models import Callback, CallbackOutcome, OutboxJob
from tests.callback_helpers import new_callback, staff
from tests.redis_server import OwnRedis
from workers import sweeps

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def own_redis(app: Flask, tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    app.config["REDIS_URL"] = server.url
    app.extensions["hotline.redis"] = None  # the next use connects to this server
    yield server
    server.close()


def run_worker() -> None:
    connection = redis_store.connection
    queue = Queue("default", connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)


def outbox(session: Any) -> list[tuple[str, bool]]:
    session.expire_all()
    rows = session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()
    return [(row.job_id, row.delivered_at is not None) for row in rows]


def test_rappeler_with_redis_down_is_kept_and_placed_once_when_it_returns(
    sign_in: Any, session: Any, clock: Any, fake: FakeTwilio, own_redis: OwnRedis
) -> None:
    amina = sign_in("amina")
    callback = new_callback(session, clock())
    assert amina.post_json(f"/api/callbacks/{callback.id}/claim").status_code == 200

    own_redis.stop()
    answer = amina.post_json(f"/api/callbacks/{callback.id}/call")
    page = amina.post_form(
        f"/api/callbacks/{callback.id}/call", {"next": f"/callbacks/{callback.id}"}
    )

    assert answer.status_code == 200
    assert (answer.json["deferred"], answer.json["already_requested"]) == (True, False)
    assert page.status_code == 302
    with amina.client.session_transaction() as cookie:
        flashed = [message for _, message in cookie.get("_flashes", [])]
    assert any("sera lancé dès que possible" in m for m in flashed)
    [(job_id, delivered)] = outbox(session)
    assert (job_id.startswith("attempt-"), delivered) == (True, False)

    own_redis.start()
    assert sweeps.relay_outbox() == 1
    assert sweeps.relay_outbox() == 0  # delivered: never queued twice
    assert Queue("default", connection=redis_store.connection).job_ids == [job_id]
    run_worker()
    assert len(fake.calls) == 1
    assert outbox(session) == [(job_id, True)]


def test_an_outcome_with_redis_down_still_sends_the_last_sms_once(
    sign_in: Any, session: Any, clock: Any, fake: FakeTwilio, own_redis: OwnRedis
) -> None:
    member = staff(session)
    callback = new_callback(session, clock())
    for _ in range(3):
        callbacks.claim_callback(session, callback.id, member, clock())
        callbacks.start_attempt(session, callback.id, member, clock())
        result = callbacks.record_outcome(
            session,
            callback_id=callback.id,
            staff=member,
            outcome=CallbackOutcome.NO_ANSWER,
            now=clock(),
        )
        session.commit()
        clock.instant = result.callback.due_at
    callbacks.claim_callback(session, callback.id, member, clock())
    callbacks.start_attempt(session, callback.id, member, clock())
    session.commit()
    amina = sign_in("amina")

    own_redis.stop()
    answer = amina.post_json(f"/api/callbacks/{callback.id}/outcome", {"outcome": "no_answer"})
    assert (answer.status_code, answer.json["status"]) == (200, "abandoned")
    assert outbox(session) == [(f"sms-{callback.id}", False)]

    own_redis.start()
    clock.instant += timedelta(seconds=30)
    assert sweeps.relay_outbox() == 1
    run_worker()
    assert sweeps.resend_lost_sms() == 0
    run_worker()
    assert len(fake.messages) == 1
    session.expire_all()
    assert session.get(Callback, callback.id).sms_sent_at is not None


def test_signing_in_with_redis_down_answers_a_french_page(
    app: Flask, session: Any, own_redis: OwnRedis
) -> None:
    from tests.dashboard_helpers import PASSWORD, give_password

    member = give_password(session, "amina")
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as cookie:
        token = cookie["csrf_token"]
    own_redis.stop()

    response = client.post(
        "/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.get_data(as_text=True)
    own_redis.start()
    response = client.post(
        "/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_rolled_back_transaction_leaves_no_job_in_the_outbox(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    from hotline import tasks

    callback = new_callback(session, clock())
    tasks.enqueue_after_commit(session, tasks.SEND_LAST_ATTEMPT_SMS, callback.id)
    session.rollback()
    assert outbox(session) == []
