"""Changing a structure's queue policy, and the history of who changed it when.

Funders and the structure's own team may ask why the order changed; every change is a
PolicyChange row (a structure file load is recorded too, with no staff member).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.errors import NotAllowed
from hotline.callbacks.policy import LABELS, normalise_policy
from hotline.callbacks.settings import normalise_callback_settings
from hotline.models import AuditAction, PolicyChange, Staff, Structure
from hotline.retention import audit

POLICY_ROLES = ("coordinator", "admin")
FILE_AUTHOR = "fichier de structure"


@dataclass(frozen=True)
class PolicyVersion:
    """One entry of the history, ready to show: when, who, what."""

    at: datetime
    policy: dict[str, Any]
    label: str
    staff_id: int | None
    by_name: str


def store_policy(
    session: Session,
    structure: Structure,
    policy: dict[str, Any],
    staff_id: int | None,
    now: datetime,
) -> PolicyChange | None:
    """Write an already normalised policy and log it; None when it was already the policy.

    The settings mapping is replaced, not mutated, so the JSON column sees the change.
    """
    settings = dict(structure.settings or {})
    current = normalise_callback_settings(settings.get("callbacks"))
    if current["policy"] == policy and "callbacks" in settings:
        return None
    settings["callbacks"] = {**current, "policy": policy}
    structure.settings = settings
    change = PolicyChange(structure_id=structure.id, staff_id=staff_id, at=now, policy=policy)
    session.add(change)
    session.flush()
    audit.record(
        session,
        structure.id,
        AuditAction.POLICY,
        staff_id=staff_id,
        subject=f"policy:{change.id}",
        detail=f"politique : {policy.get('kind', '')}",
        now=now,
    )
    return change


def set_policy(
    session: Session, structure: Structure, staff: Staff, policy: dict[str, Any], now: datetime
) -> PolicyChange | None:
    """Validate and apply a coordinator's policy; returns the logged change (None if unchanged).

    Raises PolicyError naming the bad field, or NotAllowed for a staff member who is not a
    coordinator of this structure (an admin may set any structure's policy).
    """
    allowed = staff.role == "admin" or (
        staff.role in POLICY_ROLES and staff.structure_id == structure.id
    )
    if not allowed:
        raise NotAllowed("Seule la coordination de la structure choisit la politique de rappel.")
    return store_policy(session, structure, normalise_policy(policy), staff.id, now)


def policy_history(session: Session, structure_id: int) -> list[PolicyVersion]:
    """Every policy the structure had, newest first, with who set it."""
    rows = session.execute(
        select(PolicyChange, Staff.name)
        .outerjoin(Staff, PolicyChange.staff_id == Staff.id)
        .where(PolicyChange.structure_id == structure_id)
        .order_by(PolicyChange.at.desc(), PolicyChange.id.desc())
    ).all()
    return [
        PolicyVersion(
            at=change.at,
            policy=dict(change.policy),
            label=LABELS.get(change.policy.get("kind", ""), "?"),
            staff_id=change.staff_id,
            by_name=name if name is not None else FILE_AUTHOR,
        )
        for change, name in rows
    ]
