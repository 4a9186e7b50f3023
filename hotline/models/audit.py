"""The audit log (who did what to personal data) and the anonymous daily counts kept for reports.

Both are written so that they may outlive the data they are about: no foreign key to a call,
a voicemail or a person, and never a name or a phone number, only ids and counts.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, UTCDateTime, enum_column


class AuditAction(enum.StrEnum):
    LISTEN = "listen"  # a message was listened to (écoute d'un message)
    EXPORT = "export"  # a person's data was exported (droit d'accès)
    ERASE = "erase"  # a person's data was erased (droit à l'effacement)
    SETTINGS = "settings"  # a structure's settings changed (fichier ou tableau de bord)
    POLICY = "policy"  # the callback queue policy changed


class AuditEntry(Base):
    """One line of the append-only audit log; kept 12 months by default, then purged.

    Append-only: the ORM refuses to update or delete a loaded entry (see the events below),
    and the only statement that deletes entries is the retention purge, by age.
    `staff_id` is a plain id (None: the command line or the purge), not a foreign key: an
    entry must not change when a staff member leaves.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    subject: Mapped[str] = mapped_column(String(40), default="")  # "voicemail:12", "person:3"
    detail: Mapped[str] = mapped_column(String(300), default="")  # counts, setting names


class AuditEntryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AuditEntryIsAppendOnly(f"audit entry {target.id} may not be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AuditEntryIsAppendOnly(f"audit entry {target.id} may not be deleted")


class ActivityCount(Base):
    """How many calls, messages, callbacks… a structure had on a local day, per theme.

    Written when person-level rows are purged or erased, so reports keep their numbers once
    the rows are gone. No person, no number: a count per day, theme and metric.
    """

    __tablename__ = "activity_count"
    __table_args__ = (UniqueConstraint("structure_id", "day", "theme_key", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    theme_key: Mapped[str] = mapped_column(String(64), default="")  # "" when no theme was chosen
    metric: Mapped[str] = mapped_column(String(40))  # calls, calls_answered, voicemails…
    count: Mapped[int] = mapped_column(Integer, default=0)
