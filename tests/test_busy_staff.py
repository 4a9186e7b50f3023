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

    from sqlalchemy import select

    from hotline import calls, clock
    from hotline.calls import driver
    from hotline.models import Call, Callback, CallbackAttempt, Staff

    with app.test_request_context():
        now = clock.now()
        structure = app.extensions["hotline.directory"].by_number(session, DEMO_NUMBER)
        staff = {s.key: s for s in session.scalars(select(Staff))}

        def call(sid: str, **columns: Any) -> Call:
            row = Call(
                call_sid=sid,
                structure_id=structure.id,
                direction="inbound",
                to_e164=DEMO_NUMBER,
                status="in-progress",
                last_sequence=0,
                language="fr",
                started_at=now,
                **columns,
            )
            session.add(row)
            return row

        call(
            "CA-bridged",
            from_e164=CALLER,
            staff_id=staff["amina"].id,
            staff_connected=True,
            answered_at=now - timedelta(minutes=5),
        )
        call(
            "CA-stale",
            from_e164=CALLER,
            staff_id=staff["sophie"].id,
            staff_connected=True,
            answered_at=now - timedelta(hours=5),
        )
        call("CA-staff-menu", from_e164=staff["camille"].phone_e164)
        waiting = Callback(
            structure_id=structure.id,
            source="manual",
            status="claimed",
            phone_e164=CALLER,
            created_at=now,
            attempts=1,
            version=0,
        )
        session.add(waiting)
        session.flush()
        for number, who, ended in ((1, "karim", None), (2, "sophie", now)):
            session.add(
                CallbackAttempt(
                    callback_id=waiting.id,
                    number=number,
                    staff_id=staff[who].id,
                    started_at=now,
                    ended_at=ended,
                )
            )
        session.commit()

        expected = {staff[key].id for key in ("amina", "karim", "camille")}
        # Sophie given Camille's phone: a phone two staff share makes both busy.
        shared = {**structure.staff_phones, staff["sophie"].id: staff["camille"].phone_e164}
        cases = [
            (structure, expected),
            (replace(structure, staff_phones=shared), expected | {staff["sophie"].id}),
            (replace(structure, staff_phones={}), set()),  # nobody to ring, nobody to ask about
        ]
        postgresql = session.get_bind().dialect.name == "postgresql"
        for asked, busy_now in cases:
            assert calls.busy_staff_ids(session, asked, now) == busy_now
            _, busy = driver.find_call(session, "CA-staff-menu", (asked, now))
            # SQLite: None, asked apart by `busy_staff_ids`; PostgreSQL: in the same read
            assert busy == (busy_now if postgresql else None)
