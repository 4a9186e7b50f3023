"""Typed models by domain. Every instant is stored in UTC."""

from hotline.models.audit import ActivityCount, AuditAction, AuditEntry
from hotline.models.base import Base, UTCDateTime, must_exist
from hotline.models.callbacks import (
    OPEN_STATUSES,
    Callback,
    CallbackAttempt,
    CallbackMessage,
    CallbackOutcome,
    CallbackSource,
    CallbackStatus,
    PolicyChange,
)
from hotline.models.calls import (
    FINAL_CALL_STATUSES,
    Call,
    CallEvent,
    RecordingAccess,
    Voicemail,
    VoicemailStatus,
)
from hotline.models.contacts import CheckInRun, Contact, ContactKind
from hotline.models.outbox import OutboxJob
from hotline.models.structure import (
    PHONE_DUTY_NOTE,
    DutyException,
    DutySlot,
    Person,
    PhoneNumber,
    Staff,
    Structure,
    Theme,
)

__all__ = [
    "ActivityCount",
    "AuditAction",
    "AuditEntry",
    "must_exist",
    "FINAL_CALL_STATUSES",
    "Base",
    "UTCDateTime",
    "Call",
    "CheckInRun",
    "Contact",
    "ContactKind",
    "CallEvent",
    "Callback",
    "CallbackAttempt",
    "CallbackMessage",
    "CallbackOutcome",
    "OPEN_STATUSES",
    "PolicyChange",
    "OutboxJob",
    "RecordingAccess",
    "CallbackSource",
    "CallbackStatus",
    "DutyException",
    "PHONE_DUTY_NOTE",
    "DutySlot",
    "Person",
    "PhoneNumber",
    "Staff",
    "Structure",
    "Theme",
    "Voicemail",
    "VoicemailStatus",
]
