"""Periodic sweeps, declared as data with stable ids.

The scheduler enqueues each sweep once per interval; a Redis key taken with
SET NX guards the slot, so two scheduler processes never double a sweep and
the job id (sweep id + slot) makes a re-enqueue of the same slot a no-op.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis
from redis.exceptions import RedisError
from rq import Queue

from hotline import callbacks, calls, clock, contacts, groupcalls, retention, tasks
from hotline.extensions import db, redis_store
from workers.context import in_app_context
from workers.reminder_jobs import send_group_reminders

log = logging.getLogger(__name__)


@in_app_context
def free_stale_staff_legs() -> int:
    """Staff whose call never reported its end become ringable again after 4 h."""
    freed = calls.close_stale_staff_legs(db.session, clock.now())
    if freed:
        log.info("freed %d staff legs with no end reported", freed)
    return freed


@in_app_context
def expire_callback_claims() -> int:
    """Callbacks taken and left without a call go back to the queue once their lease lapses."""
    freed = callbacks.expire_claims(db.session, clock.now())
    if freed:
        log.info("returned %d lapsed callback claims to the queue", freed)
    return freed


@in_app_context
def fold_queue_counts() -> int:
    """Keep the ledger of free entries short: the queue's counts sum its rows at every page."""
    return callbacks.fold_free_counts(db.session)


@in_app_context
def recount_queue_counts() -> int:
    """Once a day, the ledger written again from the entries: a change made without its
    triggers (a restore, a fix by hand) is not miscounted for longer than a day."""
    return callbacks.recount_free_entries(db.session)


@in_app_context
def promote_due_retries() -> int:
    """Scheduled retries whose time has come become waiting entries again.

    The queue lists a due retry with the waiting ones even before this runs; the sweep keeps
    the stored status honest for counts, reports and the API.
    """
    promoted = callbacks.promote_due_retries(db.session, clock.now())
    if promoted:
        log.info("%d callback retries are due", promoted)
    return promoted


@in_app_context
def resend_lost_sms() -> int:
    """Ask again for last-attempt SMS not sent yet; returns how many jobs were really queued.

    A job already waiting (or retrying) is left alone and not counted; one that failed for
    good is queued again; after two days the SMS is closed with a reason instead.
    """
    now = clock.now()
    gave_up = callbacks.give_up_old_sms(db.session, now)
    if gave_up:
        log.info("gave up %d last-attempt SMS after two days", gave_up)
    due = callbacks.sms_still_due(db.session, now)
    # Rows committed long ago: no need to wait for this job's commit.
    return sum(tasks.enqueue(tasks.SEND_LAST_ATTEMPT_SMS, callback_id) for callback_id in due)


@in_app_context
def relay_outbox() -> int:
    """Hand to RQ the jobs Redis could not take when their transaction committed."""
    relayed = tasks.relay_outbox(db.session, clock.now())
    if relayed:
        log.info("relayed %d jobs from the outbox", relayed)
    return relayed


@in_app_context
def reopen_stuck_attempts() -> int:
    """Callback attempts that never got a call (a killed worker, a lost job) are reopened."""
    reopened = callbacks.reopen_stuck_attempts(db.session, clock.now())
    for attempt_id in reopened:  # the guard of a job that died must not outlive it
        redis_store.connection.delete(f"hotline:callback-call:{attempt_id}")
    if reopened:
        log.info("reopened %d callback attempts that never got a call", len(reopened))
    return len(reopened)


@in_app_context
def apply_kept_consents() -> int:
    """Callers' answers to the callback question kept in Redis when the database failed.

    Each is committed on its own, then forgotten: one that still fails stays for the next run.
    """
    applied = 0
    for call_sid in calls.kept_call_sids():
        if _apply_kept_consent(call_sid):
            calls.forget_kept_consent(call_sid)
            applied += 1
    if applied:
        log.info("applied %d callback consents kept while the database failed", applied)
    return applied


@in_app_context  # its own app context, session and commit: one failure spoils no other
def _apply_kept_consent(call_sid: str) -> bool:
    return calls.apply_kept_consent(db.session, call_sid, clock.now())


@in_app_context
def release_forgotten_waits() -> int:
    """Callers left waiting for staff (a release job or a leg's end report lost) go on to
    the voicemail."""
    waiting = calls.forgotten_waits(db.session, clock.now())
    queued = sum(tasks.enqueue(tasks.RELEASE_CALLER, call_id) for call_id in waiting)
    if queued:
        log.warning("%d callers waited too long for staff: releasing them", queued)
    return queued


@in_app_context
def recover_abandoned_jobs() -> int:
    """Jobs a killed worker held: retried or failed now, not at a worker's next cleanup."""
    recovered = tasks.recover_abandoned_jobs()
    if recovered:
        log.warning("%d jobs abandoned by a dead worker: retried or failed", len(recovered))
    return len(recovered)


@in_app_context
def ring_unrung_waits() -> int:
    """Callers waiting for staff whose ringing job was lost (Redis restarted): ring again."""
    waiting = calls.unrung_waits(db.session, clock.now())
    queued = sum(tasks.enqueue(tasks.RING_STAFF, call_id) for call_id in waiting)
    if queued:
        log.warning("%d callers waited with nobody rung: their ringing job queued again", queued)
    return queued


