"""<Record>: the action request, recording status callbacks, empty recordings, hang-ups."""

from __future__ import annotations

import pytest

from hotline.emulator import ScriptedCaller

from .conftest import CALLER, HOTLINE, twiml

VOICEMAIL = twiml(
    "<Say>Laissez un message après le bip.</Say>",
    '<Record action="/voice/recorded" maxLength="120" finishOnKey="#"'
    ' recordingStatusCallback="/voice/recording-status"'
    ' recordingStatusCallbackEvent="completed absent"/>',
    "<Say>Nous n'avons rien entendu.</Say>",
    "<Hangup/>",
)


@pytest.fixture
def voicemail_app(make_app):
    return make_app(
        {
            "/voice/incoming": VOICEMAIL,
            "/voice/recorded": twiml("<Say>Message reçu, merci.</Say><Hangup/>"),
        }
    )


@pytest.mark.parametrize(
    ("token", "digits", "duration"),
    [("#", "#", "8"), ("-", None, "8"), ("rec:30", None, "30"), ("1", None, "8")],
)
def test_completed_recording_posts_action_then_status_callback(
    voicemail_app, make_emulator, token, digits, duration
):
    emulator = make_emulator(voicemail_app)
    log = emulator.place_call(CALLER, HOTLINE, ScriptedCaller(token))

    assert voicemail_app.paths() == [
        "/voice/incoming",
        "/voice/recorded",
        "/voice/recording-status",
        "/voice/status",
    ]
    action = voicemail_app.form("/voice/recorded")
    (recording,) = log.recordings
    assert "RecordingSid" not in action  # not a documented parameter of the action
    assert recording.sid.startswith("RE")
    assert action["RecordingUrl"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{emulator.account_sid}"
        f"/Recordings/{recording.sid}"
    )
    assert action["RecordingDuration"] == duration
    assert action.get("Digits") == digits
    status = voicemail_app.form("/voice/recording-status")
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingSid"] == recording.sid
    assert status["RecordingDuration"] == duration
    assert (status["RecordingChannels"], status["RecordingSource"]) == ("1", "RecordVerb")
    assert status["CallSid"] == log.call_sid
    assert log.heard == ["Laissez un message après le bip.", "[beep]", "Message reçu, merci."]


def test_empty_recording_may_request_the_action_with_a_silent_recording(
    voicemail_app, make_emulator
):
    emulator = make_emulator(voicemail_app, empty_recording="action")
    log = emulator.place_call(CALLER, HOTLINE, ScriptedCaller("silent"))

    assert voicemail_app.form("/voice/recorded")["RecordingDuration"] == "0"
    assert voicemail_app.form("/voice/recording-status")["RecordingStatus"] == "absent"
    assert log.heard[-1] == "Message reçu, merci."


def test_empty_recording_skips_the_action_and_reports_absent(voicemail_app, make_emulator):
    log = make_emulator(voicemail_app).place_call(CALLER, HOTLINE, ScriptedCaller("silent"))

    assert "/voice/recorded" not in voicemail_app.paths()
    status = voicemail_app.form("/voice/recording-status")
    assert (status["RecordingStatus"], status["ErrorCode"]) == ("absent", "16102")
    assert log.heard[-1] == "Nous n'avons rien entendu."
    assert log.recordings[0].status == "absent"


def test_caller_hanging_up_still_requests_the_action_but_ignores_its_twiml(
    voicemail_app, make_emulator
):
    log = make_emulator(voicemail_app).place_call(CALLER, HOTLINE, ScriptedCaller("hangup"))

    action = voicemail_app.form("/voice/recorded")
    assert action["Digits"] == "hangup"
    assert action["CallStatus"] == "completed"
    assert "Message reçu, merci." not in log.heard
    assert log.ended_by == "caller-hangup"
    assert voicemail_app.form("/voice/recording-status")["RecordingStatus"] == "completed"


def test_record_without_action_reposts_the_current_document(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": lambda form: (
                twiml("<Hangup/>")
                if "RecordingUrl" in form
                else twiml('<Record playBeep="false" maxLength="5"/>')
            )
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("-"))

    assert fake.paths() == ["/voice/incoming", "/voice/incoming", "/voice/status"]
    assert fake.form("/voice/incoming")["RecordingDuration"] == "5"
    assert log.heard == []


def test_transcription_callback(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml(
                '<Record action="/voice/recorded" transcribe="true"'
                ' transcribeCallback="/voice/transcribed"/>'
            ),
            "/voice/recorded": twiml("<Hangup/>"),
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("#"))

    transcription = fake.form("/voice/transcribed")
    assert transcription["TranscriptionStatus"] == "completed"
    assert transcription["RecordingSid"] == log.recordings[0].sid


def _order(voicemail_app, make_emulator, token: str, seed: int) -> list[str]:
    voicemail_app.received.clear()
    emulator = make_emulator(voicemail_app, callback_order="seeded", seed=seed)
    emulator.place_call(CALLER, HOTLINE, ScriptedCaller(token))
    return [path for path in voicemail_app.paths() if path != "/voice/incoming"]


@pytest.mark.parametrize("token", ["hangup", "#"])
def test_seeded_order_varies_the_callbacks_and_repeats_with_its_seed(
    voicemail_app, make_emulator, token
):
    orders = {tuple(_order(voicemail_app, make_emulator, token, seed)) for seed in range(24)}

    assert len(orders) >= 3
    assert all(sorted(order) == sorted(next(iter(orders))) for order in orders)
    if token == "hangup":  # the call's status may come before the message is announced
        assert any(
            order.index("/voice/status") < order.index("/voice/recorded") for order in orders
        )
    again = _order(voicemail_app, make_emulator, token, 7)
    assert again == _order(voicemail_app, make_emulator, token, 7)


def test_the_file_is_not_served_before_the_recording_is_completed(make_app, make_emulator):
    from hotline.emulator import FakeTwilio, emulator_client

    seen: dict[str, int] = {}
    fake: dict[str, FakeTwilio] = {}

    def fetch(form, moment):
        sid = form["RecordingUrl"].rsplit("/", 1)[-1]
        try:
            emulator_client(fake["twilio"]).recordings(sid).fetch()
            seen[moment] = 200
        except Exception as error:  # TwilioRestException: the REST API answered an error
            seen[moment] = getattr(error, "status", 0)
        return twiml("<Hangup/>")

    app = make_app(
        {
            "/voice/incoming": VOICEMAIL,
            "/voice/recorded": lambda form: fetch(form, "action"),
            "/voice/recording-status": lambda form: fetch(form, "status") and "",
        }
    )
    emulator = make_emulator(app)
    fake["twilio"] = FakeTwilio(emulator)
    emulator.place_call(CALLER, HOTLINE, ScriptedCaller("#"))

    assert seen == {"action": 404, "status": 200}
