"""Server mode: the stock twilio client (TwilioHttpClient) against the emulator on 127.0.0.1.

The app is served over HTTP too, so these tests follow what `make run` does: a worker's call
goes to the emulator's server, whose runner thread reaches the web app's webhooks over HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from werkzeug.serving import make_server

from hotline.emulator import (
    Answers,
    Emulator,
    EmulatorError,
    FakeTwilio,
    HttpTransport,
    PhoneBook,
    ScriptedCaller,
    run_emulator_server,
    serve,
)

from .conftest import ACCOUNT_SID, AUTH_TOKEN, CALLER, HOTLINE, FakeApp, twiml

STAFF = "+33611111111"


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the emulator's runner")
        time.sleep(0.01)


@pytest.fixture
def web(make_app) -> Iterator[tuple[FakeApp, str]]:
    """The fake hotline app served on 127.0.0.1, as the web process of `make run`."""
    app = make_app(
        {
            "/outbound/start": twiml("<Say>Bonjour depuis le serveur.</Say>"),
            "/voice/incoming": twiml('<Record action="/voice/recorded"/>'),
            "/voice/recorded": twiml("<Hangup/>"),
        }
    )
    server = make_server("127.0.0.1", 0, app.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def served(web) -> Iterator[tuple[FakeTwilio, str]]:
    _, app_url = web
    phones = PhoneBook({STAFF: Answers()})
    emulator = Emulator(HttpTransport(), app_url, AUTH_TOKEN, ACCOUNT_SID, phones=phones)
    fake = FakeTwilio(emulator)
    url, stop = serve(fake)
    yield fake, url
    stop()


def stock_client(api_base: str, token: str = AUTH_TOKEN) -> Client:
    """What the gateway does with TWILIO_API_BASE: the plain client, its Api domain re-based."""
    client = Client(ACCOUNT_SID, token)
    client.api.base_url = api_base
    return client


@pytest.fixture(autouse=True)
def _local_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_call_placed_over_http_reaches_the_web_app(web, served):
    app, app_url = web
    fake, url = served
    client = stock_client(url)

    call = client.calls.create(
        to=STAFF,
        from_=HOTLINE,
        url=f"{app_url}/outbound/start",
        status_callback=f"{app_url}/outbound/status",
    )
    assert call.status == "queued"
    wait_until(lambda: fake.calls[call.sid].done)

    assert fake.calls[call.sid].log.heard == ["Bonjour depuis le serveur."]
    assert app.paths() == ["/outbound/start", "/outbound/status"]
    assert client.calls(call.sid).fetch().status == "completed"


def test_errors_travel_over_http(served):
    fake, url = served

    with pytest.raises(TwilioRestException) as landline:
        stock_client(url).messages.create(to="+33142000000", from_="Hotline", body="Bonjour")
    with pytest.raises(TwilioRestException) as bad_token:
        stock_client(url, "wrong").messages.create(to=CALLER, from_="Hotline", body="Bonjour")

    assert (landline.value.status, landline.value.code) == (400, 21614)
    assert (bad_token.value.status, bad_token.value.code) == (401, 20003)
    assert fake.messages == []


def test_sms_over_http_is_delivered_by_the_runner(served):
    fake, url = served

    message = stock_client(url).messages.create(to=CALLER, from_="Hotline", body="Rappel demain")

    assert message.status == "queued"
    wait_until(lambda: fake.messages[0]["status"] == "delivered")


def test_recording_url_given_to_the_app_can_be_downloaded(web, served):
    app, _ = web
    fake, url = served

    fake.emulator.place_call(CALLER, HOTLINE, ScriptedCaller("rec:5"))
    recording_url = app.form("/voice/recorded")["RecordingUrl"]

    assert recording_url.startswith(f"{url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE")
    media = requests.get(f"{recording_url}.wav", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert (media.status_code, media.headers["Content-Type"]) == (200, "audio/x-wav")
    assert media.content[:4] == b"RIFF"
    sid = recording_url.rsplit("/", 1)[1]
    assert stock_client(url).recordings(sid).delete() is True
    assert (
        requests.get(f"{recording_url}.wav", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5).ok is False
    )


def test_server_only_listens_on_loopback(served):
    fake, _ = served

    with pytest.raises(EmulatorError, match="only listens on 127.0.0.1"):
        serve(fake, host="0.0.0.0")


def test_run_emulator_server_blocks_until_stopped(web):
    app, app_url = web
    announced: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=run_emulator_server,
        args=(app_url, AUTH_TOKEN, ACCOUNT_SID, 0, {STAFF: Answers()}),
        kwargs={"announce": announced.append, "stop": stop},
        daemon=True,
    )
    thread.start()
    wait_until(lambda: bool(announced))
    url = announced[0].split()[4]

    stock_client(url).calls.create(to=STAFF, from_=HOTLINE, url=f"{app_url}/outbound/start")
    wait_until(lambda: "/outbound/start" in app.paths())
    stop.set()
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert url.startswith("http://127.0.0.1:")


def test_server_mode_serves_recordings_made_by_another_process() -> None:
    """`hotline call --url` records in its own process; the server still serves the file."""
    from hotline.emulator import Emulator, FakeTwilio, PhoneBook, WsgiTransport
    from hotline.emulator.rest_http import RestRequest

    emulator = Emulator(
        WsgiTransport(object()), "http://127.0.0.1:5000", "t", "AC" + "1" * 32, phones=PhoneBook()
    )
    fake = FakeTwilio(emulator)
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Recordings/RE{'a' * 32}.wav"
    request = RestRequest("GET", path, {}, (emulator.account_sid, "t"))
    assert fake.handle(request).status == 404
    fake.adopt_unknown_recordings = True
    answered = fake.handle(request)
    assert answered.status == 200
    assert answered.content_type.startswith("audio/")
    bad = RestRequest(
        "GET", path.replace("RE" + "a" * 32, "REnotasid"), {}, (emulator.account_sid, "t")
    )
    assert fake.handle(bad).status == 404
