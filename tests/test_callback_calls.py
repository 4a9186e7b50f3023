"""Calling a person back through the hotline: staff phone first, then the caller's, end to end.

The job runs for real (real database, real Redis), the gateway's real twilio client talks to
the emulator's REST API, and the emulator plays both phones into the real app's webhooks.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from rq import Queue, SimpleWorker

from hotline import callbacks, tasks
from hotline.emulator import (
    Answers,
    Busy,
    Emulator,
    FakeTwilio,
    NoAnswer,
    PhoneBook,
    ScriptedCaller,
)
from hotline.extensions import redis_store
from hotline.models import Callback, CallbackOutcome, CallbackStatus
from hotline.voice import render_callback
from tests.callback_helpers import (
    JEAN,
    install_fake,
    new_callback,
    reload_attempt,
    staff,
    started_attempt,
)
from tests.inbound_helpers import AMINA, CALLER, DEMO_NUMBER, fr
from workers import jobs

pytestmark = pytest.mark.usefixtures("demo")
THEME = "les démarches administratives"


@pytest.fixture
def fake(app: Flask, emulator: Emulator) -> FakeTwilio:
    return install_fake(app, emulator)


def caller_leg_forms(call: Any) -> list[dict[str, str]]:
    """Every webhook the caller's leg produced: what the network knows about that leg."""
    assert call.log is not None
    return [r.params for r in call.log.requests if "leg=caller" in r.url]


def test_staff_phone_rings_first_then_the_caller_sees_the_hotline_number(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())

    sid = jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    assert (call.sid, call.to, call.from_) == (sid, AMINA, DEMO_NUMBER)
    heard = call.log.heard_text
    assert fr("callback_staff_intro", theme=THEME, person="Jean Martin") in heard
    assert fr("callback_call_ended") in heard
    assert JEAN not in heard  # staff never hear the person's number
    assert "01 01" not in heard
    (leg,) = call.log.legs
    assert (leg.number, leg.answered, leg.bridged) == (JEAN, True, True)
    forms = caller_leg_forms(call)
    assert forms
    assert {f["From"] for f in forms} == {DEMO_NUMBER}
    assert all(AMINA not in value for f in forms for value in f.values())
    stored = reload_attempt(session, attempt.id)
    assert (stored.staff_call_sid, stored.staff_status) == (sid, "completed")
    assert (stored.caller_call_sid, stored.caller_status) == (leg.call_sid, "completed")
    assert stored.ended_at is not None


def test_the_job_run_twice_places_one_call(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="2")
    attempt = started_attempt(session, clock())

    assert jobs.place_callback_call(attempt.id) is not None
    assert jobs.place_callback_call(attempt.id) is None
    assert len(fake.calls) == 1


