"""Staff already on the phone for the hotline are not rung for an inbound call.

Camille is the only one on duty for "numérique" (around the clock): while she is on a
callback bridge, or in the staff phone menu, a caller choosing that theme hears that nobody
is available and is offered the voicemail, and her phone does not ring.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline.emulator import Answers, PhoneBook, ScriptedCaller
from tests.callback_helpers import started_attempt
from tests.inbound_helpers import (
    CALLER,
    CAMILLE,
    DEMO_NUMBER,
    FRENCH,
    NUMERIQUE,
    fr,
    staff_legs,
)

pytestmark = pytest.mark.usefixtures("demo")
NUMERIQUE_LABEL = "le numérique"


def _caller_for_numerique(emulator: Any) -> Any:
    return emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {NUMERIQUE} # 2"))


def _nobody_rung(emulator: Any, log: Any) -> None:
    assert not staff_legs(emulator, log)
    assert not emulator.conferences.by_sid  # the caller never waited in a room
    assert log.heard_contains(fr("voicemail_instructions", finish_key_name="dièse"))


def test_staff_on_a_callback_bridge_are_not_rung(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    phones[CAMILLE] = Answers(press="1")
    started_attempt(session, clock(), key="camille", theme_key="numerique")

    _nobody_rung(emulator, _caller_for_numerique(emulator))


def test_staff_in_the_phone_menu_are_not_rung(emulator: Any, phones: PhoneBook) -> None:
    phones[CAMILLE] = Answers(press="1")
    emulator.post("/voice/incoming", emulator.call_params("CA" + "c" * 32, CAMILLE, DEMO_NUMBER))

    _nobody_rung(emulator, _caller_for_numerique(emulator))


def test_staff_whose_phone_call_ended_are_rung_again(emulator: Any, phones: PhoneBook) -> None:
    phones[CAMILLE] = Answers(press="1")
    menu = emulator.call_params("CA" + "c" * 32, CAMILLE, DEMO_NUMBER)
    emulator.post("/voice/incoming", menu)
    emulator.post("/voice/status", {**menu, "CallStatus": "completed", "CallDuration": "30"})

    log = _caller_for_numerique(emulator)
    assert [leg.number for leg in staff_legs(emulator, log)] == [CAMILLE]
