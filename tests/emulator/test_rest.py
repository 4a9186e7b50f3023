"""The fake REST API through the real twilio client: calls, messages, recordings, errors."""

from __future__ import annotations

import io
import json
import wave

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from hotline.emulator import Answers, EmulatorHttpClient, ScriptedCaller, emulator_client

from .conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, CALLER, HOTLINE, twiml

SENDER = "Hotline"  # an alphanumeric sender ID: a French landline cannot send SMS (21606)

STAFF = "+33611111111"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
HELLO = twiml("<Say>Bonjour.</Say>")


@pytest.fixture
def app(make_app):
    return make_app({"/outbound/start": HELLO})


@pytest.fixture
def fake(app, make_fake):
    return make_fake(app, {STAFF: Answers()})


@pytest.fixture
def client(fake):
    return emulator_client(fake)


def create_call(client, **kwargs):
    params = {"to": STAFF, "from_": HOTLINE, "url": f"{BASE_URL}/outbound/start"}
    return client.calls.create(**{**params, **kwargs})


def test_created_call_is_queued_and_does_not_ring_yet(client, fake, app):
    call = create_call(client)

    assert call.sid.startswith("CA")
    assert (call.status, call.to, call._from, call.direction) == (
        "queued",
        STAFF,
        HOTLINE,
        "outbound-api",
    )
    assert call.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.sid}.json"
    assert call.date_created is not None
    assert app.received == []
    assert client.calls(call.sid).fetch().status == "queued"


def test_pending_call_runs_and_fetch_shows_its_end(client, fake):
    call = create_call(client, status_callback=f"{BASE_URL}/outbound/status")
    (placed,) = fake.run_pending()

    fetched = client.calls(call.sid).fetch()
    assert placed.sid == call.sid
    assert (fetched.status, fetched.duration) == ("completed", "1")
    assert fetched.start_time is not None
    assert fetched.end_time is not None
    assert fake.run_pending() == []


def test_canceled_queued_call_never_rings(client, fake, app):
    call = create_call(
        client,
        status_callback=f"{BASE_URL}/outbound/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )

    updated = client.calls(call.sid).update(status="canceled")
    fake.run_pending()

    assert updated.status == "canceled"
    assert app.paths() == ["/outbound/status"]
    assert app.form("/outbound/status")["CallStatus"] == "canceled"
    assert fake.calls[call.sid].log.heard == []
    assert client.calls(call.sid).fetch().status == "canceled"


def test_hanging_up_an_ended_call_changes_nothing(client, fake):
    call = create_call(client)
    fake.run_pending()

    assert client.calls(call.sid).update(status="completed").status == "completed"
    with pytest.raises(TwilioRestException) as err:
        client.calls(call.sid).update(url=f"{BASE_URL}/outbound/start")
    assert err.value.code == 21220


def test_bad_credentials_get_401(fake):
    intruder = Client(ACCOUNT_SID, "wrong-token", http_client=EmulatorHttpClient(fake))

    with pytest.raises(TwilioRestException) as err:
        create_call(intruder)

    assert (err.value.status, err.value.code) == (401, 20003)
    assert fake.calls == {}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": ""}, 21201),
        ({"from_": ""}, 21213),
        ({"to": "0612345678"}, 21211),
        ({"url": None}, 21205),
        ({"url": "/outbound/start"}, 21205),
        ({"twiml": HELLO}, 21200),
        ({"url": None, "twiml": "<Response><Sey/></Response>"}, 12100),
        ({"status_callback_event": "initiated ringing"}, 21626),
        ({"timeout": 0}, 21200),
        ({"machine_detection": "Yes"}, 21200),
        ({"status_callback": "status"}, 21609),
    ],
)
def test_invalid_call_requests_get_400(client, fake, kwargs, code):
    with pytest.raises(TwilioRestException) as err:
        create_call(client, **kwargs)

    assert (err.value.status, err.value.code) == (400, code)
    assert fake.calls == {}


def test_unknown_path_and_sid_get_404_json(client):
    response = client.request("GET", f"{API}/Conferences/CF123/Nope.json")
    body = json.loads(response.text)

    assert response.status_code == 404
    assert (body["code"], body["status"]) == (20404, 404)
    with pytest.raises(TwilioRestException) as err:
        client.calls("CA" + "0" * 32).fetch()
    assert err.value.status == 404


def test_any_api_base_is_routed_by_path(client):
    client.api.base_url = "http://127.0.0.1:9"  # in-process: nothing listens there

    assert create_call(client).status == "queued"


def test_sms_is_queued_then_delivered_with_status_callbacks(client, fake, app):
    message = client.messages.create(
        to=CALLER,
        from_=SENDER,
        body="Votre rappel est prévu demain.",
        status_callback=f"{BASE_URL}/sms/status",
    )
    assert (message.status, message.sid[:2], message.num_segments) == ("queued", "SM", "1")
    assert [m["body"] for m in fake.messages] == ["Votre rappel est prévu demain."]
    assert app.received == []

    fake.run_pending()

    assert [f["MessageStatus"] for f in app.forms("/sms/status")] == ["sent", "delivered"]
    assert app.form("/sms/status")["MessageSid"] == message.sid
    assert client.messages(message.sid).fetch().status == "delivered"


