"""Values Twilio refuses, its 15 s deadline, connection overrides and <Play> fetches (issue 12)."""

from __future__ import annotations

import pytest
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from hotline.emulator import Answers, Emulator, EmulatorError, TwimlError, WsgiTransport
from hotline.emulator.delivery import WebhookTimeout, parse_overrides
from hotline.emulator.media import silent_mp3
from hotline.emulator.twiml import parse_twiml
from tests.emulator.conftest import AUTH_TOKEN, BASE_URL, CALLER, HOTLINE, twiml

STAFF = "+33600000001"
BIN = "https://handler.twilio.com/twiml/EH" + "0" * 32


@pytest.mark.parametrize(
    ("say", "problem"),
    [
        ('<Say voice="Polly.Lea" language="en-GB">Hello</Say>', "does not speak 'en-GB'"),
        ('<Say voice="Polly.Amy" language="fr-FR">Bonjour</Say>', "does not speak 'fr-FR'"),
        ('<Say voice="Polly.Nobody">Bonjour</Say>', "unknown voice"),
        ('<Say voice="alice" language="fr-FR">Bonjour</Say>', "unknown voice"),
        (f'<Say voice="Polly.Lea" language="fr-FR">{"a" * 3001}</Say>', "13521"),
        (f'<Say voice="Google.fr-FR-Neural2-A">{"a" * 5001}</Say>', "13521"),
        ('<Dial ringTone="france"><Number>+33600000001</Number></Dial>', "ringTone"),
    ],
)
def test_values_twilio_refuses(say: str, problem: str) -> None:
    with pytest.raises(TwimlError, match=problem):
        parse_twiml(twiml(say))


@pytest.mark.parametrize(
    "say",
    [
        '<Say voice="Polly.Lea" language="fr-FR">Bonjour</Say>',
        '<Say voice="Polly.Amy" language="en-GB">Hello</Say>',
        '<Say voice="Google.en-US-Neural2-J" language="en-US">Hello</Say>',
        "<Say>Hello</Say>",
        f'<Say voice="Polly.Lea" language="fr-FR">{"a" * 3000}</Say>',
        '<Say voice="Polly.Lea"><prosody rate="slow">' + "a" * 2990 + "</prosody></Say>",
        '<Dial ringTone="fr"><Number>+33600000001</Number></Dial>',
    ],
)
def test_values_twilio_accepts(say: str) -> None:
    parse_twiml(twiml(say))


def test_a_document_over_64_kb_is_refused(make_app, make_emulator):
    says = '<Say voice="Polly.Lea" language="fr-FR">' + "a" * 2900 + "</Say>"
    fake = make_app({"/voice/incoming": twiml(says * 23)})
    with pytest.raises(EmulatorError, match="11750") as raised:
        make_emulator(fake).place_call(CALLER, HOTLINE)
    assert raised.value.code == "11750"


def _dial(caller_id: str) -> str:
    return twiml(f'<Dial callerId="{caller_id}" timeout="10"><Number>{STAFF}</Number></Dial>')


def test_dial_caller_id_must_be_one_of_the_accounts_numbers(make_app, make_emulator):
    fake = make_app({"/voice/incoming": _dial(CALLER)})
    with pytest.raises(TwimlError, match="13214"):
        make_emulator(fake, {STAFF: Answers()}).place_call("+33611111111", HOTLINE)


@pytest.mark.parametrize("numbers", [(), ("+33187000000",)])
def test_dial_may_show_the_number_called_or_another_of_the_account(
    make_app, make_emulator, numbers
):
    caller_id = numbers[0] if numbers else HOTLINE
    fake = make_app({"/voice/incoming": _dial(caller_id)})
    emulator = make_emulator(fake, {STAFF: Answers(press=())}, numbers=numbers)
    log = emulator.place_call(CALLER, HOTLINE)
    assert log.dial_outcomes[0].status == "completed"


def test_a_slow_webhook_goes_to_the_fallback_with_the_error(make_app, make_emulator):
    fake = make_app({"/voice/incoming": twiml("<Say>Too late</Say>")})
    emulator = make_emulator(
        fake,
        fallback_url=BIN,
        bins={BIN: twiml("<Say>Fallback</Say>", "<Hangup/>")},
        latency=lambda method, url: 15.5 if url.endswith("/voice/incoming") else 0.0,
    )
    log = emulator.place_call(CALLER, HOTLINE)
    assert log.heard == ["Fallback"]
    assert "/voice/incoming" in fake.paths()  # the app did receive it: Twilio stopped waiting
    fallback = log.requests[-2].params
    assert (fallback["ErrorCode"], fallback["ErrorUrl"]) == ("11205", f"{BASE_URL}/voice/incoming")


