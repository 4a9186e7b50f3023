"""Issue 12, items 4 to 6: the app on an emulator that holds it to Twilio's documented limits.

Each test makes the emulator do what Twilio does (ring 5 s longer than asked, give up on a
webhook after 15 s, retry a status callback only when its URL asks, refuse a voice that does not
speak its language, fetch every <Play>) and shows what the app does about it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from hotline import calls
from hotline.cli.main import main
from hotline.emulator import (
    Answers,
    EmulatorError,
    FakeTwilio,
    PersonalVoicemail,
    PhoneBook,
    ScriptedCaller,
)
from hotline.emulator.delivery import WebhookTimeout
from hotline.emulator.media import silent_wav
from hotline.models import Call
from hotline.voice.render import CALLBACK_RETRIES
from hotline.voice.script import scripts_root
from hotline.voice.scripts_cache import all_scripts
from tests.callback_helpers import JEAN, install_fake, reload_attempt, started_attempt
from tests.inbound_helpers import AMINA, CALLER, DEMO_NUMBER, FRENCH, fr, staff_legs
from workers import jobs

pytestmark = pytest.mark.usefixtures("demo")

BINS = scripts_root() / "twilio_bins"
FALLBACK_BIN = "https://handler.twilio.com/twiml/EH" + "1" * 32
SAVED_BIN = "https://handler.twilio.com/twiml/EH" + "2" * 32
SLOW = 16.0  # seconds: past Twilio's 15 s deadline


def test_a_voicemail_answering_after_thirty_seconds_never_takes_the_staff_ring(
    emulator: Any, phones: PhoneBook
) -> None:
    """The script rings staff "25 s"; Twilio adds 5 s, so the job asks for a Timeout of 20."""
    phones[AMINA] = PersonalVoicemail(rings=5)  # picks up after 30 s
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 1 wait:600 hangup"))

    (leg,) = staff_legs(emulator, log)
    assert leg.log.ended_by == "no-answer"
    assert not any("/voice/ring/staff" in r.url for r in leg.log.requests)  # never picked up
    assert log.heard_contains(fr("nobody_available", theme="les démarches administratives"))


def test_a_callback_rings_the_staff_phone_25_seconds_not_30(
    session: Any, clock: Any, app: Flask, emulator: Any, phones: PhoneBook
) -> None:
    fake: FakeTwilio = install_fake(app, emulator)
    phones[AMINA] = PersonalVoicemail(rings=5)  # would answer a 25 s Timeout (30 s of ringing)
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())

    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()

    assert call.timeout == 20
    assert call.status == "no-answer"
    assert reload_attempt(session, attempt.id).staff_status == "no-answer"


def test_a_webhook_slower_than_15_seconds_is_abandoned_without_a_fallback(emulator: Any) -> None:
    emulator.latency = lambda method, url: SLOW if url.endswith("/voice/incoming") else 0.0
    with pytest.raises(WebhookTimeout, match="11205"):
        emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("hangup"))


def _bins() -> dict[str, str]:
    first = (BINS / "fallback.xml").read_text(encoding="utf-8")
    return {
        FALLBACK_BIN: first.replace("SECOND_BIN_URL", SAVED_BIN),
        SAVED_BIN: (BINS / "fallback_saved.xml").read_text(encoding="utf-8"),
    }


def test_the_shipped_fallback_bins_take_a_message_when_the_app_is_too_slow(
    emulator: Any,
) -> None:
    emulator.latency = lambda method, url: SLOW if url.endswith("/voice/incoming") else 0.0
    emulator.bins = _bins()
    emulator.fallback_url = FALLBACK_BIN

    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("rec:20"))

    fallback = next(r for r in log.requests if r.url == FALLBACK_BIN)
    assert fallback.params["ErrorCode"] == "11205"
    assert fallback.params["ErrorUrl"] == "https://hotline.test/voice/incoming"
    assert log.heard_contains("un problème technique est survenu")
    assert log.heard_contains("votre message est enregistré")
    assert not log.heard_contains(fr("welcome", structure="Atelier Demo Insertion"))


def test_a_status_callback_that_fails_once_is_retried_because_its_url_asks(
    emulator: Any, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The number's status callback carries the app's overrides; the app validates them."""
    real = calls.apply_status
    failures = iter([RuntimeError("database hiccup")])

    def flaky(*args: Any, **kwargs: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(calls, "apply_status", flaky)
    emulator.status_path = f"/voice/status#{CALLBACK_RETRIES}"

    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("hangup"))

    (retry,) = log.events_of("retry")
    assert "after 5xx" in retry.text
    assert [r.status for r in log.requests if "/voice/status" in r.url] == [204]
    assert session.scalar(select(Call.status).where(Call.call_sid == log.call_sid)) == "completed"


