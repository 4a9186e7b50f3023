"""Small translations between the queue services and what the pages show or submit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callbacks.hours import next_allowed
from hotline.models import Callback, CallbackStatus, Structure

POLICY_LABELS = {
    "oldest": "Les plus anciens d'abord",
    "isolated_first": "Personnes isolées d'abord",
    "convention_first": "Conventions d'abord",
    "risk_first": "Risque le plus élevé d'abord",
    "weighted": "Combinaison pondérée",
}
WEIGHT_LABELS = {
    "isolated": "Personne isolée",
    "convention": "Convention",
    "risk": "Niveau de risque (par point)",
    "waiting_hours": "Attente (par heure)",
    "attempts": "Tentatives déjà faites (par tentative)",
}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def policy_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The policy a coordinator chose in the settings form, as the queue stores it."""
    kind = form.get("kind", "")
    if kind != "weighted":
        return {"kind": kind}
    weights = {}
    for name in WEIGHT_LABELS:
        raw = form.get(f"weight_{name}", "0").replace(",", ".").strip() or "0"
        weights[name] = float(raw)
    return {"kind": "weighted", "weights": weights}


def next_call_window(structure: Structure, now: datetime) -> str | None:
    """'' when calling is allowed now, else when it will be ('lundi 7/12 à 9 h 00')."""
    allowed = next_allowed(structure, now)
    if allowed is None:
        return "aucun créneau de rappel n'est prévu"
    if allowed <= now:
        return None
    local = allowed.astimezone(ZoneInfo(structure.timezone))
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m} à {local.hour} h {local:%M}"


def recently_handled(session: Session, structure_id: int, limit: int = 50) -> list[Callback]:
    """Who handled what, most recent first: the coordinator's view of the work done."""
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.structure_id == structure_id,
                Callback.status.in_([CallbackStatus.DONE, CallbackStatus.ABANDONED]),
            )
            .order_by(Callback.closed_at.desc(), Callback.id.desc())
            .limit(limit)
        )
    )
