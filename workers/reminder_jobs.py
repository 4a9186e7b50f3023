"""The SMS reminders of group calls: the sweep that plans and hands them out, the send job.

Exactly once (see `hotline.groupcalls.reminders`): the job claims its row and commits the
claim *before* the provider is asked, so a second job, a second tick or a second scheduler
never sends it again; the provider's status callback, or the sweep after a while, settles a
claim whose worker died mid-send.
"""

from __future__ import annotations

import logging

from flask import current_app

from hotline import clock, gateway, tasks
from hotline.extensions import db
from hotline.groupcalls import reminders
from hotline.voice.render import voice_url
from workers.context import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def send_group_reminders() -> int:
    """Plan the reminders of the sessions of the next day, reopen interrupted sends, and queue
    a send job for each reminder due; returns how many were handed out."""
    session, now = db.session, clock.now()
    reminders.plan_reminders(session, now)
    reopened = reminders.reopen_interrupted(session, now)
    if reopened:
        log.info("%d group reminders had no confirmed send: due again", reopened)
    due = reminders.due_reminders(session, now)
    for reminder_id in due:
        tasks.enqueue_after_commit(session, tasks.SEND_GROUP_REMINDER, reminder_id)
    return len(due)


@in_app_context
def send_group_reminder(reminder_id: int) -> str | None:
    """Send one reminder; its MessageSid, or None when nothing was sent (taken, not due, or
    not to be sent, the reason kept on the row)."""
    session, now = db.session, clock.now()
    if not reminders.claim_reminder(session, reminder_id, now):
        return None
    session.commit()  # the claim must hold before the provider is asked (see module doc)
    sms = reminders.prepare(session, reminder_id, now)
    if sms is None:
        reminders.release(session, reminder_id)
        return None
    if isinstance(sms, str):
        reminders.close_unsent(session, reminder_id, sms)
        return None
    status_url = current_app.config["PUBLIC_BASE_URL"] + voice_url(
        "group/reminder-status", reminder=reminder_id
    )
    try:
        sid = gateway.send_sms(
            to=sms.to, from_=sms.sender, body=sms.body, status_callback=status_url
        )
    except gateway.GatewayError as error:
        _not_sent(reminder_id, error)
        return None
    reminders.mark_sent(session, reminder_id, sid, now)
    return sid


def _not_sent(reminder_id: int, error: gateway.GatewayError) -> None:
    """Busy (429, 5xx): released and raised, RQ retries later. Refused: closed with the reason.
    No answer: the SMS may exist; the status callback or the sweep settles the claim."""
    session = db.session
    if error.retryable:
        reminders.release(session, reminder_id)
        session.commit()
        raise error
    if error.answered:
        reminders.close_unsent(session, reminder_id, f"SMS refusé : {error.reason}")
    else:
        log.warning("group reminder %d: no answer from the provider, left claimed", reminder_id)
