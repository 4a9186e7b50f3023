"""Calls as Twilio reports them, the messages callers leave and the callbacks they ask for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime, enum_column
from hotline.models.structure import Person, Staff, Structure, Theme

# Sizes of what the provider sends, generous on purpose: a value that does not fit makes
# every webhook of that call fail on PostgreSQL, and the caller only hears an apology.
PROVIDER_SID = 128  # Twilio documents 34 characters (CA…, RE…); other providers differ
PROVIDER_ADDRESS = 255  # From/To: an E.164 number, or a SIP URI such as sip:x@y.sip.twilio.com
PROVIDER_URL = 1024  # RecordingUrl


def is_storable_sid(value: str) -> bool:
    """A provider's id a row can keep: not blank, and no longer than the columns' length.
    Any other is none of ours (a malformed or forged request): the one rule every webhook
    and callback that writes an id applies."""
    return bool(value.strip()) and len(value) <= PROVIDER_SID


# Twilio call statuses after which a call leg will never change again.
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


class VoicemailStatus(enum.StrEnum):
    PENDING = "pending"  # the <Record> action arrived; the file may still be processing
    COMPLETED = "completed"  # the recording status callback confirmed the file
    ABSENT = "absent"  # Twilio reported no usable audio (too short or silent)
    EMPTY = "empty"  # the caller said nothing: no recording was made at all


class Call(Base):
    """One row per Twilio CallSid: the webhook retried twice still finds this row."""

    __tablename__ = "call"
    # A call's first webhook asks which language this number spoke last time: without this
    # index that question read every call of the structure (5 ms at 60,000 calls, growing).
    __table_args__ = (
        Index("ix_call_caller_history", "structure_id", "from_e164", "started_at"),
        Index("ix_call_live", "status", "started_at"),  # the sweeps' calls still on the line
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(PROVIDER_SID), unique=True)
    structure_id: Mapped[int | None] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), nullable=True, index=True
    )
    direction: Mapped[str] = mapped_column(String(20), default="inbound")
    from_e164: Mapped[str] = mapped_column(String(PROVIDER_ADDRESS), default="")
    to_e164: Mapped[str] = mapped_column(String(PROVIDER_ADDRESS), default="")
    status: Mapped[str] = mapped_column(String(20), default="ringing")
    last_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), nullable=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    # True from the moment a staff member accepts until the bridged leg ends:
    # a staff member on a hotline call is not rung for another one.
    staff_connected: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)

    structure: Mapped[Structure | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    person: Mapped[Person | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallEvent.id"
    )


class CallEvent(Base):
    """The status history of a call, deduplicated on what Twilio sent."""

    __tablename__ = "call_event"
    __table_args__ = (UniqueConstraint("call_id", "kind", "detail"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))  # status, menu, route, dial, voicemail...
    detail: Mapped[str] = mapped_column(String(120), default="")

    call: Mapped[Call] = relationship(back_populates="events")


class Voicemail(Base):
    """A message left by a caller, kept whether or not they want a callback."""

    __tablename__ = "voicemail"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), unique=True)
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), nullable=True
    )
    recording_sid: Mapped[str | None] = mapped_column(
        String(PROVIDER_SID), unique=True, nullable=True
    )
    recording_url: Mapped[str | None] = mapped_column(String(PROVIDER_URL), nullable=True)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[VoicemailStatus] = mapped_column(enum_column(VoicemailStatus))
    callback_consent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    call: Mapped[Call] = relationship()
    theme: Mapped[Theme | None] = relationship()


class RecordingAccess(Base):
    """Who listened to which message, and when (RGPD: access to personal data is traced)."""

    __tablename__ = "recording_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    voicemail_id: Mapped[int] = mapped_column(
        ForeignKey("voicemail.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
