"""The callback queue: entries, their attempts, and the versioned ordering policy."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime, enum_column
from hotline.models.calls import PROVIDER_ADDRESS, PROVIDER_SID, Call, Voicemail
from hotline.models.structure import Person, Staff, Theme


class CallbackStatus(enum.StrEnum):
    WAITING = "waiting"  # in the queue, nobody has it
    CLAIMED = "claimed"  # one staff member holds it until claim_expires_at
    CALLING = "calling"  # the bridge call is being placed
    RETRY_SCHEDULED = "retry_scheduled"  # no answer: back in the queue at due_at
    DONE = "done"  # an outcome was recorded
    ABANDONED = "abandoned"  # the last attempt failed


OPEN_STATUSES = (CallbackStatus.WAITING, CallbackStatus.RETRY_SCHEDULED)
# The two partial indexes' predicates: open entries without, and with, a due time.
FREE_SQL = "status IN ('waiting', 'retry_scheduled') AND due_at IS NULL"
TIMED_SQL = "status IN ('waiting', 'retry_scheduled') AND due_at IS NOT NULL"


class CallbackSource(enum.StrEnum):
    VOICEMAIL = "voicemail"
    MISSED_CALL = "missed_call"
    MANUAL = "manual"
    CHECK_IN = "check_in"


class CallbackOutcome(enum.StrEnum):
    REACHED = "reached"  # joint
    NO_ANSWER = "no_answer"  # pas de réponse
    MESSAGE_LEFT = "message_left"  # message laissé
    WRONG_NUMBER = "wrong_number"  # faux numéro
    REFERRED = "referred"  # orienté vers…
    OTHER = "other"  # autre


class Callback(Base):
    """One entry of a structure's callback queue, called back at most once at a time."""

    __tablename__ = "callback"
    # The queue reads one structure's listed entries, oldest first among equals, a page at a time.
    # Its order is `queue_rank, created_at, id` (hotline.callbacks.queue_keys): entries free
    # now are one range of the first index; retries with a due time one range of the second,
    # split at "now" by due_at. Entries someone holds are few and read by the first index here.
    __table_args__ = (
        Index("ix_callback_queue", "structure_id", "status", "created_at"),
        Index(
            "ix_callback_queue_free",
            "structure_id",
            "queue_rank",
            "created_at",
            "id",
            postgresql_where=text(FREE_SQL),
            sqlite_where=text(FREE_SQL),
        ),
        # The same range for one theme (the queue filtered by theme).
        Index(
            "ix_callback_queue_free_theme",
            "structure_id",
            "theme_id",
            "queue_rank",
            "created_at",
            "id",
            postgresql_where=text(FREE_SQL),
            sqlite_where=text(FREE_SQL),
        ),
        Index(
            "ix_callback_queue_timed",
            "structure_id",
            "due_at",
            "queue_rank",
            "created_at",
            "id",
            postgresql_where=text(TIMED_SQL),
            sqlite_where=text(TIMED_SQL),
        ),
        # "Is this caller (number or person) already waiting?" at every consent and entry.
        Index("ix_callback_caller", "structure_id", "phone_e164"),
        Index("ix_callback_person", "person_id"),
        # The retries with a due time counted per theme, callable now or not, without
        # reading the table (the free entries are counted by `FreeEntryCount`).
        Index(
            "ix_callback_queue_counts",
            "structure_id",
            "theme_id",
            "due_at",
            postgresql_where=text(TIMED_SQL),
            sqlite_where=text(TIMED_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[CallbackSource] = mapped_column(enum_column(CallbackSource))
    status: Mapped[CallbackStatus] = mapped_column(enum_column(CallbackStatus), index=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    voicemail_id: Mapped[int | None] = mapped_column(
        ForeignKey("voicemail.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), nullable=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True
    )
    phone_e164: Mapped[str] = mapped_column(String(PROVIDER_ADDRESS))  # the caller's From
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[CallbackOutcome | None] = mapped_column(
        enum_column(CallbackOutcome), nullable=True
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    referred_to: Mapped[str] = mapped_column(String(200), default="")
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sms_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why no last-attempt SMS will be sent (no sender registered, refused by the provider).
    sms_failure: Mapped[str] = mapped_column(String(300), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every transition
    # The policy's criterion without the instant, smaller first (hotline.callbacks.queue_keys).
    queue_rank: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")

    call: Mapped[Call | None] = relationship()
    voicemail: Mapped[Voicemail | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    person: Mapped[Person | None] = relationship()
    claimed_by: Mapped[Staff | None] = relationship(foreign_keys=[claimed_by_id])
    handled_by: Mapped[Staff | None] = relationship(foreign_keys=[handled_by_id])
    attempt_rows: Mapped[list[CallbackAttempt]] = relationship(
        back_populates="callback", cascade="all, delete-orphan", order_by="CallbackAttempt.number"
    )
    # Every message that joined this entry, oldest first (each keeps its own consent).
    messages: Mapped[list[Voicemail]] = relationship(
        secondary="callback_message", order_by="Voicemail.created_at", viewonly=True
    )


class CallbackMessage(Base):
    """A message left for an entry: one person or number waits once, whatever they left.

    A voicemail belongs to at most one entry (unique), so a retried webhook links it once.
    """

    __tablename__ = "callback_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callback.id", ondelete="CASCADE"), index=True
    )
    voicemail_id: Mapped[int] = mapped_column(
        ForeignKey("voicemail.id", ondelete="CASCADE"), unique=True
    )


class CallbackAttempt(Base):
    """One try at calling back: the staff leg first, then the caller's."""

    __tablename__ = "callback_attempt"
    __table_args__ = (
        UniqueConstraint("callback_id", "number"),
        # Who is calling back right now, asked at every theme a caller chooses (the busy
        # staff): the few tries still open, without reading the whole history.
        Index(
            "ix_callback_attempt_open",
            "started_at",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3...
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_call_sid: Mapped[str | None] = mapped_column(
        String(PROVIDER_SID), unique=True, nullable=True
    )
    caller_call_sid: Mapped[str | None] = mapped_column(
        String(PROVIDER_SID), unique=True, nullable=True
    )
    staff_status: Mapped[str] = mapped_column(String(20), default="")
    caller_status: Mapped[str] = mapped_column(String(20), default="")
    result: Mapped[str] = mapped_column(String(20), default="")  # the outcome of this try
    # Why the staff leg was never placed (provider refusal, lost job, cancelled by staff).
    failure_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    callback: Mapped[Callback] = relationship(back_populates="attempt_rows")


class PolicyChange(Base):
    """A structure's queue policy as set at a moment by someone: the history funders may ask for."""

    __tablename__ = "policy_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)

    staff: Mapped[Staff | None] = relationship()


class FreeEntryCount(Base):
    """A ledger of the queue's free entries (open, no due time) per structure and theme.

    Database triggers (migration 0021) add a row +1 or -1 whenever an entry becomes free or
    stops being free, so no writer ever waits on another's counter row; the counts are the
    sum of a structure's rows, and a sweep folds them into one row per theme
    (`hotline.callbacks.free_counts`). Counting 20,000 waiting entries then reads a few
    rows, not 20,000. No foreign keys: a deleted structure's or theme's rows sum to zero
    and the fold drops them.
    """

    __tablename__ = "callback_free_count"
    __table_args__ = (Index("ix_callback_free_count_structure_id", "structure_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    structure_id: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
