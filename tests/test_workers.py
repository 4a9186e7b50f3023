"""Sweeps on a real Redis: enqueued once per slot, and safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rq import Queue, SimpleWorker
from sqlalchemy import select

from hotline.extensions import redis_store
from hotline.models import Call
from workers.sweeps import enqueue_due_sweeps


def test_a_sweep_slot_is_enqueued_once_even_by_two_schedulers(app: Any, clock: Any) -> None:
    connection = redis_store.connection
    connection.flushdb()
    first = enqueue_due_sweeps(connection, clock())
    second = enqueue_due_sweeps(connection, clock())
    assert first
    assert second == []
    assert len(Queue("default", connection=connection)) == len(first)


def test_the_stale_staff_leg_sweep_frees_staff(
    app: Any, clock: Any, session: Any, demo: Any
) -> None:
    from hotline.models import Staff

    staff = session.scalar(select(Staff).where(Staff.key == "camille"))
    answered = clock() - timedelta(hours=5)
    session.add(
        Call(
            call_sid="CA" + "d" * 32,
            structure_id=staff.structure_id,
            status="in-progress",
            started_at=answered,
            answered_at=answered,
            staff_id=staff.id,
            staff_connected=True,
        )
    )
    session.commit()
    connection = redis_store.connection
    connection.flushdb()
    enqueue_due_sweeps(connection, clock())
    worker = SimpleWorker([Queue("default", connection=connection)], connection=connection)
    assert worker.work(burst=True)
    assert Queue("default", connection=connection).failed_job_registry.count == 0
    session.expire_all()
    assert session.scalar(select(Call)).staff_connected is False
    # Running the same sweep again finds nothing to do and does not fail.
    enqueue_due_sweeps(connection, clock() + timedelta(minutes=10))
    assert worker.work(burst=True)