@in_app_context
def purge_expired_data() -> int:
    """Once a day: delete what the structures' retention settings say must go (counts logged)."""
    reports = retention.purge_all(db.session, clock.now())
    return sum(r.recordings + r.forgotten.calls + r.forgotten.callbacks for r in reports)


@in_app_context
def purge_group_recordings() -> int:
    """Every hour: group-call recordings past their series' retention, deleted at the provider."""
    deleted = groupcalls.purge_recordings(db.session, clock.now())
    if deleted:
        log.info("deleted %d group-call recordings past their retention", deleted)
    return deleted


@in_app_context
def create_check_ins() -> int:
    """Each structure's daily run (its `check_in_run` row): queue the check-ins now due."""
    created = contacts.sweep_check_ins(db.session, clock.now())
    if created:
        log.info("queued %d check-in callbacks", created)
    return created


@in_app_context
def run_group_calls() -> int:
    """Plan sessions, start the due ones once, place due retries, close the sessions over.

    Read from the database at every tick (never a static schedule): a session claimed here is
    STARTING for this tick only, whatever other scheduler runs the same sweep; its start job
    leaves through the outbox with this commit.
    """
    session, now = db.session, clock.now()
    groupcalls.plan_sessions(session, now)
    started = groupcalls.claim_due_sessions(session, now)
    for session_id in started:
        tasks.enqueue_after_commit(session, tasks.START_GROUP_SESSION, session_id)
    for session_id in groupcalls.stuck_starting(session, now):
        tasks.enqueue(tasks.START_GROUP_SESSION, session_id)  # re-queued only if it failed
    for leg_id in groupcalls.due_legs(session, now):
        tasks.enqueue_after_commit(session, tasks.PLACE_GROUP_LEG, leg_id)
    groupcalls.close_lost_legs(session, now)
    for session_id in groupcalls.finish_over_sessions(session, now):
        # Nobody stays on hold for an absent host after the session's time (and overtime).
        tasks.enqueue_after_commit(session, tasks.END_GROUP_ROOM, session_id)
        attendances = groupcalls.finished_attendances(session, session_id)
        contacts.record_group_call_attendances(session, attendances)
    if started:
        log.info("starting %d group sessions", len(started))
    return len(started)


@dataclass(frozen=True)
class Sweep:
    id: str
    every_seconds: int
    function: Callable[[], object]


SWEEPS: tuple[Sweep, ...] = (
    Sweep("free-stale-staff-legs", 300, free_stale_staff_legs),
    Sweep("expire-callback-claims", 60, expire_callback_claims),
    Sweep("promote-due-retries", 60, promote_due_retries),
    Sweep("fold-queue-counts", 60, fold_queue_counts),
    Sweep("recount-queue-counts", 24 * 3600, recount_queue_counts),
    Sweep("resend-lost-sms", 600, resend_lost_sms),
    Sweep("relay-outbox", 30, relay_outbox),
    Sweep("reopen-stuck-attempts", 120, reopen_stuck_attempts),
    Sweep("apply-kept-consents", 60, apply_kept_consents),
    Sweep("release-forgotten-waits", 20, release_forgotten_waits),
    Sweep("ring-unrung-waits", 20, ring_unrung_waits),
    Sweep("recover-abandoned-jobs", 30, recover_abandoned_jobs),
    Sweep("purge-expired-data", 24 * 3600, purge_expired_data),
    Sweep("purge-group-recordings", 3600, purge_group_recordings),
    # Every 15 minutes, but each structure's run happens once a day (its schedule row).
    Sweep("create-check-ins", 900, create_check_ins),
    Sweep("group-calls", 10, run_group_calls),
    Sweep("group-reminders", 60, send_group_reminders),
)


def enqueue_due_sweeps(
    connection: redis.Redis, now: datetime, queue_name: str = "default"
) -> list[str]:
    """Enqueue every sweep whose interval slot has not been taken yet; returns the job ids."""
    queue = Queue(queue_name, connection=connection)
    enqueued = []
    for sweep in SWEEPS:
        slot = int(now.timestamp()) // sweep.every_seconds
        job_id = f"sweep-{sweep.id}-{slot}"
        if connection.set(
            f"hotline:sweep:{sweep.id}:{slot}", "1", nx=True, ex=sweep.every_seconds * 2
        ):
            queue.enqueue(sweep.function, job_id=job_id, **tasks.JOB_OPTIONS)
            enqueued.append(job_id)
    return enqueued


def run_scheduler(connection: redis.Redis, tick_seconds: float = 5.0) -> None:  # pragma: no cover
    """The `scheduler` process: sweep forever; Redis down is waited out, not fatal."""
    log.info("scheduler started")
    while True:
        try:
            enqueue_due_sweeps(connection, clock.now())
        except RedisError as error:
            log.warning("scheduler: Redis unreachable (%s), trying again", type(error).__name__)
        time.sleep(tick_seconds)
