"""Signing staff in, as a browser would: the session cookie plus its CSRF token."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from hotline.models import Staff
from tests import factories
from tests.factories import PASSWORD

__all__ = ["PASSWORD", "SignedIn", "give_password", "sign_in_as"]


class SignedIn:
    """A test client signed in as one staff member, posting with the session's CSRF token."""

    def __init__(self, client: FlaskClient, csrf: str, staff: Staff) -> None:
        self.client, self.csrf, self.staff = client, csrf, staff

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post_json(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})

    def post_form(self, path: str, data: dict[str, str] | None = None) -> Any:
        return self.client.post(
            path, data={**(data or {}), "csrf_token": self.csrf}, headers={"Accept": "text/html"}
        )


def give_password(session: Any, key: str, email: str | None = None, slug: str = "demo") -> Staff:
    """The staff member `key` of `slug`, with PASSWORD (and `email` if given), committed."""
    member = factories.staff(session, key, slug)
    if email:
        member.email = email
    factories.give_password(member)
    session.commit()
    return member


def sign_in_as(
    app: Flask, session: Any, key: str, email: str | None = None, slug: str = "demo"
) -> SignedIn:
    """A fresh browser session signed in as the staff member `key` of structure `slug`."""
    staff = give_password(session, key, email, slug)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as cookie:
        token = cookie["csrf_token"]
    response = client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with client.session_transaction() as cookie:
        token = cookie["csrf_token"]
    return SignedIn(client, token, staff)
