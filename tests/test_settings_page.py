"""Réglages says the allowed hours, delays in words, local times, and to whom someone was
referred (issue 9, point 13)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("demo")


def test_settings_say_hours_delays_and_local_times_in_words(
    session: Any, clock: Any, sign_in: Any
) -> None:
    clock.set("2026-12-08 10:12")  # Paris; 09:12 UTC
    amina, sophie = sign_in("amina"), sign_in("sophie")
    added = amina.post_json("/api/callbacks", {"phone": "06 12 34 56 78"}).get_json()
    amina.post_json(f"/api/callbacks/{added['id']}/claim")
    amina.post_json(
        f"/api/callbacks/{added['id']}/outcome",
        {"outcome": "referred", "referred_to": "CCAS de Lyon", "called_elsewhere": True},
    )
    sophie.post_form("/settings/policy", {"kind": "oldest"})

    html = sophie.get("/settings").get_data(as_text=True)
    assert "du lundi au vendredi, 9 h – 18 h" in html
    assert "Pas de rappel les jours fériés." in html
    assert "délais avant la tentative suivante : 1 h, 4 h, 1 jour (4 tentatives au plus)" in html
    assert "Orienté vers CCAS de Lyon" in html
    assert "08/12/2026 à 10 h 12" in html  # the policy change and the closing, Paris time
    assert "UTC" not in html
    assert "60, 240, 1440" not in html
