"""Loading the optional `callbacks:` section into `Structure.settings["callbacks"]`.

The section is stored whole, in the normalised form the reader produced, so an unchanged
file compares equal and writes nothing. A file without the section leaves the settings as
they are: the coordinator may have chosen them in the dashboard. A policy that changes by
a file load is logged like one changed in the dashboard, with no staff member.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.models import PolicyChange, Structure


def apply_callbacks(
    structure: Structure, wanted: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Put the section into the settings; returns the new policy when the policy changed.

    The settings mapping is replaced, never mutated: the JSON column only sees a new value.
    """
    if wanted is None:
        return None
    settings = dict(structure.settings or {})
    before = settings.get("callbacks")
    if before == wanted:
        return None
    settings["callbacks"] = copy.deepcopy(dict(wanted))
    structure.settings = settings
    policy: dict[str, Any] = settings["callbacks"]["policy"]
    if before is not None and before.get("policy") == policy:
        return None
    return policy


def changed_words(created: bool, before: Any, structure: Structure) -> list[str]:
    """What a load reports: nothing for a new structure, as for its other fields."""
    if created or (structure.settings or {}).get("callbacks") == before:
        return []
    return ["callbacks changed"]


def log_policy(
    session: Session, structure: Structure, policy: dict[str, Any], at: datetime
) -> None:
    """Keep the file's policy in the history (after the flush that gave the structure an id)."""
    session.add(PolicyChange(structure_id=structure.id, staff_id=None, at=at, policy=policy))
    session.flush()
