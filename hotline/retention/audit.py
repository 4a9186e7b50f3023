"""Writing the append-only audit log: who listened, exported, erased or changed settings.

One verb, `record`, which only ever adds a row. Entries hold ids and counts, never a name or a
number: they must stay true (and harmless) after the person they are about is erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditAction, AuditEntry


def record(
    session: Session,
    structure_id: int,
    action: AuditAction,
    *,
    staff_id: int | None,
    subject: str = "",
    detail: str = "",
    now: datetime,
) -> AuditEntry:
    """Add one entry (flushed); `staff_id` None means the command line or the purge."""
    entry = AuditEntry(
        structure_id=structure_id,
        at=now,
        staff_id=staff_id,
        action=action,
        subject=subject[:40],
        detail=detail[:300],
    )
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, structure_id: int, limit: int = 200) -> list[AuditEntry]:
    """The structure's latest entries, newest first (for the coordinator's page)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.structure_id == structure_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
