"""Typed models by domain. Every instant is stored in UTC."""

from hotline.models.base import Base, UTCDateTime
from hotline.models.calls import (
    Call,
    Callback,
    CallbackSource,
    CallbackStatus,
    CallEvent,
    Voicemail,
    VoicemailStatus,
)
from hotline.models.structure import (
    DutyException,
    DutySlot,
    Person,
    PhoneNumber,
    Staff,
    Structure,
    Theme,
)

__all__ = [
    "Base",
    "UTCDateTime",
    "Call",
    "CallEvent",
    "Callback",
    "CallbackSource",
    "CallbackStatus",
    "DutyException",
    "DutySlot",
    "Person",
    "PhoneNumber",
    "Staff",
    "Structure",
    "Theme",
    "Voicemail",
    "VoicemailStatus",
]
