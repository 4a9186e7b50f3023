"""`hotline worker` outlives Redis going away: a real redis-server killed mid-job, then back.

RQ's own loop exits when Redis vanishes while a job runs (its teardown raises too), so the
Procfile's worker died and nothing ran until a process manager noticed (soak find). The
process now starts a fresh RQ worker once Redis answers again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus

from tests.redis_server import OwnRedis

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.close()


def start_worker(server: OwnRedis, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}",
        "REDIS_URL": server.url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def status_within(job: Job, wanted: JobStatus, seconds: float) -> JobStatus | None:
    """Poll the job (a bounded wait, not a timing assertion); its last status."""
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        status = job.get_status(refresh=True)
        if status == wanted:
            break
        time.sleep(0.2)
    return status


def test_the_worker_process_survives_redis_lost_mid_job(
    own_redis: OwnRedis, tmp_path: Path
) -> None:
    worker = start_worker(own_redis, tmp_path)
    try:
        queue = Queue("default", connection=redis.Redis.from_url(own_redis.url))
        running = queue.enqueue("time.sleep", 3)
        assert status_within(running, JobStatus.STARTED, 30) == JobStatus.STARTED
        own_redis.stop()  # mid-job: RQ's loop used to exit here, and the process with it
        time.sleep(4)  # the job ends while Redis is away
        own_redis.start()  # empty, as after a crash without persistence

        queue = Queue("default", connection=redis.Redis.from_url(own_redis.url))
        after = queue.enqueue("os.getpid")
        assert status_within(after, JobStatus.FINISHED, 60) == JobStatus.FINISHED
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0  # a SIGTERM still stops it, cleanly
