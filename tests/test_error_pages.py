"""Error pages in French, in the dashboard's layout; the API keeps JSON, webhooks TwiML."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, abort

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


ENGLISH = ("Forbidden", "Not Found", "Too Many Requests", "Internal Server Error")


def _french_page(response: Any, status: int, title: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in html
    assert 'class="site-header"' in html  # the dashboard's layout
    assert not any(word in html for word in ENGLISH)
    return html


def test_a_staff_member_opening_settings_reads_why_in_french(sign_in: Any) -> None:
    amina = sign_in("amina")
    html = _french_page(amina.get("/settings"), 403, "Page réservée")
    assert "réservée à la coordination" in html
    assert "Retour à la file des rappels" in html


def test_an_unknown_page_or_entry_is_a_french_404(sign_in: Any, client: Any) -> None:
    _french_page(client.get("/nulle-part"), 404, "Page introuvable")
    _french_page(sign_in("amina").get("/callbacks/999999"), 404, "Page introuvable")


def test_the_api_keeps_answering_json(sign_in: Any) -> None:
    answer = sign_in("amina").post_json("/api/callbacks/999999/claim")
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "not_found"
    assert "introuvable" in answer.get_json()["message"] or "existe" in answer.get_json()["message"]


def test_webhooks_keep_their_own_answers(client: Any) -> None:
    forged = client.post("/voice/incoming", data={"CallSid": "CA" + "a" * 32})
    assert forged.status_code == 403
    assert "site-header" not in forged.get_data(as_text=True)


@pytest.mark.own_app
def test_too_many_requests_and_faults_are_french_pages(app: Flask, client: Any) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/probe/busy")
    def busy() -> str:
        abort(429)

    @app.get("/probe/fault")
    def fault() -> str:
        raise RuntimeError("boom")

    _french_page(client.get("/probe/busy"), 429, "Trop de demandes")
    html = _french_page(client.get("/probe/fault"), 500, "Erreur du tableau de bord")
    assert "boom" not in html
