"""What the settings form submits, turned into what the callback services take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.callbacks.policy import WEIGHTS


def policy_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The policy a coordinator chose in the settings form, as the queue stores it.

    A weight typed with a French decimal comma ("1,5") is read as 1.5; the policy's own
    validation then names any value it cannot use.
    """
    kind = form.get("kind", "")
    if kind != "weighted":
        return {"kind": kind}
    weights = {}
    for name in WEIGHTS:
        raw = form.get(f"weight_{name}", "0").replace(",", ".").strip() or "0"
        weights[name] = float(raw)
    return {"kind": "weighted", "weights": weights}
