"""After login, and after a form posted to the API, a browser goes back to a page of ours only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboard_helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("demo")

# What a browser would make of each: another site, or a header the server cannot write.
HOSTILE = [
    "/\t/evil.example",  # the tab is dropped: //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/queue",
    "javascript:alert(1)",
    "/\x00/evil.example",
    "queue",
    "",
]


def test_a_signed_in_visitor_is_never_sent_to_another_site_by_login(sign_in: Any) -> None:
    amina = sign_in("amina")
    for target in HOSTILE:
        response = amina.get("/login", query_string={"next": target})
        assert (response.status_code, response.headers["Location"]) == (302, "/queue"), target


def test_the_login_form_never_sends_to_another_site(app: Any, sign_in: Any) -> None:
    sign_in("amina")  # gives her the password
    for target in HOSTILE:
        client = app.test_client()
        client.get("/login")
        with client.session_transaction() as cookie:
            token = cookie["csrf_token"]
        form = {"email": "amina@demo.example", "password": PASSWORD, "csrf_token": token}
        response = client.post("/login", data={**form, "next": target})
        assert (response.status_code, response.headers["Location"]) == (302, "/queue"), target


def test_an_api_form_goes_back_to_the_queue_not_to_another_site(sign_in: Any) -> None:
    amina = sign_in("amina")
    for target in HOSTILE:
        response = amina.post_form("/api/callbacks", {"phone": "06 12 34 56 78", "next": target})
        assert (response.status_code, response.headers["Location"]) == (302, "/queue"), target


def test_a_local_page_is_still_followed(sign_in: Any) -> None:
    amina = sign_in("amina")
    for target in ["/queue", "/callbacks/3", "/queue?structure=demo&x=%2F%2F"]:
        assert amina.get("/login", query_string={"next": target}).headers["Location"] == target
        response = amina.post_form("/api/callbacks", {"phone": "06 12 34 56 78", "next": target})
        assert response.headers["Location"] == target
