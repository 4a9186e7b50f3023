"""The callback queue: every person to call back, in a fair and justified order, once at a time.

This module is the queue's public face; the services live by concept in `hotline.queue`
(entries, listing, claims, attempts, outcomes, settings, policy changes) and every name
the dashboard, the API, the gateway and the staff phone menu use is exported here.

Services flush and never commit: the request or the job that calls them commits. Every query
is scoped to the acting staff member's structure, except the sweeps (all structures) and the
calls the network makes about an attempt or an SMS by its id.
"""

from __future__ import annotations

from hotline.callbacks.attempts import latest_attempt, note_attempt_leg, start_attempt
from hotline.callbacks.bridging import hotline_number
from hotline.callbacks.claims import claim_callback, expire_claims, release_callback
from hotline.callbacks.common import due_later
from hotline.callbacks.entries import (
    Choice,
    callable_number,
    create_manual_callback,
    manual_choices,
    queue_for_missed_call,
    queue_for_voicemail,
    withdraw_missed_call,
)
from hotline.callbacks.errors import (
    AlreadyClaimed,
    CallbackError,
    InvalidInput,
    NotAllowed,
    NotClaimable,
    OutsideOutboundHours,
    SettingsError,
    UnknownCallback,
)
from hotline.callbacks.free_counts import fold_free_counts, recount_free_entries
from hotline.callbacks.hours import (
    CallWindow,
    OutboundHours,
    for_person,
    is_allowed,
    next_allowed,
    when_may_we_call,
)
from hotline.callbacks.listing import (
    QueueCounts,
    QueueEntry,
    list_queue,
    queue_counts,
    recently_handled,
    waiting_callbacks,
)
from hotline.callbacks.outcomes import (
    NO_SMS_SENDER,
    OutcomeResult,
    give_up_old_sms,
    mark_sms_sent,
    note_sms_failure,
    promote_due_retries,
    record_outcome,
    sms_still_due,
)
from hotline.callbacks.policy import LABELS as POLICY_LABELS
from hotline.callbacks.policy import WEIGHT_LABELS, Policy, PolicyError
from hotline.callbacks.policy_changes import PolicyVersion, policy_history, set_policy
from hotline.callbacks.progress import STATUS_LABELS, CallProgress, call_progress
from hotline.callbacks.settings import (
    CallbackSettings,
    callback_settings,
    normalise_callback_settings,
)
from hotline.callbacks.stuck import cancel_attempt, reopen_attempt, reopen_stuck_attempts
from hotline.callbacks.take_next import start_next_callback, take_next, takeable

__all__ = [
    "NO_SMS_SENDER",
    "POLICY_LABELS",
    "WEIGHT_LABELS",
    "CallWindow",
    "when_may_we_call",
    "withdraw_missed_call",
    "recently_handled",
    "sms_still_due",
    "callable_number",
    "Choice",
    "manual_choices",
    "AlreadyClaimed",
    "CallbackError",
    "CallbackSettings",
    "InvalidInput",
    "NotAllowed",
    "NotClaimable",
    "OutboundHours",
    "OutcomeResult",
    "OutsideOutboundHours",
    "Policy",
    "PolicyError",
    "PolicyVersion",
    "QueueEntry",
    "SettingsError",
    "UnknownCallback",
    "callback_settings",
    "claim_callback",
    "create_manual_callback",
    "due_later",
    "expire_claims",
    "fold_free_counts",
    "recount_free_entries",
    "for_person",
    "is_allowed",
    "latest_attempt",
    "list_queue",
    "queue_counts",
    "QueueCounts",
    "mark_sms_sent",
    "next_allowed",
    "normalise_callback_settings",
    "note_attempt_leg",
    "policy_history",
    "promote_due_retries",
    "queue_for_missed_call",
    "queue_for_voicemail",
    "record_outcome",
    "CallProgress",
    "STATUS_LABELS",
    "call_progress",
    "release_callback",
    "set_policy",
    "start_attempt",
    "give_up_old_sms",
    "note_sms_failure",
    "cancel_attempt",
    "reopen_attempt",
    "reopen_stuck_attempts",
    "waiting_callbacks",
    "hotline_number",
    "start_next_callback",
    "take_next",
    "takeable",
]
