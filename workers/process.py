"""The `worker` process: RQ's worker, started again when Redis drops it.

RQ waits out a Redis outage only while it waits for a job. If Redis goes away while a
job runs, or between two jobs (its heartbeat, its maintenance), its loop logs "quitting"
and its teardown raises: the process exits, and every job queued afterwards waits for a
process manager that may not restart it (the soak run found this). So the loop here
starts a fresh RQ worker after any such exit, once Redis answers a PING again, waiting
1 s, 2 s, 4 s … up to 30 s (with jitter, so several workers do not reconnect in step).
A stop asked by a signal (SIGTERM from the platform, Ctrl-C) still stops it, after the
running job, as RQ does. A job cut short by the outage is not lost: the rows it worked on
still need work, and the sweeps queue it again.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Worker

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 30.0
# A worker that ran this long was healthy: its next outage starts the backoff again.
HEALTHY_RUN_SECONDS = 60.0


class _Worker(Worker):
    """RQ's worker, remembering whether a signal asked it to stop (RQ does not say)."""

    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)

    def unsubscribe(self) -> None:
        """RQ's, with the wait for the pub/sub thread bounded.

        RQ sends UNSUBSCRIBE, then calls the thread's `stop()`, which in redis-py 8 waits for
        the thread without a limit; a thread that has already read the UNSUBSCRIBE's answer
        waits up to 60 s for a new subscription before it looks at its flag, so a SIGTERM
        sometimes took a minute to stop the worker (seen under load by
        `test_worker_reconnects`). The flag is tripped first, the answer wakes a thread that
        reads its channel, and one that waits is left to the process's exit (it is a daemon;
        it closes its connection itself when it ends).
        """
        thread, pubsub = self.pubsub_thread, self.pubsub
        if thread is None or pubsub is None:
            return
        self.log.info(
            "Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name
        )
        thread.stop(timeout=0)  # the flag only: the loop ends after its current wait
        with contextlib.suppress(RedisError):
            pubsub.unsubscribe()
        thread.join(timeout=1)


class _StopAsked(Exception):
    """A signal arrived while no RQ worker was running: leave at once."""


def _stop_while_waiting(_signum: int, _frame: FrameType | None) -> None:
    raise _StopAsked


def run_worker(
    connection: redis.Redis,
    queues: Sequence[str] = ("default",),
    *,
    burst: bool = False,
    sleep: Callable[[float], Any] = time.sleep,
    logging_level: str = "INFO",
) -> None:
    """Run RQ workers on `queues` until a signal stops one (or, in burst, the queue is empty)."""
    wait = FIRST_WAIT_SECONDS
    while True:
        worker = _Worker(list(queues), connection=connection)
        started = time.monotonic()
        try:
            worker.work(with_scheduler=True, burst=burst, logging_level=logging_level)
        except RedisError as error:  # its teardown could not reach Redis either
            log.warning("worker: Redis lost (%s)", type(error).__name__)
            _let_go(worker)
        if worker.stop_asked or burst:
            return
        if time.monotonic() - started > HEALTHY_RUN_SECONDS:
            wait = FIRST_WAIT_SECONDS
        try:
            wait = _wait_for_redis(connection, wait, sleep)
        except _StopAsked:
            log.info("worker: stopped while waiting for Redis")
            return


def _let_go(worker: _Worker) -> None:
    """Stop the pub/sub thread a failed teardown left behind: it would retry for ever."""
    thread = worker.pubsub_thread
    if thread is not None and thread.is_alive():
        thread.stop(timeout=1)  # bounded: see `_Worker.unsubscribe`
    if worker.pubsub is not None:
        with contextlib.suppress(RedisError):
            worker.pubsub.close()


def _wait_for_redis(connection: redis.Redis, wait: float, sleep: Callable[[float], Any]) -> float:
    """Sleep with backoff until Redis answers; returns the wait to use after the next exit."""
    previous = {
        sig: signal.signal(sig, _stop_while_waiting) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while True:
            delay = wait * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not secrecy)
            log.warning("worker: starting again in %.1f s", delay)
            sleep(delay)
            wait = min(wait * 2, MAX_WAIT_SECONDS)
            try:
                connection.ping()
                return wait
            except RedisError:
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
