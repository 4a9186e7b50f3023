"""SMS reminders of group calls: one row per invitee, session and kind, swept when due.

The row is the schedule (`due_at`) and the proof (`sent_at`, `message_sid`): the unique key
(session, kind, invitee) means planning twice makes one row, and the send job claims the row
(`sending_at`, committed before the provider is asked) so a second job never sends it again.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime, enum_column
from hotline.models.calls import PROVIDER_SID
from hotline.models.groupcalls import GroupSession


class ReminderKind(enum.StrEnum):
    DAY_BEFORE = "day_before"  # la veille (24 h avant)
    HOUR_BEFORE = "hour_before"  # une heure avant


class GroupReminder(Base):
    """One SMS reminder to one invitee (`invitee` is "p-<person id>" or "s-<staff id>")."""

    __tablename__ = "group_reminder"
    __table_args__ = (UniqueConstraint("session_id", "kind", "invitee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind))
    invitee: Mapped[str] = mapped_column(String(24))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    message_sid: Mapped[str | None] = mapped_column(String(PROVIDER_SID), nullable=True)
    delivery: Mapped[str] = mapped_column(String(20), default="")  # the last MessageStatus
    tries: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str] = mapped_column(String(300), default="")  # in French; then never sent

    session: Mapped[GroupSession] = relationship()
