"""Who owns what a structure file describes: the file, or the app (dashboard, phone, CLI).

The coordinator's file is reloaded often (every `make run`, `hotline structure load` after an
edit), while staff change things in the dashboard and on the phone. Each setting has one
owner, so a reload can never silently undo the other side (README, "Who owns what"):

- the callback policy: the file gives the first one; once a coordinator chose one in
  Réglages (a PolicyChange by a staff member), the dashboard owns it;
- staff: the file removes only the members it added itself (their keys are kept in the
  structure's settings); members created by `hotline staff invite` stay;
- sign-in address and role: the file's until the member has a dashboard account, then
  `hotline staff invite` changes them;
- "off duty today" from the phone menu: the phone's rows (`DutyException.set_by_phone`).
- a group-call series: the file's until a coordinator edits it in the dashboard
  (`hotline.groupcalls.ownership`).

What a load left alone because the app owns it is reported as `kept`, never as a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import PolicyChange, Structure

FILE_STAFF = "file_staff"  # settings key: the staff keys the file listed at its last load


def dashboard_chose_policy(session: Session, structure: Structure) -> bool:
    """Whether a staff member ever set this structure's policy (not a file load)."""
    if structure.id is None:
        return False
    chosen = session.scalar(
        select(PolicyChange.id)
        .where(PolicyChange.structure_id == structure.id, PolicyChange.staff_id.is_not(None))
        .limit(1)
    )
    return chosen is not None


def callbacks_to_apply(
    session: Session, structure: Structure, wanted: Mapping[str, Any] | None
) -> tuple[Mapping[str, Any] | None, list[str]]:
    """The file's `callbacks:` section with the dashboard's policy kept, and what was kept."""
    if wanted is None or not dashboard_chose_policy(session, structure):
        return wanted, []
    current = ((structure.settings or {}).get("callbacks") or {}).get("policy")
    if current is None or current == wanted.get("policy"):
        return wanted, []
    return {**wanted, "policy": current}, ["callbacks.policy: the one chosen in Réglages"]


def came_from_file(structure: Structure, key: str, has_account: bool) -> bool:
    """Whether a previous load of the file added the staff member `key`.

    Structures loaded before the list was kept have none: then only a member without a
    dashboard account is taken for the file's, since an account is never the file's.
    """
    listed = (structure.settings or {}).get(FILE_STAFF)
    if listed is None:
        return not has_account
    return key in listed


def remember_file_staff(structure: Structure, keys: list[str]) -> None:
    """Note which staff the file lists now (a new mapping, so the JSON column sees it)."""
    wanted = sorted(keys)
    if (structure.settings or {}).get(FILE_STAFF) != wanted:
        structure.settings = {**(structure.settings or {}), FILE_STAFF: wanted}
