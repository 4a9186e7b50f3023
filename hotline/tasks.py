"""Jobs the web and the sweeps hand to the workers, named by dotted path and queued after commit.

RQ imports a job given as "module.function" in the worker, so the web never imports
`workers` (nor what the workers import). A job is queued only once the transaction that
made its row has committed: queued earlier, a fast worker could meet a row that is not
there yet, or never will be after a rollback. One job per row: its id is fixed by the
row, so asking twice queues it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rq.exceptions import DuplicateJobError
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.extensions import redis_store

JOB_OPTIONS: dict[str, Any] = {"result_ttl": 3600, "failure_ttl": 7 * 24 * 3600}
_PENDING = "hotline.tasks_after_commit"


@dataclass(frozen=True)
class Task:
    """A job function the workers run on one row, and the prefix of that job's id."""

    path: str
    id_prefix: str

    def job_id(self, row_id: int) -> str:
        return f"{self.id_prefix}-{row_id}"


PLACE_CALLBACK_CALL = Task("workers.jobs.place_callback_call", "attempt")
SEND_LAST_ATTEMPT_SMS = Task("workers.jobs.send_last_attempt_sms", "sms")


@dataclass
class Pending:
    """A job waiting for its session's commit; `queued` says what the commit did with it.

    None until the commit, then True when queued, False when the same job was already queued.
    """

    task: Task
    row_id: int
    queued: bool | None = field(default=None)


def enqueue(task: Task, row_id: int) -> bool:
    """Queue the job for this committed row; False when that job is already queued."""
    try:
        redis_store.queue().enqueue(
            task.path, row_id, job_id=task.job_id(row_id), unique=True, **JOB_OPTIONS
        )
    except DuplicateJobError:
        return False
    return True


def enqueue_after_commit(session: Session, task: Task, row_id: int) -> Pending:
    """Queue the job once `session` commits; forget it if the session rolls back.

    So the code that changes a row says, next to the change, which job it needs, and the
    request or job boundary that commits decides when it leaves.
    """
    session.connection()  # inside a transaction, so a rollback is seen and forgets this
    pending: list[Pending] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _drop_pending)
    job = Pending(task, row_id)
    pending.append(job)
    return job


def _run_pending(session: Session) -> None:
    pending: list[Pending] = session.info.get(_PENDING) or []
    while pending:
        job = pending.pop(0)
        job.queued = enqueue(job.task, job.row_id)


def _drop_pending(session: Session) -> None:
    session.info.get(_PENDING, []).clear()