def test_without_overrides_a_failed_status_callback_is_never_retried(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database down")

    monkeypatch.setattr(calls, "apply_status", broken)
    emulator.strict = False
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("hangup"))

    assert [r.status for r in log.requests if "/voice/status" in r.url] == [500]


def test_status_callbacks_the_app_hands_out_ask_for_retries_and_still_validate(
    emulator: Any,
) -> None:
    assert emulator.post(f"/voice/status#{CALLBACK_RETRIES}", {"CallSid": "CA1"}).status == 204
    assert emulator.post("/voice/status#rc=1&rp=all", {"CallSid": "CA1"}).status == 403


def test_scripts_check_refuses_a_voice_that_does_not_speak_its_language(tmp_path: Path) -> None:
    shutil.copytree(scripts_root(), tmp_path / "scripts")
    script = tmp_path / "scripts" / "default" / "script.yaml"
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("voice: Polly.Amy", "voice: Polly.Lea"), encoding="utf-8")

    result = CliRunner().invoke(main, ["scripts", "check", str(tmp_path / "scripts")])

    assert result.exit_code != 0
    assert "languages.en.voice" in result.output
    assert "'Polly.Lea' does not speak 'en-GB'" in result.output


@pytest.fixture(autouse=True)
def _scripts_restored(app: Flask) -> Iterator[None]:
    """Some tests point the shared app at a copy of the scripts: give the next test the real
    ones (test_staff_menu heard "Bienvenue à …" from a recorded welcome left behind)."""
    configured = app.config.get("VOICE_SCRIPTS")
    cached = app.extensions.get("hotline.scripts")
    yield
    app.config["VOICE_SCRIPTS"] = configured
    app.extensions["hotline.scripts"] = cached
    if cached is None:
        app.extensions.pop("hotline.scripts", None)


def _script_with_a_recorded_welcome(app: Flask, tmp_path: Path) -> Path:
    root = tmp_path / "scripts"
    shutil.copytree(scripts_root(), root)
    folder = root / "default"
    (folder / "bienvenue.wav").write_bytes(silent_wav())
    french = folder / "fr.yaml"
    lines = french.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("welcome:"))
    lines[at] = '  welcome: {audio: bienvenue.wav, text: "Bienvenue à {structure}."}'
    french.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app.config["VOICE_SCRIPTS"] = str(root)
    app.extensions.pop("hotline.scripts", None)
    return folder


def test_a_recorded_prompt_is_fetched_by_play_and_served_by_the_app(
    app: Flask, emulator: Any, tmp_path: Path
) -> None:
    _script_with_a_recorded_welcome(app, tmp_path)

    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("hangup"))

    assert log.heard[0] == "[audio https://hotline.test/voice/audio/default/bienvenue.wav]"
    response = app.test_client().get("/voice/audio/default/bienvenue.wav")
    assert response.status_code == 200
    assert response.mimetype == "audio/x-wav"
    assert response.data == silent_wav()


def test_a_missing_recording_fails_the_call_loudly(
    app: Flask, emulator: Any, tmp_path: Path
) -> None:
    folder = _script_with_a_recorded_welcome(app, tmp_path)
    all_scripts()  # checked and loaded at start-up: the file goes missing afterwards
    (folder / "bienvenue.wav").unlink()

    with pytest.raises(EmulatorError, match="<Play> media answered HTTP 404"):
        emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("hangup"))


@pytest.mark.parametrize(
    "path",
    [
        "/voice/audio/default/fr.yaml",
        "/voice/audio/default/script.yaml",
        "/voice/audio/default/../default/bienvenue.wav",
        "/voice/audio/default/%2e%2e/default/bienvenue.wav",
        "/voice/audio/nope/bienvenue.wav",
        "/voice/audio/default/other.wav",
    ],
)
def test_the_audio_route_serves_only_the_recordings_a_prompt_names(
    app: Flask, tmp_path: Path, path: str
) -> None:
    folder = _script_with_a_recorded_welcome(app, tmp_path)
    (folder / "other.wav").write_bytes(silent_wav())

    assert app.test_client().get(path).status_code == 404
