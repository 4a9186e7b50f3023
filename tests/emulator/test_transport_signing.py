"""Signatures and transports: the app sees exactly the URL and form the emulator signed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from hotline.emulator import (
    Emulator,
    EmulatorError,
    HttpTransport,
    ScriptedCaller,
    WsgiTransport,
    compute_signature,
)

from .conftest import AUTH_TOKEN, CALLER, HOTLINE, build_app, twiml


def test_signature_covers_a_non_ascii_percent_encoded_query(make_app):
    fake = make_app({"/voice/incoming": twiml("<Say>Bonjour.</Say>")})
    emulator = Emulator(
        WsgiTransport(fake.app),
        "https://hotline.test",
        AUTH_TOKEN,
        voice_path="/voice/incoming?structure=%C3%A9quipe&x=a+b",
    )
    log = emulator.place_call(CALLER, HOTLINE)

    assert fake.received[0].query == "structure=%C3%A9quipe&x=a+b"
    assert log.requests[0].url == "https://hotline.test/voice/incoming?structure=%C3%A9quipe&x=a+b"
    assert log.requests[0].status == 200
    assert log.heard == ["Bonjour."]


def test_a_wrong_token_is_rejected_by_the_app(make_app):
    fake = make_app({"/voice/incoming": twiml("<Hangup/>")})
    emulator = Emulator(WsgiTransport(fake.app), "https://hotline.test", "not-the-token")

    with pytest.raises(EmulatorError, match="HTTP 403"):
        emulator.place_call(CALLER, HOTLINE)


def test_post_sends_a_signed_raw_webhook(make_app, make_emulator):
    fake = make_app({})
    emulator = make_emulator(fake)
    params = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed"}

    first = emulator.post("/voice/status", params)
    duplicate = emulator.post("https://hotline.test/voice/status", params)

    assert (first.status, duplicate.status) == (204, 204)
    assert fake.forms("/voice/status") == [params, params]


def test_get_webhooks_are_signed_over_the_url_alone():
    fake = build_app({})
    emulator = Emulator(WsgiTransport(fake.app), "https://hotline.test", AUTH_TOKEN)

    response = emulator.post("/voice/next?step=2", {"Digits": "1"}, method="GET")

    assert response.status == 204  # the app's RequestValidator accepted URL-only signing
    (received,) = fake.received
    assert (received.method, received.query) == ("GET", "step=2&Digits=1")
    expected = compute_signature(AUTH_TOKEN, "https://hotline.test/voice/next?step=2&Digits=1", {})
    assert expected  # same helper the emulator uses; the app validated it above


@pytest.mark.parametrize(
    "url",
    [
        "https://hotline.example.org/voice/incoming",
        "http://10.0.0.1:8000/voice/incoming",
        "https://127.0.0.1:8000/voice/incoming",
    ],
)
def test_http_transport_refuses_anything_but_localhost(url):
    with pytest.raises(EmulatorError, match="only talks to"):
        HttpTransport().post(url, {}, {})


@pytest.fixture
def local_server() -> Iterator[tuple[str, object]]:
    fake = build_app(
        {
            "/voice/incoming": twiml(
                '<Gather numDigits="1" action="/voice/menu"><Say>Tapez 1.</Say></Gather>'
            ),
            "/voice/menu": twiml("<Say>Merci.</Say><Hangup/>"),
        }
    )
    server = make_server("127.0.0.1", 0, fake.app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", fake
    server.shutdown()
    thread.join()
    server.server_close()


def test_http_transport_places_a_call_on_a_local_server(local_server):
    base_url, fake = local_server
    emulator = Emulator(HttpTransport(), base_url, AUTH_TOKEN)
    log = emulator.place_call(CALLER, HOTLINE, ScriptedCaller("1"))

    assert log.heard == ["Tapez 1.", "Merci."]
    assert fake.form("/voice/menu")["Digits"] == "1"
