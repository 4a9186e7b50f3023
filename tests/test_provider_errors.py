"""The provider busy, down, forbidding or silent: the emulator answers so, the app survives.

The emulator answers Twilio's documented errors on demand (20429 too many requests, 20500 /
20503, 21215 geo permission, 21606 sender not SMS-capable, a request never answered); the
gateway retries 429 and 5xx with jittered back-off, and the jobs close the item with a
French reason on a refusal that cannot succeed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from hotline import gateway, tasks
from hotline.emulator import Answers, FakeTwilio, PhoneBook, serve
from hotline.emulator.rest_faults import GEO_PERMISSION
from hotline.extensions import redis_store
from hotline.models import Callback, CallbackStatus
from tests.callback_helpers import JEAN, reload_attempt, started_attempt
from tests.inbound_helpers import AMINA, DEMO_NUMBER
from tests.test_callback_calls import abandon
from workers import jobs, sweeps

pytestmark = pytest.mark.usefixtures("demo")
SENDER = "AtelierDemo"


@pytest.fixture(autouse=True)
def _quick_retries(app: Flask) -> None:
    app.config.update(PROVIDER_RETRIES=3, PROVIDER_RETRY_BASE_SECONDS=0.01)


# --- the gateway --------------------------------------------------------------------------


def test_a_429_then_a_503_are_retried_and_the_call_is_placed_once(fake: FakeTwilio) -> None:
    fake.fail_next(status=429, code=20429, times=1)
    fake.fail_next(status=503, code=20503, times=1)
    sid = gateway.place_call(AMINA, DEMO_NUMBER, "https://hotline.test/x", "https://hotline.test/s")
    assert list(fake.calls) == [sid]


def test_retries_stop_after_their_budget_and_say_it_is_retryable(fake: FakeTwilio) -> None:
    fake.fail_next(status=500, code=20500, times=10)
    with pytest.raises(gateway.GatewayError) as busy:
        gateway.send_sms(JEAN, SENDER, "Bonjour")
    assert (busy.value.status, busy.value.code) == (500, 20500)
    assert busy.value.retryable
    assert not busy.value.permanent
    assert fake.messages == []


def test_the_pauses_between_retries_grow_with_jitter(app: Flask, fake: FakeTwilio) -> None:
    app.config.update(PROVIDER_RETRIES=2, PROVIDER_RETRY_BASE_SECONDS=0.2)
    fake.fail_next(status=429, code=20429, times=2)
    started = time.monotonic()
    gateway.send_sms(JEAN, SENDER, "Bonjour")
    waited = time.monotonic() - started
    assert 0.1 + 0.1 <= waited < 0.2 + 0.4 + 0.5  # [b/2, b] then [b/2, 2b], plus slack


def test_a_geo_permission_refusal_is_permanent_with_a_french_reason(
    fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones.add("+447700900123", Answers(), rest_error=GEO_PERMISSION)
    with pytest.raises(gateway.GatewayError) as refused:
        gateway.place_call("+447700900123", DEMO_NUMBER, "https://h.test/x", "https://h.test/s")
    assert (refused.value.status, refused.value.code) == (400, 21215)
    assert refused.value.permanent
    assert "permission géographique" in refused.value.reason
    assert fake.calls == {}


def test_a_landline_sender_is_refused_with_21606(fake: FakeTwilio) -> None:
    with pytest.raises(gateway.GatewayError) as refused:
        gateway.send_sms(JEAN, DEMO_NUMBER, "Bonjour")  # the demo's +33 1 number
    assert (refused.value.status, refused.value.code, refused.value.permanent) == (400, 21606, True)
    assert "identifiant alphanumérique" in refused.value.reason


def test_a_messaging_service_sends_without_a_from(fake: FakeTwilio) -> None:
    service = "MG" + "0123456789abcdef" * 2
    gateway.send_sms(JEAN, service, "Bonjour")
    (message,) = fake.messages
    assert (message["from"], message["messaging_service_sid"]) == (None, service)


def test_a_provider_that_never_answers_times_out_over_http(app: Flask, emulator: Any) -> None:
    """The stock twilio client, a real socket, a server that holds the request."""
    twilio = FakeTwilio(emulator)
    url, stop = serve(twilio)
    try:
        app.config.update(TWILIO_API_BASE=url, PROVIDER_HTTP_TIMEOUT=0.5)
        gateway.init_app(app, http_client=None)
        twilio.stall_next(times=1)
        started = time.monotonic()
        with pytest.raises(gateway.GatewayError) as silent:
            gateway.place_call(AMINA, DEMO_NUMBER, "https://h.test/x", "https://h.test/s")
        assert time.monotonic() - started < 5
        assert silent.value.answered is False
    finally:
        stop()


# --- the call job ---------------------------------------------------------------------------


def test_a_refused_staff_call_ends_the_attempt_with_a_reason_and_frees_the_entry(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    attempt = started_attempt(session, clock())
    phones.add(AMINA, Answers(), rest_error=GEO_PERMISSION)

    assert jobs.place_callback_call(attempt.id) is None
    stored = reload_attempt(session, attempt.id)
    assert stored.ended_at is not None
    assert "permission géographique" in stored.failure_reason
    assert stored.callback.status == CallbackStatus.CLAIMED  # "Rappeler" or release work again
    assert not redis_store.connection.exists(f"hotline:callback-call:{attempt.id}")


def test_a_throttled_staff_call_is_retried_and_placed_once(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    attempt = started_attempt(session, clock())
    fake.fail_next(status=429, code=20429, times=2)
    assert jobs.place_callback_call(attempt.id) is not None
    assert jobs.place_callback_call(attempt.id) is None
    assert len(fake.calls) == 1


# --- the last-attempt SMS -----------------------------------------------------------------


def test_an_sms_job_failed_on_a_500_is_queued_again_by_the_sweep_and_sent_once(
    app: Flask, session: Any, clock: Any, fake: FakeTwilio
) -> None:
    """Was: the failed job (kept 7 days, unique) blocked every re-enqueue; the sweep counted it."""
    from datetime import timedelta

    callback = abandon(session, clock)
    connection = redis_store.connection
    queue = Queue("default", connection=connection)
    fake.fail_next(status=500, code=20500, times=4, resource="Messages")  # 1 + 3 retries

    assert tasks.enqueue(tasks.SEND_LAST_ATTEMPT_SMS, callback.id) is True
    SimpleWorker([queue], connection=connection).work(burst=True)
    job = Job.fetch(f"sms-{callback.id}", connection=connection)
    assert job.get_status() in (JobStatus.SCHEDULED, JobStatus.FAILED)  # RQ retries later
    assert job.retries_left is not None
    assert fake.messages == []
    session.expire_all()
    assert session.get(Callback, callback.id).sms_sent_at is None

    for registry in (queue.scheduled_job_registry, queue.failed_job_registry):
        registry.remove(job.id)
    job.set_status(JobStatus.FAILED)  # its retries spent: failed for good, still in Redis
    clock.instant += timedelta(minutes=10)
    assert sweeps.resend_lost_sms() == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert len(fake.messages) == 1
    assert sweeps.resend_lost_sms() == 0  # sent: nothing counted, nothing queued
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert len(fake.messages) == 1


def test_the_sweep_counts_only_jobs_it_really_queued(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    from datetime import timedelta

    callback = abandon(session, clock)
    assert tasks.enqueue(tasks.SEND_LAST_ATTEMPT_SMS, callback.id) is True  # waiting in RQ
    clock.instant += timedelta(minutes=10)
    assert sweeps.resend_lost_sms() == 0


def test_an_sms_still_unsent_after_two_days_is_closed_with_a_reason(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    from datetime import timedelta

    callback = abandon(session, clock)
    clock.instant += timedelta(days=2, minutes=1)
    assert sweeps.resend_lost_sms() == 0
    session.expire_all()
    assert "2 jours" in session.get(Callback, callback.id).sms_failure
