"""The gateway: the real twilio client against the emulator's REST API, in-process and over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from twilio.http.http_client import TwilioHttpClient

from hotline import gateway
from hotline.emulator import Emulator, EmulatorHttpClient, FakeTwilio, ScriptedCaller, serve
from hotline.emulator.media import silent_media
from hotline.models import Voicemail
from hotline.schedules import WeeklySlot
from hotline.voice import render_callback
from tests.callback_helpers import JEAN, install_fake
from tests.inbound_helpers import AMINA, CALLER, DEMO_NUMBER, default_script

LANDLINE = "+33184880001"
SENDER = "AtelierDemo"  # the demo's registered SMS sender


@pytest.fixture
def fake(app: Flask, emulator: Emulator) -> FakeTwilio:
    return install_fake(app, emulator)


def test_the_client_talks_to_the_fake_in_process_with_the_apps_credentials(
    app: Flask, fake: FakeTwilio
) -> None:
    client = gateway.client()
    assert isinstance(client.http_client, EmulatorHttpClient)
    assert client.username == app.config["TWILIO_ACCOUNT_SID"]


def test_the_real_client_has_a_timeout_and_follows_the_configured_api_base(app: Flask) -> None:
    client = gateway.client()
    assert isinstance(client.http_client, TwilioHttpClient)
    assert client.http_client.timeout == gateway.HTTP_TIMEOUT_SECONDS
    assert client.api.base_url == "https://api.twilio.com"

    app.config["TWILIO_API_BASE"] = "http://127.0.0.1:8790/"
    assert gateway.client().api.base_url == "http://127.0.0.1:8790"


def test_place_call_asks_for_every_progress_event(fake: FakeTwilio) -> None:
    sid = gateway.place_call(
        AMINA, DEMO_NUMBER, "https://hotline.test/voice/x", "https://hotline.test/voice/s", 25
    )
    call = fake.calls[sid]
    assert (call.to, call.from_, call.timeout) == (AMINA, DEMO_NUMBER, 25)
    assert call.events == frozenset(gateway.CALL_EVENTS)
    assert call.status_callback == "https://hotline.test/voice/s"


def test_send_sms_returns_the_message_sid(fake: FakeTwilio) -> None:
    sid = gateway.send_sms(JEAN, SENDER, "Bonjour")
    assert [(m["sid"], m["to"], m["body"]) for m in fake.messages] == [(sid, JEAN, "Bonjour")]


def test_a_refusal_names_no_phone_number(fake: FakeTwilio, caplog: Any) -> None:
    with pytest.raises(gateway.GatewayError) as refused:
        gateway.send_sms(LANDLINE, SENDER, "Bonjour")  # Twilio: not a mobile (21614)
    assert (refused.value.status, refused.value.code, refused.value.answered) == (400, 21614, True)
    assert refused.value.__cause__ is None  # the provider's message (with the number) is dropped
    assert LANDLINE not in str(refused.value)
    assert LANDLINE not in caplog.text
    assert DEMO_NUMBER not in caplog.text


def leave_message(emulator: Any, session: Any, clock: Any) -> Voicemail:
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, straight to the message
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("1 1 # 1"))
    voicemail = session.query(Voicemail).one()
    assert voicemail.recording_sid
    assert voicemail.recording_url
    return voicemail


@pytest.mark.usefixtures("demo")
def test_a_recording_is_fetched_by_url_or_sid_and_deleted_once(
    emulator: Any, fake: FakeTwilio, session: Any, clock: Any
) -> None:
    voicemail = leave_message(emulator, session, clock)
    expected = silent_media("mp3")

    by_url = gateway.fetch_recording(voicemail.recording_url)
    by_sid = gateway.fetch_recording(voicemail.recording_sid)
    audio, content_type = by_url
    assert (audio, content_type) == expected
    assert by_sid == by_url
    assert gateway.delete_recording(voicemail.recording_sid) is True
    assert gateway.delete_recording(voicemail.recording_sid) is False
    with pytest.raises(gateway.GatewayError) as gone:
        gateway.fetch_recording(voicemail.recording_sid)
    assert gone.value.status == 404


def test_our_credentials_never_go_to_another_host(app: Flask) -> None:
    with pytest.raises(ValueError, match="provider API host"):
        gateway.fetch_recording("https://evil.example/2010-04-01/Accounts/AC1/Recordings/RE1")
    assert gateway.media_url("RE1").startswith("https://api.twilio.com/2010-04-01/Accounts/")


@pytest.mark.usefixtures("demo")
def test_over_http_the_stock_client_reaches_the_emulator_server_byte_for_byte(
    app: Flask, emulator: Any, session: Any, clock: Any
) -> None:
    """The `make run` set-up: web and workers share an emulator through TWILIO_API_BASE."""
    twilio = FakeTwilio(emulator)
    url, stop = serve(twilio)
    try:
        gateway.init_app(app)  # twilio's own HTTP client, not the in-process one
        app.config["TWILIO_API_BASE"] = url
        voicemail = leave_message(emulator, session, clock)
        assert voicemail.recording_url.startswith(url)
        assert gateway.fetch_recording(voicemail.recording_url) == silent_media("mp3")
        sms = gateway.send_sms(JEAN, SENDER, "Bonjour")
        assert [m["sid"] for m in twilio.messages] == [sms]
    finally:
        stop()


# --- the SMS text ---------------------------------------------------------------------------


def slots(*rows: tuple[tuple[int, ...], str, str]) -> list[WeeklySlot]:
    from datetime import time

    return [
        WeeklySlot(day, time.fromisoformat(start), time.fromisoformat(end))
        for days, start, end in rows
        for day in days
    ]


WEEKDAYS = (0, 1, 2, 3, 4)


def test_weekly_hours_merge_every_duty_and_group_days() -> None:
    script = default_script()
    week = slots(
        (WEEKDAYS, "09:00", "12:30"), (WEEKDAYS, "14:00", "17:00"), ((1,), "16:00", "18:00")
    )
    week += slots(((5,), "09:00", "12:00"))
    assert render_callback.weekly_hours(script, "fr", week) == (
        "le lundi 9h-12h30, 14h-17h; le mardi 9h-12h30, 14h-18h; "
        "du mercredi au vendredi 9h-12h30, 14h-17h; le samedi 9h-12h"
    )
    assert render_callback.weekly_hours(script, "en", slots(((4,), "20:00", "02:00"))) == (
        "on Friday 20:00-24:00; on Saturday 0:00-2:00"
    )
    assert render_callback.weekly_hours(script, "fr", []) == ""


def test_the_sms_is_gsm7_in_one_segment() -> None:
    script = default_script()
    week = slots((WEEKDAYS, "09:00", "12:30"), (WEEKDAYS, "14:00", "17:00"))
    text = render_callback.sms_text(script, "fr", "Atelier Demo Insertion", "01 84 88 00 00", week)
    assert text == (
        "Atelier Demo Insertion a essayé de vous rappeler, sans succès. Vous pouvez nous appeler"
        " au 01 84 88 00 00, du lundi au vendredi 9h-12h30, 14h-17h."
    )
    assert render_callback.gsm7(text) == text
    assert render_callback.septets(text) <= render_callback.SMS_SEGMENT


def test_a_name_outside_gsm7_is_folded_and_a_long_text_drops_the_hours() -> None:
    script = default_script()
    week = slots(*(((day,), f"0{day + 1}:00", f"1{day}:15") for day in range(7)))
    name = "Fraternité Côte-d’Or & Garçons « Réunis »"
    text = render_callback.sms_text(script, "fr", name, "01 84 88 00 00", week)
    assert text.startswith('Fraternité Cote-d\'Or & Garcons " Réunis " a essayé')
    assert text.endswith("au 01 84 88 00 00.")  # every day's hours would need a second SMS
    assert render_callback.septets(text) <= render_callback.SMS_SEGMENT
    assert render_callback.gsm7("ê ç œ ’ € 中") == "e c oe ' € ?"
    assert render_callback.septets("€[") == 4
