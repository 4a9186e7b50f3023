"""Queue policies as data: which callback comes first, and the words that say why.

A structure picks one ordering; it is stored as a small mapping (`{"kind": "risk_first"}`,
or `{"kind": "weighted", "weights": {...}}`) so that a coordinator changes it without a
deployment and each change is kept with who made it (`hotline.callbacks.policy_changes`).

Every ordering ends with the same tie-break: the longest wait first, then the oldest id. Two
entries never swap places from one page load to the next, and among equals the first to ask
is the first called (the fairness users ask for). The reasons shown next to an entry name
what its position rests on, in French: "isolée · attend depuis 2 j 4 h · 1 tentative".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.callbacks import wording as french
from hotline.callbacks.errors import SettingsError
from hotline.callbacks.queue_rows import QueueRow
from hotline.models import Callback

KINDS = ("oldest", "isolated_first", "convention_first", "risk_first", "weighted")
WEIGHTS = ("isolated", "convention", "risk", "waiting_hours", "attempts")
MAX_WEIGHT = 1000.0
DEFAULT_POLICY: dict[str, Any] = {"kind": "oldest"}

# How the settings page names each policy.
LABELS = {
    "oldest": "Les plus anciens d'abord",
    "isolated_first": "Les personnes isolées d'abord",
    "convention_first": "Les personnes sous convention d'abord",
    "risk_first": "Le risque de rupture le plus élevé d'abord",
    "weighted": "Combinaison pondérée",
}
# How the settings page names each weight of the weighted policy.
WEIGHT_LABELS = {
    "isolated": "Personne isolée",
    "convention": "Convention",
    "risk": "Niveau de risque (par point)",
    "waiting_hours": "Attente (par heure)",
    "attempts": "Tentatives déjà faites (par tentative)",
}


class PolicyError(SettingsError):
    """A policy that cannot be used; `field` names the bad part (`policy.weights.risk`)."""


@dataclass(frozen=True)
class Policy:
    kind: str = "oldest"
    weights: Mapping[str, float] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The stored form: what `normalise_policy` returns and PolicyChange keeps."""
        if self.kind != "weighted":
            return {"kind": self.kind}
        return {"kind": self.kind, "weights": dict(self.weights)}


def _weight(name: str, value: Any) -> float:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value) or abs(value) > MAX_WEIGHT:
        raise PolicyError(
            ("policy", "weights", name),
            f"must be a number between -{MAX_WEIGHT:g} and {MAX_WEIGHT:g}",
        )
    return float(value) if isinstance(value, float) else int(value)


def _weights(raw: Any) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyError(("policy", "weights"), f"give weights among {', '.join(WEIGHTS)}")
    for name in raw:
        if name not in WEIGHTS:
            raise PolicyError(
                ("policy", "weights", str(name)), f"unknown weight (known: {', '.join(WEIGHTS)})"
            )
    return {name: _weight(name, raw[name]) for name in WEIGHTS if name in raw}


def normalise_policy(raw: Any) -> dict[str, Any]:
    """Check a policy mapping and return its stored form; PolicyError names the bad field."""
    if raw is None:
        return dict(DEFAULT_POLICY)
    if not isinstance(raw, Mapping):
        raise PolicyError(("policy",), "must be a mapping with a kind")
    for name in raw:
        if name not in ("kind", "weights"):
            raise PolicyError(("policy", str(name)), "unknown field (known: kind, weights)")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise PolicyError(("policy", "kind"), f"{kind!r} is not one of {', '.join(KINDS)}")
    if kind != "weighted":
        if "weights" in raw:
            raise PolicyError(("policy", "weights"), "only a weighted policy has weights")
        return {"kind": kind}
    return {"kind": kind, "weights": _weights(raw.get("weights"))}


def parse_policy(raw: Any) -> Policy:
    data = normalise_policy(raw)
    return Policy(data["kind"], data.get("weights", {}))


# -- ordering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    """What a policy looks at, read once per entry."""

    isolated: bool
    convention: bool
    risk: int
    waiting_hours: float
    attempts: int


def _facts(callback: Callback | QueueRow, now: datetime) -> _Facts:
    person = callback.person
    return _Facts(
        isolated=bool(person and person.isolated),
        convention=bool(person and person.has_convention),
        risk=person.risk if person else 0,
        waiting_hours=max(0.0, (now - callback.created_at).total_seconds() / 3600),
        attempts=callback.attempts,
    )


def score(policy: Policy, facts: _Facts) -> float:
    """The weighted sum; rounded so that float noise never decides an order."""
    values = {
        "isolated": float(facts.isolated),
        "convention": float(facts.convention),
        "risk": float(facts.risk),
        "waiting_hours": facts.waiting_hours,
        "attempts": float(facts.attempts),
    }
    return round(sum(values[name] * weight for name, weight in policy.weights.items()), 6)


def _primary(policy: Policy, facts: _Facts) -> float:
    """The policy's own criterion, smaller first; the wait and the id break ties."""
    if policy.kind == "isolated_first":
        return 0 if facts.isolated else 1
    if policy.kind == "convention_first":
        return 0 if facts.convention else 1
    if policy.kind == "risk_first":
        return -facts.risk
    if policy.kind == "weighted":
        return -score(policy, facts)
    return 0


def _flags(policy: Policy, facts: _Facts) -> list[str]:
    """The person's traits the policy used, as the reasons name them."""
    uses = {
        "isolated": policy.kind == "isolated_first" or bool(policy.weights.get("isolated")),
        "convention": policy.kind == "convention_first" or bool(policy.weights.get("convention")),
        "risk": policy.kind == "risk_first" or bool(policy.weights.get("risk")),
    }
    flags = []
    if uses["isolated"] and facts.isolated:
        flags.append("isolée")
    if uses["convention"] and facts.convention:
        flags.append("convention")
    if uses["risk"] and facts.risk > 0:
        flags.append(french.risk(facts.risk))
    return flags


def reasons(policy: Policy, callback: Callback | QueueRow, now: datetime) -> tuple[str, ...]:
    """Why this entry stands where it does: the traits used, the wait, the attempts so far."""
    facts = _facts(callback, now)
    found = _flags(policy, facts)
    found.append(french.waiting(now - callback.created_at))
    if facts.attempts:
        found.append(french.attempts(facts.attempts))
    if policy.kind == "weighted":
        found.append(f"score {french.number(score(policy, facts))}")
    return tuple(found)


def order(policy: Policy, callbacks: Iterable[Callback], now: datetime) -> list[Callback]:
    """The entries in the policy's order; ties go to the longest wait, then the smaller id."""
    return sorted(
        callbacks,
        key=lambda callback: (
            _primary(policy, _facts(callback, now)),
            callback.created_at,
            callback.id,
        ),
    )
