"""Whatever length of address or id the provider sends, the call goes through.

A SIP caller's `From` is a URI, not a 12-character number, and a provider may use longer
SIDs than Twilio's 34 characters. PostgreSQL enforces column lengths; SQLite does not.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import inspect, select

from hotline.emulator import Answers, PhoneBook, ScriptedCaller
from hotline.emulator import call as emulator_call
from hotline.extensions import db
from hotline.models import Call, Callback, Voicemail, VoicemailStatus
from tests.inbound_helpers import (
    ADMINISTRATIF,
    CALLER,
    CAMILLE,
    DEMO_NUMBER,
    FRENCH,
    NUMERIQUE,
    fr,
    staff_legs,
)

pytestmark = pytest.mark.usefixtures("demo")

SIP_CALLER = "sip:" + "prenom.nom.tres.long" * 3 + "@structure-partenaire.sip.twilio.com"


@pytest.fixture(autouse=True)
def long_sids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every id the emulator makes (CallSid, DialCallSid, RecordingSid) is 70 characters."""
    monkeypatch.setattr(
        emulator_call, "new_sid", lambda prefix: prefix + (uuid.uuid4().hex * 3)[:68]
    )


def test_the_values_are_as_long_as_promised() -> None:
    assert len(SIP_CALLER) == 100
    assert len(emulator_call.new_sid("CA")) == 70


def test_a_sip_caller_with_long_ids_leaves_a_message(
    emulator: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, the voicemail answers
    log = emulator.place_call(
        SIP_CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} #")
    )
    assert not log.heard_contains(fr("technical_error"))
    assert log.heard_contains(fr("callback_impossible"))  # a SIP address is not called back
    stored = session.scalar(select(Call))
    assert (stored.call_sid, stored.from_e164) == (log.call_sid, SIP_CALLER)
    assert stored.status == "completed"
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.status == VoicemailStatus.COMPLETED
    assert len(voicemail.recording_sid) == 70


def test_long_ids_still_queue_the_callback_the_caller_asked_for(
    emulator: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} # 1"))
    assert not log.heard_contains(fr("technical_error"))
    assert session.scalar(select(Voicemail.callback_consent)) is True
    assert session.scalar(select(Callback.phone_e164)) == CALLER


def test_a_sip_caller_with_long_ids_reaches_the_staff_on_duty(
    emulator: Any, phones: PhoneBook, session: Any
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = emulator.place_call(SIP_CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {NUMERIQUE}"))
    assert not log.heard_contains(fr("technical_error"))
    (leg,) = staff_legs(emulator, log)
    assert leg.bridged
    assert session.scalar(select(Call.from_e164)) == SIP_CALLER


@pytest.mark.parametrize(
    ("table", "column", "longest"),
    [
        ("call", "from_e164", 255),
        ("call", "call_sid", 128),
        ("callback", "phone_e164", 255),
        ("voicemail", "recording_sid", 128),
        ("callback_attempt", "caller_call_sid", 128),
    ],
)
def test_the_migrated_columns_fit_the_provider_values(
    app: Any, table: str, column: str, longest: int
) -> None:
    """SQLite stores any length, so this is how its run notices a narrow column."""
    (found,) = [c for c in inspect(db.engine).get_columns(table) if c["name"] == column]
    assert found["type"].length >= longest
