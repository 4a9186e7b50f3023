"""Two real scheduler processes ticking at once start each due session exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import func, select

from hotline.extensions import redis_store
from hotline.groupcalls.sessions import add_session
from hotline.models import GroupSession, OutboxJob, SessionStatus
from tests.group_helpers import series

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 8


@pytest.mark.slow
@pytest.mark.commits  # the scheduler processes read what the test wrote
@pytest.mark.usefixtures("demo")
def test_two_schedulers_ticking_together_start_each_session_once(
    app: Flask, session: Any, clock: Any, tmp_path: Path
) -> None:
    redis_store.connection.flushdb()
    clock.set("2026-03-05 14:30")
    cafe = series(session)
    due = [clock() - timedelta(minutes=minutes) for minutes in range(SESSIONS)]
    for instant in due:  # eight sessions all due now, within their hour
        add_session(session, cafe, instant)
    session.commit()
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "TEST_CLOCK": clock().isoformat(),
        "GO_FILE": str(go),
        "TICKS": "3",
    }
    schedulers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler_process"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    go.touch()
    outputs = [process.communicate(timeout=120) for process in schedulers]
    assert [p.returncode for p in schedulers] == [0, 0], [err[-2000:] for _, err in outputs]
    claimed = [int(out) for out, _ in outputs]

    assert sum(claimed) == SESSIONS  # each session claimed by one process only
    session.expire_all()
    statuses = session.scalars(
        select(GroupSession.status).where(GroupSession.occurrence_at.in_(due))
    ).all()
    assert statuses == [SessionStatus.STARTING] * SESSIONS
    starts = (
        select(func.count()).select_from(OutboxJob).where(OutboxJob.job_id.like("group-start-%"))
    )
    assert session.scalar(starts) == SESSIONS
    queue = Queue("default", connection=redis_store.connection)
    queued = [job_id for job_id in queue.job_ids if job_id.startswith("group-start-")]
    assert sorted(queued) == sorted({*queued})
    assert len(queued) == SESSIONS
