"""Jobs the web and the sweeps hand to the workers: written to an outbox, relayed to RQ.

RQ imports a job given as "module.function" in the worker, so the web never imports
`workers` (nor what the workers import). A job leaves only once the transaction that made
its row has committed: queued earlier, a fast worker could meet a row that is not there yet,
or never will be after a rollback.

Why an outbox: a job queued to Redis after the commit is lost when Redis is down at that
instant (the entry says "Appel en cours" and nothing will ever ring). So the job is written
as an `OutboxJob` row *in the same transaction* as the change that needs it, relayed to RQ
right after the commit, and relayed again by a sweep (`relay_outbox`) for as long as Redis
refused it. Never doubled: the row fixes the job id ("attempt-12"), RQ refuses a second job
with that id, and every job checks its row before acting.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from sqlalchemy import delete, event, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hotline import clock, transaction_end
from hotline.extensions import db, redis_store
from hotline.models import OutboxJob
from hotline.models.upsert import insert_if_absent

log = logging.getLogger(__name__)

# A failed job stays in RQ's failed registry with its arguments and traceback (RQ's default:
# one year). Our jobs take only row ids, but a traceback may quote values of the row; three
# days covers a weekend for someone to look, and the row itself keeps the reason staff read
# (failure_reason, sms_failure) as long as the retention settings keep the row.
FAILURE_TTL_SECONDS = 3 * 24 * 3600
JOB_OPTIONS: dict[str, Any] = {"result_ttl": 3600, "failure_ttl": FAILURE_TTL_SECONDS}
KEEP_DELIVERED = timedelta(days=7)  # delivered outbox rows are then deleted by the sweep
RELAY_BATCH = 500
_PENDING = transaction_end.AFTER_COMMIT_WORK  # so a request's teardown never commits for it
# A job that already ran and failed (or was stopped) may be asked for again: it is re-queued.
_RERUNNABLE = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


@dataclass(frozen=True)
class Task:
    """A job function the workers run on one row, the prefix of its id, and its retries.

    `retry_seconds`: pauses before each RQ retry of a job that raised (a provider 429 or 5xx
    outlasting the gateway's own short retries); each pause gets ±25 % jitter.
    """

    path: str
    id_prefix: str
    retry_seconds: tuple[int, ...] = ()
    timeout: int | None = None  # RQ's job_timeout; None: RQ's default (180 s)
    repeatable: bool = False  # a finished job may be asked for again (mute everyone twice)

    def job_id(self, row_id: int) -> str:
        return f"{self.id_prefix}-{row_id}"

    def retry(self) -> Retry | None:
        if not self.retry_seconds:
            return None
        pauses = [max(1, round(s * random.uniform(0.75, 1.25))) for s in self.retry_seconds]
        return Retry(max=len(pauses), interval=pauses)


PLACE_CALLBACK_CALL = Task("workers.jobs.place_callback_call", "attempt")
SEND_LAST_ATTEMPT_SMS = Task("workers.jobs.send_last_attempt_sms", "sms", (60, 300, 1800))
# An inbound caller waiting in a room (`hotline.calls.ringing`): ring the staff, cancel the
# legs nobody needs any more, take the caller to the voicemail. Each keyed by the Call's id.
RING_STAFF = Task("workers.ring.ring_staff", "ring", (1, 2))
CANCEL_RING_LEGS = Task("workers.ring.cancel_ring_legs", "ring-cancel", (1, 5, 30))
RELEASE_CALLER = Task("workers.ring.release_caller", "ring-release", (1, 2, 5))
# Group calls (workers.group_jobs). Starting paces every first call (1/s by default): a
# 250-person session takes over four minutes of dialling, hence its timeout.
START_GROUP_SESSION = Task("workers.group_jobs.start_group_session", "group-start", timeout=1200)
PLACE_GROUP_LEG = Task("workers.group_jobs.place_group_leg", "group-leg", (30,))
MUTE_GROUP = Task("workers.group_jobs.mute_group", "group-mute", repeatable=True)
END_GROUP_ROOM = Task("workers.group_jobs.end_group_room", "group-end", (30, 120))
# A coordinator erased a group call's recording: deleted at the provider (the hourly sweep
# finds it due too, should this job be lost).
PURGE_GROUP_RECORDING = Task(
    "workers.group_jobs.purge_group_recording", "group-recording-purge", (60, 300)
)
# Repeatable: a reminder released (session moved later) is asked for again; its row's claim
# (hotline.groupcalls.reminders) is what keeps it to one SMS.
SEND_GROUP_REMINDER = Task(
    "workers.reminder_jobs.send_group_reminder", "reminder", (60, 300), repeatable=True
)
TASKS = {
    task.path: task
    for task in (
        PLACE_CALLBACK_CALL,
        SEND_LAST_ATTEMPT_SMS,
        RING_STAFF,
        CANCEL_RING_LEGS,
        RELEASE_CALLER,
        START_GROUP_SESSION,
        PLACE_GROUP_LEG,
        MUTE_GROUP,
        END_GROUP_ROOM,
        PURGE_GROUP_RECORDING,
        SEND_GROUP_REMINDER,
    )
}


@dataclass
class Pending:
    """A job written to the outbox, waiting for its session's commit.

    After the commit `queued` is True when RQ took it now, False when the same job had
    already been asked for; `deferred` is True when Redis could not take it: the outbox row
    keeps it and the relay sweep delivers it ("sera lancé dès que possible").
    """

    task: Task
    row_id: int
    new: bool = True
    queued: bool | None = field(default=None)
    deferred: bool = False


def enqueue(task: Task, row_id: int) -> bool:
    """Queue the job for this committed row; False when that job is already queued or ran.

    A job that failed for good (its retries spent) does not block the row forever: asking
    again re-queues it. RedisError when Redis cannot be reached.
    """
    queue = redis_store.queue()
    job_id = task.job_id(row_id)
    options = {"job_id": job_id, "unique": True, "retry": task.retry(), **JOB_OPTIONS}
    if task.timeout is not None:
        options["job_timeout"] = task.timeout
    rerunnable = (*_RERUNNABLE, JobStatus.FINISHED) if task.repeatable else _RERUNNABLE
    try:
        queue.enqueue(task.path, row_id, **options)
    except DuplicateJobError:
        existing = Job.fetch(job_id, connection=queue.connection)
        if existing.get_status(refresh=True) not in rerunnable:
            return False
        existing.delete()  # the job re-runs from scratch; its row says what is left to do
        queue.enqueue(task.path, row_id, **options)
        log.info("job %s had failed: queued again", job_id)
    return True


def recover_abandoned_jobs(timestamp: float | None = None) -> list[str]:
    """Jobs whose worker died mid-run (SIGKILL, out of memory): retried, or failed.

    A killed worker leaves its job "started" until a worker cleans RQ's registries, which
    happens at its start and then every ten minutes; meanwhile `enqueue` sees the job as
    running and queues nothing, so a caller waiting to be released from the room, say,
    waits on. This is RQ's own cleanup, run by a sweep: a job whose last heartbeat has
    expired is retried if its `Retry` has tries left, else failed (and `enqueue` re-queues a
    failed job when its sweep asks again). `timestamp`: now, unless a test says otherwise.
    """
    registry = redis_store.queue().started_job_registry
    expired = [
        job_id
        for job_id in registry.get_expired_job_ids(timestamp)
        if Job.exists(job_id, connection=registry.connection)
    ]
    registry.cleanup(timestamp)
    return expired


def enqueue_after_commit(session: Session, task: Task, row_id: int) -> Pending:
    """Write the job to the outbox in this transaction; hand it to RQ once `session` commits.

    So the code that changes a row says, next to the change, which job it needs; the row and
    its job commit or roll back together, and Redis being down loses nothing.
    """
    new = insert_if_absent(
        session,
        OutboxJob,
        {
            "job_id": task.job_id(row_id),
            "task": task.path,
            "row_id": row_id,
            "created_at": clock.now(),
            "tries": 0,
        },
        unique_on=["job_id"],
    )
    pending: list[Pending] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _drop_pending)
    job = Pending(task, row_id, new=new)
    pending.append(job)
    return job


def enqueue_now(task: Task, row_id: int) -> Pending:
    """Queue a job for a row already committed, without an outbox row.

    For the call path's ringing job only: the outbox would cost the webhook two more
    statements, and the sweep `ring-unrung-waits` already queues it again for a caller left
    waiting with nobody rung. `deferred` says Redis could not take it, so the webhook sends
    the caller to the voicemail at once instead of letting them wait for nobody.
    """
    job = Pending(task, row_id)
    try:
        job.queued = enqueue(task, row_id)
    except (RedisError, RuntimeError) as error:  # down, or not configured
        log.warning(
            "job %s not queued: Redis is unreachable (%s)",
            task.job_id(row_id),
            type(error).__name__,
        )
        job.deferred = True
    return job


def _run_pending(session: Session) -> None:
    pending: list[Pending] = session.info.get(_PENDING) or []
    if not pending:
        return
    jobs, pending[:] = list(pending), []
    # The committed session may not run SQL in this hook. Fast commits: marking a job
    # delivered is one UPDATE; were it lost in a database crash, the sweep would hand the job
    # to RQ again, which refuses one it holds (and every job is safe to run twice).
    with db.new_fast_session() as side:
        for job in jobs:
            _relay_one(side.connection(), job)
        side.commit()


def _relay_one(connection: Connection, job: Pending) -> None:
    job_id = job.task.job_id(job.row_id)
    if not job.new and not job.task.repeatable:
        delivered = connection.scalar(
            select(OutboxJob.delivered_at).where(OutboxJob.job_id == job_id)
        )
        if delivered is not None:
            job.queued = False
            return
    try:
        queued = enqueue(job.task, job.row_id)
    except (RedisError, RuntimeError) as error:  # down, or not configured: never a failed
        # request after its commit (a webhook would answer 500: silence on the line)
        log.warning(
            "job %s kept in the outbox: Redis is unreachable (%s)", job_id, type(error).__name__
        )
        job.deferred = True
        _note_try(connection, job_id, None)
        return
    job.queued = queued and job.new
    _note_try(connection, job_id, clock.now())


def _note_try(connection: Connection, job_id: str, delivered_at: datetime | None) -> None:
    values: dict[str, Any] = {"tries": OutboxJob.tries + 1}
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    connection.execute(update(OutboxJob).where(OutboxJob.job_id == job_id).values(**values))


def _drop_pending(session: Session) -> None:
    session.info.get(_PENDING, []).clear()


def relay_outbox(session: Session, now: datetime) -> int:
    """Hand to RQ every job still in the outbox; returns how many RQ took now.

    Stops at the first Redis error (it is down: the next sweep tries again). A job RQ already
    holds counts as delivered, not as relayed. Delivered rows older than a week are deleted.
    """
    rows = session.scalars(
        select(OutboxJob)
        .where(OutboxJob.delivered_at.is_(None))
        .order_by(OutboxJob.id)
        .limit(RELAY_BATCH)
    ).all()
    relayed = 0
    for row in rows:
        task = TASKS.get(row.task)
        if task is None:
            log.error("outbox row %d names an unknown job; left as is", row.id)
            continue
        try:
            relayed += enqueue(task, row.row_id)
        except RedisError:
            row.tries += 1
            break
        row.tries += 1
        row.delivered_at = now
    session.execute(delete(OutboxJob).where(OutboxJob.delivered_at < now - KEEP_DELIVERED))
    session.flush()
    return relayed
