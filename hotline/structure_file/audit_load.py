"""A structure file load that changes settings is audited, like a change in the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.models import AuditAction, Structure
from hotline.retention import audit

# Changes about people and staff are not settings: the log names no one.
_NOT_SETTINGS = ("person", "staff", "number")


def audit_settings(
    session: Session, structure: Structure, changes: list[str], policy: bool, at: datetime
) -> None:
    """A settings change by a file load goes to the audit log, like one made in the dashboard."""
    words = [change for change in changes if not change.startswith(_NOT_SETTINGS)]
    if words:
        detail = "fichier de structure : " + ", ".join(words)
        audit.record(
            session, structure.id, AuditAction.SETTINGS, staff_id=None, detail=detail, now=at
        )
    if policy:
        audit.record(
            session,
            structure.id,
            AuditAction.POLICY,
            staff_id=None,
            detail="politique changée par le fichier de structure",
            now=at,
        )