@pytest.mark.parametrize("landline", ["+33142000000", "+33512345678", "+33987654321"])
def test_sms_to_a_french_landline_is_refused(client, fake, landline):
    with pytest.raises(TwilioRestException) as err:
        client.messages.create(to=landline, from_=SENDER, body="Bonjour")

    assert (err.value.status, err.value.code) == (400, 21614)
    assert fake.messages == []


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, "1"),
        ("a" * 161, "2"),
        ("a" * 306, "2"),
        ("a" * 307, "3"),
        ("€" * 80, "1"),  # extension characters take two septets
        ("€" * 81, "2"),
        ("é" * 160, "1"),  # é is in the GSM-7 alphabet
        ("ê" * 70, "1"),  # ê is not: UCS-2
        ("ê" * 71, "2"),
        ("a" * 69 + "’", "1"),
        ("a" * 70 + "’", "2"),  # one typographic apostrophe switches to 70 per SMS
    ],
)
def test_sms_segments(client, body, segments):
    message = client.messages.create(to=CALLER, from_="Hotline", body=body)

    assert message.num_segments == segments


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": ""}, 21604),
        ({"from_": None}, 21603),
        ({"to": "0612345678"}, 21211),
        ({"from_": "123456"}, 21212),
        ({"from_": "Une association"}, 21212),
        ({"body": ""}, 21602),
        ({"body": "a" * 1601}, 21617),
    ],
)
def test_invalid_sms_requests_get_400(client, fake, kwargs, code):
    params = {"to": CALLER, "from_": SENDER, "body": "Bonjour", **kwargs}
    with pytest.raises(TwilioRestException) as err:
        client.messages.create(**params)

    assert (err.value.status, err.value.code) == (400, code)
    assert fake.messages == []


def test_sms_through_a_messaging_service_is_accepted(client):
    message = client.messages.create(
        to=CALLER, messaging_service_sid="MG" + "1" * 32, body="Bonjour"
    )

    assert (message.status, message.from_) == ("accepted", None)


@pytest.fixture
def recorded(make_app, make_fake):
    """A fake whose emulator took one voicemail on an inbound call; returns (fake, sid)."""
    app = make_app(
        {
            "/voice/incoming": twiml('<Record action="/voice/recorded" maxLength="60"/>'),
            "/voice/recorded": twiml("<Hangup/>"),
        }
    )
    fake = make_fake(app)
    log = fake.emulator.place_call(CALLER, HOTLINE, ScriptedCaller("rec:12"))
    return fake, log.recordings[0].sid


def test_recording_from_an_inbound_call_can_be_fetched(recorded):
    fake, sid = recorded
    client = emulator_client(fake)

    recording = client.recordings(sid).fetch()

    assert (recording.sid, recording.duration, recording.status) == (sid, "12", "completed")
    assert recording.call_sid == next(iter(fake.recordings.values())).call_sid
    assert recording.media_url == f"{API}/Recordings/{sid}"


def test_recording_media_is_a_real_audio_file(recorded):
    fake, sid = recorded
    client = emulator_client(fake)

    wav = client.request("GET", f"{API}/Recordings/{sid}.wav")
    mp3 = client.request("GET", f"{API}/Recordings/{sid}.mp3")

    assert wav.headers["Content-Type"] == "audio/x-wav"
    with wave.open(io.BytesIO(wav.text.encode("latin-1"))) as audio:
        assert (audio.getnchannels(), audio.getframerate()) == (1, 8000)
        assert audio.getnframes() == 8000
    assert mp3.headers["Content-Type"] == "audio/mpeg"
    assert mp3.text.encode("latin-1")[:3] == b"\xff\xfb\x90"
    unauthenticated = Client(ACCOUNT_SID, "nope", http_client=EmulatorHttpClient(fake))
    assert unauthenticated.request("GET", f"{API}/Recordings/{sid}.mp3").status_code == 401


def test_deleted_recording_is_gone(recorded):
    fake, sid = recorded
    client = emulator_client(fake)

    assert client.recordings(sid).delete() is True

    with pytest.raises(TwilioRestException) as err:
        client.recordings(sid).fetch()
    assert err.value.status == 404
    assert client.request("GET", f"{API}/Recordings/{sid}.mp3").status_code == 404
    assert sid not in fake.recordings


def test_unknown_recording_is_404(client):
    with pytest.raises(TwilioRestException) as err:
        client.recordings("RE" + "0" * 32).fetch()

    assert err.value.status == 404


def test_credentials_are_the_emulators(fake):
    assert (fake.account_sid, fake.emulator.auth_token) == (ACCOUNT_SID, AUTH_TOKEN)
