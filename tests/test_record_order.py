"""A message gives one result whatever order Twilio's callbacks arrive in.

The emulator draws the order of `<Record>`'s action, its recording status callback and the
call's status callback from a seed (`callback_order="seeded"`), serves the file only once
processing completed, and omits RecordingSid from the action as Twilio documents it. Each
seed is reproducible: a failure names the seed that produced it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.emulator import Emulator, PhoneBook, ScriptedCaller, WsgiTransport
from hotline.models import Callback, CallbackSource, Voicemail, VoicemailStatus
from tests.conftest import BASE_URL
from tests.inbound_helpers import ADMINISTRATIF, CALLER, DEMO_NUMBER, FRENCH, fr

SEEDS = range(12)


@pytest.fixture
def missed_calls_wanted(load_structure: Any) -> Any:
    """The demo, opted in to calling back missed calls: a spurious one would show."""

    def edit(data: dict[str, Any]) -> None:
        data["callbacks"]["missed_call_callbacks"] = True

    return load_structure(edit)


def _emulator(app: Flask, clock: Any, **options: Any) -> Emulator:
    return Emulator(
        WsgiTransport(app),
        BASE_URL,
        app.config["TWILIO_AUTH_TOKEN"],
        account_sid=app.config["TWILIO_ACCOUNT_SID"],
        phones=PhoneBook(),
        clock=clock,
        **options,
    )


def _call(app: Flask, clock: Any, keys: str, **options: Any) -> Any:
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, the voicemail answers
    emulator = _emulator(app, clock, **options)
    # A number calling again is not asked its language: each seed calls from its own.
    caller = CALLER[:-2] + f"{options.get('seed', 99):02d}"
    return emulator.place_call(
        caller, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} {keys}")
    )


def _paths(log: Any) -> list[str]:
    return [request.url.split("?")[0].removeprefix(BASE_URL) for request in log.requests]


def _reset(session: Any) -> None:
    for model in (Callback, Voicemail):
        for row in session.scalars(select(model)):
            session.delete(row)
    session.commit()


@pytest.mark.usefixtures("missed_calls_wanted")
def test_hanging_up_mid_message_keeps_the_message_and_queues_nothing_in_any_order(
    app: Flask, session: Any, clock: Any
) -> None:
    status_came_first = 0
    for seed in SEEDS:
        log = _call(app, clock, "hangup", callback_order="seeded", seed=seed)
        paths = _paths(log)
        status_came_first += paths.index("/voice/status") < paths.index("/voice/recorded")

        session.expire_all()
        (voicemail,) = session.scalars(select(Voicemail)).all()
        assert voicemail.status == VoicemailStatus.COMPLETED, f"seed {seed}: {paths}"
        assert voicemail.recording_sid == log.recordings[0].sid, f"seed {seed}"
        assert session.scalars(select(Callback)).all() == [], f"seed {seed}: {paths}"
        _reset(session)
    assert status_came_first  # the order that used to queue a spurious missed call


@pytest.mark.usefixtures("missed_calls_wanted")
def test_a_message_with_consent_gives_one_callback_in_any_order(
    app: Flask, session: Any, clock: Any
) -> None:
    for seed in SEEDS:
        log = _call(app, clock, "# 1", callback_order="seeded", seed=seed)
        assert log.heard_contains(fr("callback_confirmed")), f"seed {seed}"

        session.expire_all()
        (voicemail,) = session.scalars(select(Voicemail)).all()
        assert voicemail.status == VoicemailStatus.COMPLETED, f"seed {seed}"
        assert voicemail.recording_sid == log.recordings[0].sid
        (callback,) = session.scalars(select(Callback)).all()
        assert (callback.source, callback.voicemail_id) == (CallbackSource.VOICEMAIL, voicemail.id)
        _reset(session)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("empty_recording", ["skip", "action"])
def test_an_empty_message_is_said_and_still_offers_a_callback_both_ways(
    app: Flask, session: Any, clock: Any, empty_recording: str
) -> None:
    log = _call(app, clock, "silent 1", empty_recording=empty_recording)

    assert log.heard_contains(fr("voicemail_empty"))
    assert not log.heard_contains(fr("voicemail_saved"))
    assert log.heard_contains(fr("callback_confirmed"))
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.status in (VoicemailStatus.EMPTY, VoicemailStatus.ABSENT)
    assert session.scalar(select(Callback)).voicemail_id == voicemail.id