def test_the_job_enqueued_twice_through_rq_places_one_call(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    attempt = started_attempt(session, clock())
    connection = redis_store.connection
    connection.flushdb()

    assert tasks.enqueue(tasks.PLACE_CALLBACK_CALL, attempt.id) is True
    assert tasks.enqueue(tasks.PLACE_CALLBACK_CALL, attempt.id) is False  # same job id, unique
    queue = Queue("default", connection=connection)
    assert SimpleWorker([queue], connection=connection).work(burst=True)
    assert queue.failed_job_registry.count == 0
    assert len(fake.calls) == 1
    assert reload_attempt(session, attempt.id).staff_call_sid in fake.calls


def test_a_status_callback_delivered_twice_changes_nothing(
    session: Any, clock: Any, fake: FakeTwilio, emulator: Any, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()
    before = reload_attempt(session, attempt.id)
    snapshot = (before.staff_status, before.caller_status, before.ended_at, before.caller_call_sid)
    status_requests = [r for r in call.log.requests if "/voice/callback/status" in r.url]

    clock.set("2026-12-01 11:00")
    for request in status_requests:  # every status again, in the original order
        assert emulator.post(request.url, request.params).status == 204
    late_ringing = {**status_requests[1].params, "CallStatus": "ringing"}
    assert emulator.post(status_requests[1].url, late_ringing).status == 204

    after = reload_attempt(session, attempt.id)
    assert (after.staff_status, after.caller_status, after.ended_at, after.caller_call_sid) == (
        snapshot
    )


def test_staff_who_does_not_press_1_dials_nobody(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="2")
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    assert call.log.legs == []
    assert call.log.heard_contains(fr("callback_not_started"))
    assert reload_attempt(session, attempt.id).caller_status == ""


def test_the_caller_not_answering_is_told_to_staff_and_noted_on_the_attempt(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = NoAnswer()
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    assert call.log.heard_contains(fr("callback_caller_no_answer"))
    stored = reload_attempt(session, attempt.id)
    assert stored.caller_status == "no-answer"
    assert stored.callback.status == CallbackStatus.CALLING  # the outcome form is the staff's


def test_a_staff_phone_that_does_not_answer_ends_the_attempt_without_ringing_the_caller(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Busy()
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    assert call.status == "busy"
    stored = reload_attempt(session, attempt.id)
    assert (stored.staff_status, stored.caller_status) == ("busy", "")
    assert stored.ended_at is not None
    assert stored.callback.claimed_by_id == stored.staff_id  # they may press "Rappeler" again


def test_no_attempt_starts_outside_the_allowed_hours(session: Any, clock: Any) -> None:

    clock.set("2026-12-05 10:00")  # a Saturday
    callback = new_callback(session, clock())
    amina = staff(session)
    callbacks.claim_callback(session, callback.id, amina, clock())
    with pytest.raises(callbacks.OutsideOutboundHours) as refused:
        callbacks.start_attempt(session, callback.id, amina, clock())
    assert refused.value.next_allowed is not None


def test_a_job_run_after_the_allowed_hours_places_no_call(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    clock.set("2026-12-01 17:59")
    attempt = started_attempt(session, clock())
    clock.set("2026-12-01 18:30")  # the job waited in the queue

    assert jobs.place_callback_call(attempt.id) is None
    assert fake.calls == {}
    assert reload_attempt(session, attempt.id).ended_at is not None


def test_staff_who_press_1_after_the_allowed_hours_hear_when_it_will_be_possible(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    clock.set("2026-12-01 17:59")
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    clock.set("2026-12-01 18:01")  # the staff phone rang past 18:00
    (call,) = fake.run_pending()

    assert call.log.legs == []
    moment = "demain à 9 heures"
    assert call.log.heard_contains(fr("callback_not_allowed_now", moment=moment))


def test_the_staff_leg_of_an_attempt_already_closed_hears_it_is_cancelled(
    session: Any, clock: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:

    phones[AMINA] = Answers(press="1")
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    callbacks.record_outcome(
        session,
        callback_id=attempt.callback_id,
        staff=staff(session),
        outcome=CallbackOutcome.REACHED,
        now=clock(),
    )
    session.commit()
    (call,) = fake.run_pending()

    assert call.log.legs == []
    assert call.log.heard_contains(fr("callback_cancelled"))


def callbacks_outcome(value: str) -> Any:

    return CallbackOutcome(value)


# --- the last-attempt SMS ------------------------------------------------------------------


def abandon(session: Any, clock: Any, person: str | None = "p-001") -> Any:
    """A callback of the demo after its 4th 'no answer' (delays 1 h, 4 h, 1 day)."""

    callback, amina = new_callback(session, clock(), person=person), staff(session)
    for _ in range(4):
        callbacks.claim_callback(session, callback.id, amina, clock())
        callbacks.start_attempt(session, callback.id, amina, clock())
        result = callbacks.record_outcome(
            session,
            callback_id=callback.id,
            staff=amina,
            outcome=CallbackOutcome.NO_ANSWER,
            now=clock(),
        )
        session.commit()
        if result.callback.due_at is not None and result.callback.status != "abandoned":
            clock.instant = result.callback.due_at
    assert result.callback.status == CallbackStatus.ABANDONED
    assert result.sms_needed
    return result.callback


def test_the_sms_job_run_twice_sends_one_sms_with_the_number_and_hours(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:

    callback = abandon(session, clock)

    first = jobs.send_last_attempt_sms(callback.id)
    assert jobs.send_last_attempt_sms(callback.id) is None
    fake.run_pending()

    (message,) = fake.messages
    assert (message["sid"], message["to"], message["from"]) == (first, JEAN, "AtelierDemo")
    body = message["body"]
    assert "Atelier Demo Insertion a essayé de vous rappeler" in body
    assert "01 84 88 00 00" in body
    assert "du lundi au dimanche 0h-24h" in body  # numérique answers around the clock
    assert render_callback.gsm7(body) == body
    assert render_callback.septets(body) <= 160
    session.expire_all()
    assert session.get(type(callback), callback.id).sms_sent_at is not None


def test_the_sms_enqueued_twice_through_rq_sends_one_sms(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    callback = abandon(session, clock)
    connection = redis_store.connection

    assert tasks.enqueue(tasks.SEND_LAST_ATTEMPT_SMS, callback.id) is True
    assert tasks.enqueue(tasks.SEND_LAST_ATTEMPT_SMS, callback.id) is False
    queue = Queue("default", connection=connection)
    assert SimpleWorker([queue], connection=connection).work(burst=True)
    Queue("default", connection=connection).enqueue(jobs.send_last_attempt_sms, callback.id)
    assert SimpleWorker([queue], connection=connection).work(burst=True)  # a stray re-run
    assert queue.failed_job_registry.count == 0
    assert len(fake.messages) == 1


def test_an_sms_refused_by_the_network_is_not_marked_sent(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:

    callback = abandon(session, clock)
    session.get(Callback, callback.id).phone_e164 = "+33184880001"  # a landline after all
    session.commit()

    assert jobs.send_last_attempt_sms(callback.id) is None  # refused for good: closed
    session.expire_all()
    stored = session.get(Callback, callback.id)
    assert stored.sms_sent_at is None
    assert stored.sms_failure == (
        "SMS refusé : Ce numéro ne peut pas recevoir de SMS (ce n'est pas un mobile) "
        "(erreur 21614)."
    )
    assert fake.messages == []


def test_no_sms_for_a_callback_that_is_not_abandoned(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:

    callback = new_callback(session, clock())
    assert jobs.send_last_attempt_sms(callback.id) is None
    assert fake.messages == []


def test_enqueue_after_commit_waits_for_the_commit_and_forgets_a_rollback(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    callback = abandon(session, clock)
    queue = Queue("default", connection=redis_store.connection)

    tasks.enqueue_after_commit(session, tasks.SEND_LAST_ATTEMPT_SMS, callback.id)
    session.rollback()
    session.commit()
    assert len(queue) == 0
    tasks.enqueue_after_commit(session, tasks.SEND_LAST_ATTEMPT_SMS, callback.id)
    assert len(queue) == 0
    session.commit()
    assert queue.job_ids == [f"sms-{callback.id}"]


def test_a_job_queued_after_commit_is_named_by_its_dotted_path_and_queued_once(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    attempt = started_attempt(session, clock())
    queue = Queue("default", connection=redis_store.connection)

    first = tasks.enqueue_after_commit(session, tasks.PLACE_CALLBACK_CALL, attempt.id)
    session.commit()
    second = tasks.enqueue_after_commit(session, tasks.PLACE_CALLBACK_CALL, attempt.id)
    session.commit()

    assert (first.queued, second.queued) == (True, False)
    [job] = queue.get_jobs()
    assert job.func_name == "workers.jobs.place_callback_call"
    assert job.args == (attempt.id,)


# --- the whole loop ------------------------------------------------------------------------


def test_a_message_left_on_saturday_is_called_back_on_monday_from_the_number_dialled(
    session: Any, clock: Any, fake: FakeTwilio, emulator: Any, phones: PhoneBook
) -> None:

    clock.set("2026-12-05 15:00")
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("1 1 # 1"))
    callback = session.query(Callback).one()
    clock.set("2026-12-07 10:00")
    amina = staff(session)
    callbacks.claim_callback(session, callback.id, amina, clock())
    attempt = callbacks.start_attempt(session, callback.id, amina, clock())
    session.commit()
    phones[AMINA] = Answers(press="1")
    phones[CALLER] = Answers()

    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    unknown = fr("callback_unknown_person")
    assert call.log.heard_contains(fr("callback_staff_intro", theme=THEME, person=unknown))
    assert call.from_ == DEMO_NUMBER
    assert {f["From"] for f in caller_leg_forms(call)} == {DEMO_NUMBER}
    assert CALLER not in call.log.heard_text


def test_an_sms_whose_job_was_lost_is_sent_by_the_sweep_once(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    from datetime import timedelta

    from workers.sweeps import resend_lost_sms

    abandon(session, clock)  # its job was never enqueued: as if lost with Redis
    assert resend_lost_sms() == 0  # too early: the normal job may still be on its way
    clock.instant += timedelta(minutes=10)
    assert resend_lost_sms() == 1
    connection = redis_store.connection
    queue = Queue("default", connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert resend_lost_sms() == 0  # sent: nothing left to resend
    assert queue.failed_job_registry.count == 0
    assert len(fake.messages) == 1
