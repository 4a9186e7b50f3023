"""Fixtures for the emulator tests: tiny Flask apps serving fixed TwiML, checking signatures.

The apps validate `X-Twilio-Signature` with twilio's real `RequestValidator`, so every test
also proves the emulator signs exactly as Twilio does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from hotline.emulator import Emulator, FakeTwilio, PhoneBook, WsgiTransport

AUTH_TOKEN = "emulator-test-token"
BASE_URL = "https://hotline.test"
CALLER = "+33612345678"
HOTLINE = "+33187654321"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2

# A route answers with fixed TwiML, or computes TwiML (or a whole Response) from the form.
Route = str | Callable[[dict[str, str]], "str | Response"]


def twiml(*verbs: str) -> str:
    """A TwiML document around the given verbs, as the app would serve it."""
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


@dataclass
class Received:
    """One request the fake app accepted."""

    method: str
    path: str
    query: str
    form: dict[str, str]


@dataclass
class FakeApp:
    """A Flask app plus the list of requests it received, in order."""

    app: Flask
    received: list[Received] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    def form(self, path: str) -> dict[str, str]:
        """The form of the last request to `path`."""
        return next(r.form for r in reversed(self.received) if r.path == path)

    def forms(self, path: str) -> list[dict[str, str]]:
        return [r.form for r in self.received if r.path == path]


def _signed_url() -> str:
    """The URL Twilio signed: scheme, host, path and the raw (still encoded) query string."""
    query = request.query_string.decode("ascii")
    return f"{request.scheme}://{request.host}{request.path}" + (f"?{query}" if query else "")


def build_app(routes: Mapping[str, Route], *, content_type: str = "text/xml") -> FakeApp:
    flask_app = Flask("fake_hotline")
    fake = FakeApp(flask_app)
    validator = RequestValidator(AUTH_TOKEN)

    @flask_app.route("/<path:path>", methods=["GET", "POST"])
    def webhook(path: str) -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(_signed_url(), request.form, signature):
            return Response("bad signature", status=403)
        form = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
        fake.received.append(
            Received(request.method, "/" + path, request.query_string.decode(), form)
        )
        route = routes.get("/" + path)
        if route is None:
            return Response(status=204)
        body = route(form) if callable(route) else route
        if isinstance(body, Response):
            return body
        return Response(body, status=200, content_type=content_type)

    return fake


@pytest.fixture
def make_app() -> Callable[..., FakeApp]:
    return build_app


@pytest.fixture
def make_emulator() -> Callable[..., Emulator]:
    """Build an Emulator in front of a FakeApp, in-process."""

    def make(fake: FakeApp, phones: Mapping[str, Any] | None = None, **kwargs: Any) -> Emulator:
        return Emulator(
            WsgiTransport(fake.app),
            BASE_URL,
            AUTH_TOKEN,
            phones=PhoneBook(phones or {}),
            **kwargs,
        )

    return make


@pytest.fixture
def make_fake(make_emulator: Callable[..., Emulator]) -> Callable[..., FakeTwilio]:
    """Build the fake REST API over an emulator in front of a FakeApp (see test_rest.py)."""

    def make(fake: FakeApp, phones: Mapping[str, Any] | None = None, **kwargs: Any) -> FakeTwilio:
        return FakeTwilio(make_emulator(fake, phones, account_sid=ACCOUNT_SID, **kwargs))

    return make
