"""Every response carries the security headers; private pages are never stored by a browser."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from hotline import create_app
from tests.inbound_helpers import CALLER, DEMO_NUMBER

pytestmark = pytest.mark.usefixtures("demo")


def assert_hardened(response: Any) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in csp.split(";")}
    assert directives.get("default-src") == "default-src 'self'", csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {"no-referrer", "same-origin"}


def test_pages_api_and_errors_carry_the_headers_and_private_ones_are_not_stored(
    app: Flask, sign_in: Any
) -> None:
    amina = sign_in("amina")
    for path in ("/queue", "/api/queue", "/callbacks/999", "/nowhere", "/login"):
        response = amina.get(path)
        assert_hardened(response)
        assert response.headers.get("Cache-Control") == "no-store", path
    anonymous = app.test_client().get("/login")
    assert_hardened(anonymous)
    assert "Strict-Transport-Security" not in anonymous.headers  # development: plain http


def test_an_api_post_and_a_forbidden_page_are_not_stored(sign_in: Any) -> None:
    amina = sign_in("amina")
    for response in (amina.post_json("/api/callbacks", {"phone": ""}), amina.get("/settings")):
        assert_hardened(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_may_be_cached(app: Flask) -> None:
    response = app.test_client().get("/static/web/dashboard.css")
    assert response.status_code == 200
    assert_hardened(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_a_webhook_answer_carries_them_too(app: Flask) -> None:
    params = {"CallSid": "CA" + "b" * 32, "From": CALLER, "To": DEMO_NUMBER}
    answer = app.test_client().post("https://hotline.test/voice/incoming", data=params)
    assert answer.status_code == 403  # unsigned
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"


def test_hsts_only_in_production(app: Flask) -> None:
    production = create_app(
        {
            **{key: app.config[key] for key in ("DATABASE_URL", "REDIS_URL")},
            "HOTLINE_ENV": "production",
            "SECRET_KEY": "a-production-secret-for-this-test-only",
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,  # production refuses the public dev values
            "TWILIO_AUTH_TOKEN": "a-production-token-for-this-test-only",
            "PUBLIC_BASE_URL": "https://hotline.test",
            "VERIFY_SIGNATURES": True,
        }
    )
    response = production.test_client().get("/login", base_url="https://hotline.test")
    assert_hardened(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
