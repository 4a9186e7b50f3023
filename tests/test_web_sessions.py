"""A dashboard session ends on the server: a copied cookie dies with logout or a new password."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from hotline import accounts

pytestmark = pytest.mark.usefixtures("demo")


def replay(app: Flask, cookie: str) -> Any:
    """Another browser presenting a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app: Flask, sign_in: Any) -> None:
    amina = sign_in("amina")
    copied = amina.client.get_cookie("session").value
    assert replay(app, copied).get("/api/queue").status_code == 200  # the copy works, for now

    response = amina.client.post("/logout", data={"csrf_token": amina.csrf})
    assert response.status_code == 302

    thief = replay(app, copied)
    assert thief.get("/api/queue").status_code == 401
    page = thief.get("/queue")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")
    assert thief.post(
        "/api/callbacks", json={}, headers={"X-CSRF-Token": amina.csrf}
    ).status_code in (
        400,
        401,
    )


def test_signing_in_again_after_logout_works(app: Flask, sign_in: Any) -> None:
    amina = sign_in("amina")
    amina.client.post("/logout", data={"csrf_token": amina.csrf})
    again = sign_in("amina")
    assert again.get("/api/queue").status_code == 200


def test_a_new_password_revokes_every_session(app: Flask, sign_in: Any, session: Any) -> None:
    amina = sign_in("amina")
    copied = amina.client.get_cookie("session").value
    accounts.set_password(amina.staff, "un-autre-mot-de-passe-long")
    session.commit()
    assert amina.get("/api/queue").status_code == 401
    assert replay(app, copied).get("/api/queue").status_code == 401
