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


def test_the_call_path_and_the_session_agree_on_who_is_busy(app: Any, session: Any) -> None:
    """One of each: bridged to a caller, calling someone back, calling in from their phone;
    plus a stale leg and an ended try that no longer count. The call path's one-statement
    read (PostgreSQL) names the same staff as `busy_staff_ids`."""
    from dataclasses import replace
    from datetime import timedelta

    from hotline import calls, clock
    from hotline.calls import driver
    from hotline.directory import directory
    from tests.factories import make_call, staff

    with app.test_request_context():
        now = clock.now()
        structure = directory().by_number(session, DEMO_NUMBER)
        assert structure is not None
        ids = {key: staff(session, key).id for key in ("amina", "karim", "sophie", "camille")}
        for sid, who, answered in (
            ("b", "amina", timedelta(minutes=5)),  # bridged to a caller
            ("s", "sophie", timedelta(hours=5)),  # stale: that leg's end was lost
        ):
            make_call(
                session,
                structure.id,
                now,
                sid=sid,
                status="in-progress",
                staff_id=ids[who],
                staff_connected=True,
                answered_at=now - answered,
            )
        in_menu = make_call(
            session,
            structure.id,
            now,
            sid="m",
            status="in-progress",
            from_=staff(session, "camille").phone_e164,
        )
        started_attempt(session, now, key="karim")  # calling someone back now
        ended = started_attempt(session, now, key="sophie", person=None)
        ended.ended_at = now  # a try over: Sophie is free again
        session.commit()

        expected = {ids["amina"], ids["karim"], ids["camille"]}
        # Sophie given Camille's phone: a phone two staff share makes both busy.
        shared = {**structure.staff_phones, ids["sophie"]: in_menu.from_e164}
        cases = [
            (structure, expected),
            (replace(structure, staff_phones=shared), expected | {ids["sophie"]}),
            (replace(structure, staff_phones={}), set()),  # nobody to ring, nobody to ask about
        ]
        postgresql = session.get_bind().dialect.name == "postgresql"
        for asked, busy_now in cases:
            assert calls.busy_staff_ids(session, asked, now) == busy_now
            _, busy = driver.find_call(session, in_menu.call_sid, (asked, now))
            # SQLite: None, asked apart by `busy_staff_ids`; PostgreSQL: in the same read
            assert busy == (busy_now if postgresql else None)
