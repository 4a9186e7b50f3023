"""No callback stranded on "Appel en cours": a worker killed mid-call, a silent provider, a lost job

Was: a worker killed inside `gateway.place_call`, or a provider timeout, left a 30-day Redis
guard and an open attempt; "Rappeler" said the call was already requested and placed nothing,
release was refused, and the entry came back only after the 120-minute lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq import Queue, SimpleWorker

from hotline import gateway
from hotline.emulator import Emulator, FakeTwilio, serve
from hotline.extensions import redis_store
from hotline.models import CallbackAttempt, CallbackStatus
from tests.callback_helpers import new_callback, reload_attempt, started_attempt
from tests.redis_server import OwnRedis
from workers import jobs, sweeps

pytestmark = pytest.mark.usefixtures("demo")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_redis(app: Flask, tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    app.config["REDIS_URL"] = server.url
    app.extensions["hotline.redis"] = None
    yield server
    server.close()


@pytest.fixture
def provider_server(app: Flask, emulator: Emulator) -> Iterator[FakeTwilio]:
    """The fake Twilio over HTTP, reached by the stock twilio client; calls stay queued."""
    twilio = FakeTwilio(emulator)
    url, stop = serve(twilio)
    twilio.on_queued = None  # count the calls created; nobody plays them
    app.config["TWILIO_API_BASE"] = url
    gateway.init_app(app, http_client=None)
    yield twilio
    stop()


def run_worker_here() -> None:
    connection = redis_store.connection
    SimpleWorker([Queue("default", connection=connection)], connection=connection).work(burst=True)


def start_worker_process(app: Flask, clock: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "TWILIO_API_BASE": app.config["TWILIO_API_BASE"],
        "TEST_CLOCK": clock().isoformat(),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker_process"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_worker_inside_place_call(app: Flask, clock: Any, provider: FakeTwilio) -> None:
    """A real worker process takes the job and is SIGKILLed while the provider holds it."""
    worker = start_worker_process(app, clock)
    try:
        wait_for(lambda: provider.faults.held == 1)  # the job is inside place_call
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.commits  # a worker process reads what the test wrote
def test_a_worker_killed_inside_place_call_leaves_nothing_stuck(
    app: Flask,
    sign_in: Any,
    session: Any,
    clock: Any,
    own_redis: OwnRedis,
    provider_server: FakeTwilio,
) -> None:
    amina = sign_in("amina")
    callback = new_callback(session, clock())
    assert amina.post_json(f"/api/callbacks/{callback.id}/claim").status_code == 200
    provider_server.stall_next(times=1)  # the provider never answers the staff leg
    assert amina.post_json(f"/api/callbacks/{callback.id}/call").json["already_requested"] is False
    [attempt] = session.query(CallbackAttempt).all()

    kill_worker_inside_place_call(app, clock, provider_server)

    guard = f"hotline:callback-call:{attempt.id}"
    assert 0 < redis_store.connection.ttl(guard) <= jobs.GUARD_SECONDS <= 15 * 60
    assert provider_server.calls == {}
    # Within the job's time, asking again still waits for that job...
    assert amina.post_json(f"/api/callbacks/{callback.id}/call").json["already_requested"]
    # ...then the sweep reopens the attempt that never got a call, and drops the guard.
    clock.instant += timedelta(minutes=11)
    assert sweeps.reopen_stuck_attempts() == 1
    assert sweeps.reopen_stuck_attempts() == 0
    assert not redis_store.connection.exists(guard)
    stored = reload_attempt(session, attempt.id)
    assert stored.ended_at is not None
    assert "n'a pas pu être lancé" in stored.failure_reason
    assert stored.callback.status == CallbackStatus.CLAIMED

    again = amina.post_json(f"/api/callbacks/{callback.id}/call")
    assert (again.status_code, again.json["attempt"], again.json["already_requested"]) == (
        200,
        2,
        False,
    )
    run_worker_here()
    assert len(provider_server.calls) == 1  # one call, for the second attempt


@pytest.mark.slow
@pytest.mark.commits  # a worker process reads what the test wrote
def test_a_job_held_by_a_killed_worker_is_given_up_by_the_sweep_and_can_run_again(
    app: Flask,
    session: Any,
    clock: Any,
    own_redis: OwnRedis,
    provider_server: FakeTwilio,
) -> None:
    """RQ keeps the job "started" for a dead worker; enqueue refused it until a cleanup."""
    from rq.job import Job, JobStatus

    from hotline import tasks

    attempt = started_attempt(session, clock())
    session.commit()
    provider_server.stall_next(times=1)
    assert tasks.enqueue(tasks.PLACE_CALLBACK_CALL, attempt.id)
    kill_worker_inside_place_call(app, clock, provider_server)
    job_id = tasks.PLACE_CALLBACK_CALL.job_id(attempt.id)
    job = Job.fetch(job_id, connection=redis_store.connection)
    assert job.get_status() == JobStatus.STARTED
    assert tasks.enqueue(tasks.PLACE_CALLBACK_CALL, attempt.id) is False  # "still running"

    assert tasks.recover_abandoned_jobs() == []  # its heartbeat has not expired yet
    assert tasks.recover_abandoned_jobs(time.time() + 3600) == [job_id]
    assert job.get_status(refresh=True) == JobStatus.FAILED  # no retries: failed for good
    assert tasks.enqueue(tasks.PLACE_CALLBACK_CALL, attempt.id) is True  # asked again: runs


def test_a_provider_that_never_answers_reopens_the_attempt_at_once(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    attempt = started_attempt(session, clock())
    fake.stall_next(times=1)

    assert jobs.place_callback_call(attempt.id) is None
    stored = reload_attempt(session, attempt.id)
    assert stored.ended_at is not None
    assert stored.failure_reason == (
        "Le fournisseur téléphonique n'a pas répondu à temps. Vous pouvez rappeler."
    )
    assert stored.callback.status == CallbackStatus.CLAIMED
    assert jobs.place_callback_call(attempt.id) is None  # the same job again: nothing
    assert fake.calls == {}


def test_staff_cancel_an_attempt_whose_job_was_lost_then_call_again(
    sign_in: Any, session: Any, clock: Any, fake: FakeTwilio
) -> None:
    attempt = started_attempt(session, clock())  # its job never ran
    amina = sign_in("amina")
    path = f"/api/callbacks/{attempt.callback_id}"
    assert amina.post_json(f"{path}/release").status_code == 409  # as found: refused

    page = amina.get(path.replace("/api", ""))
    assert 'id="cancel-call"' in page.get_data(as_text=True)
    cancelled = amina.post_json(f"{path}/cancel-call")
    assert (cancelled.status_code, cancelled.json["status"]) == (200, "claimed")
    assert "annulée par Amina" in reload_attempt(session, attempt.id).failure_reason
    page = amina.get(path.replace("/api", "")).get_data(as_text=True)
    assert "Tentative annulée par Amina" in page

    again = amina.post_json(f"{path}/call")
    assert (again.json["attempt"], again.json["already_requested"]) == (2, False)
    run_worker_here()
    assert len(fake.calls) == 1


def test_a_live_call_cannot_be_cancelled(sign_in: Any, session: Any, clock: Any) -> None:
    from hotline import callbacks

    attempt = started_attempt(session, clock())
    callbacks.note_attempt_leg(
        session,
        attempt_id=attempt.id,
        leg="staff",
        call_sid="CA" + "1" * 32,
        status="in-progress",
        now=clock(),
    )
    session.commit()
    amina = sign_in("amina")

    refused = amina.post_json(f"/api/callbacks/{attempt.callback_id}/cancel-call")
    assert refused.status_code == 409
    assert "en cours" in refused.json["message"]


def test_another_staff_member_cannot_cancel_but_a_coordinator_can(
    sign_in: Any, session: Any, clock: Any
) -> None:
    attempt = started_attempt(session, clock())
    path = f"/api/callbacks/{attempt.callback_id}/cancel-call"
    assert sign_in("karim").post_json(path).status_code == 409
    assert sign_in("sophie").post_json(path).status_code == 200
