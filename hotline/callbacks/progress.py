"""Where a callback's call stands, for the page that follows it without a reload.

One reading of the entry and its latest attempt answers what the callback page shows: the
state in words, whether "Rappeler" may start a new attempt, whether an outcome may be
recorded. A second "Rappeler" while an attempt is live, or after a call that still awaits
its outcome, would make a second attempt: `may_call` is False then, and `start_attempt`
refuses it too (`AWAITING_OUTCOME`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.callbacks import wording as french
from hotline.callbacks.attempts import connected, latest_attempt, still_open
from hotline.callbacks.common import HELD, settings_of
from hotline.callbacks.hours import when_may_we_call
from hotline.models import Callback, CallbackStatus, Staff

STATUS_LABELS = {
    "waiting": "En attente",
    "claimed": "Pris",
    "calling": "Appel en cours",
    "retry_scheduled": "Nouvelle tentative prévue",
    "done": "Traité",
    "abandoned": "Abandonné après la dernière tentative",
}
LIVE = "Appel en cours"
ENDED = "Appel terminé : enregistrez le résultat"
NOT_CALLED = "Pris, pas encore appelé"


@dataclass(frozen=True)
class CallProgress:
    """What the callback page shows and allows, for one staff member, now."""

    status: str  # the entry's status value
    label: str  # the state in words ("Appel en cours", "Appel terminé : …")
    live: bool  # an attempt runs: its staff leg has not ended
    outcome_allowed: bool  # a call was made on this claim and awaits its outcome
    may_call: bool  # "Rappeler" would start a new attempt now
    call_window: str | None  # when "Rappeler" becomes possible, None if now
    failure: str  # why the last attempt ended without a call, if it did


def call_progress(
    session: Session, callback: Callback, staff: Staff, now: datetime
) -> CallProgress:
    """The state of `callback`'s call as `staff` should see it, in words."""
    labels = STATUS_LABELS
    last = latest_attempt(session, callback.id)  # read once: open and awaited follow from it
    attempt = still_open(last, callback, staff)
    live = attempt is not None and attempt.ended_at is None
    hours = settings_of(session, callback.structure_id).outbound_hours
    window = when_may_we_call(hours, now, callback.person)
    written = None if window.open_now else french.call_window(window, hours.calendar.tz)
    label = labels.get(callback.status, callback.status)
    if callback.status == CallbackStatus.CALLING:
        label = LIVE if live else ENDED if attempt is not None else labels["claimed"]
    elif callback.status == CallbackStatus.CLAIMED and attempt is not None:
        label = ENDED
    elif callback.status == CallbackStatus.CLAIMED:
        label = NOT_CALLED
    mine = callback.status in HELD and callback.claimed_by_id == staff.id
    return CallProgress(
        status=callback.status.value,
        label=label,
        live=live,
        outcome_allowed=attempt is not None,
        may_call=mine and not live and not connected(attempt) and written is None,
        call_window=written,
        failure=last.failure_reason if last is not None else "",
    )