def test_an_http_error_goes_to_the_fallback_with_11200(make_app, make_emulator):
    fake = make_app({"/voice/incoming": lambda form: Response("boom", status=500)})
    emulator = make_emulator(fake, fallback_url=BIN, bins={BIN: twiml("<Hangup/>")})
    log = emulator.place_call(CALLER, HOTLINE)
    assert log.requests[1].params["ErrorCode"] == "11200"


def test_without_a_fallback_a_slow_webhook_fails_loudly(make_app, make_emulator):
    fake = make_app({"/voice/incoming": twiml("<Hangup/>")})
    emulator = make_emulator(fake, latency=lambda method, url: 15.5)
    with pytest.raises(WebhookTimeout, match="11205"):
        emulator.place_call(CALLER, HOTLINE)


def _fragment_app(statuses: list[int]) -> tuple[Flask, list[int]]:
    """An app whose /status answers `statuses` in turn, checking signatures fragment included."""
    app = Flask("fragments")
    seen: list[int] = []
    validator = RequestValidator(AUTH_TOKEN)

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return Response(twiml("<Hangup/>"), content_type="text/xml")

    @app.post("/status")
    def status() -> Response:
        url = f"{BASE_URL}/status#rc=2&rp=5xx"
        if not validator.validate(url, request.form, request.headers["X-Twilio-Signature"]):
            return Response(status=403)
        seen.append(statuses[len(seen)])
        return Response(status=seen[-1])

    return app, seen


@pytest.mark.parametrize(
    ("path", "statuses", "answered"),
    [
        ("/status#rc=2&rp=5xx", [503, 500, 204], [503, 500, 204]),
        ("/status#rc=2&rp=5xx", [503, 404, 204], [503, 404]),
    ],
)
def test_connection_overrides_retry_a_status_callback(path, statuses, answered):
    app, seen = _fragment_app(statuses)
    emulator = Emulator(WsgiTransport(app), BASE_URL, AUTH_TOKEN, status_path=path, strict=False)
    emulator.place_call(CALLER, HOTLINE)
    assert seen == answered


def test_overrides_are_checked_as_twilio_does():
    assert parse_overrides("").retries == 0
    assert parse_overrides("rc=3&rp=5xx,rt").policy == {"5xx", "rt"}
    for bad in ("rc=9", "rp=sometimes", "rt=20000", "retry=2"):
        with pytest.raises(EmulatorError):
            parse_overrides(bad)


def _play_app(audio: Response | None) -> Flask:
    """Twilio fetches <Play> media unsigned: the audio route checks no signature."""
    app = Flask("play")

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return Response(twiml("<Play>/audio/hello.mp3</Play>"), content_type="text/xml")

    @app.get("/audio/hello.mp3")
    def hello() -> Response:
        return audio if audio is not None else Response("not found", status=404)

    @app.post("/voice/status")
    def status() -> Response:
        return Response(status=204)

    return app


def test_play_fetches_its_audio():
    app = _play_app(Response(silent_mp3(), content_type="audio/mpeg"))
    log = Emulator(WsgiTransport(app), BASE_URL, AUTH_TOKEN).place_call(CALLER, HOTLINE)
    assert log.heard == [f"[audio {BASE_URL}/audio/hello.mp3]"]


@pytest.mark.parametrize(
    ("audio", "problem"),
    [
        (None, "HTTP 404"),
        (Response("<html/>", content_type="text/html"), "not one Twilio plays"),
    ],
)
def test_play_of_a_missing_or_wrong_file_fails_the_call(audio, problem):
    app = _play_app(audio)
    with pytest.raises(EmulatorError, match=problem):
        Emulator(WsgiTransport(app), BASE_URL, AUTH_TOKEN).place_call(CALLER, HOTLINE)
    lenient = Emulator(WsgiTransport(app), BASE_URL, AUTH_TOKEN, strict=False)
    log = lenient.place_call(CALLER, HOTLINE)
    assert log.heard == []
    assert log.events_of("error")
