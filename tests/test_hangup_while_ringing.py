"""A caller who hangs up while staff phones are ringing for them.

The caller waits in a room while the `ring_staff` job's legs ring; hanging up there completes
the caller's call, whose status callback queues the job that cancels every staff leg still
ringing (each reports `canceled`); the room's `<Dial>` action is not requested: there is
nobody left to continue the call with. The hotline must leave no staff phone ringing, keep
nobody busy, and queue the missed call once, however often its status callback comes.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hotline import calls
from hotline.directory import directory
from hotline.emulator import NoAnswer, PhoneBook, ScriptedCaller
from hotline.models import Call, Callback, CallbackSource, Structure, Voicemail
from tests.inbound_helpers import AMINA, CALLER, DEMO_NUMBER, FRENCH, KARIM, fr, staff_legs

RING_PATIENCE = 10  # seconds: less than the staff ring timeout


@pytest.fixture
def missed_calls_wanted(load_structure: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["callbacks"]["missed_call_callbacks"] = True

    return load_structure(edit)


@pytest.mark.usefixtures("missed_calls_wanted")
def test_hanging_up_while_staff_ring_cancels_their_legs_and_queues_one_callback(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    phones[AMINA] = NoAnswer()
    phones[KARIM] = NoAnswer()
    caller = ScriptedCaller(f"{FRENCH} 0 wait:{RING_PATIENCE} hangup")

    log = emulator.place_call(CALLER, DEMO_NUMBER, caller)
    emulator.sim.run_until_idle()

    connecting = fr("connecting", theme="THEME").split("THEME")[0]
    assert log.heard_contains(connecting)
    legs = staff_legs(emulator, log)
    assert {leg.number for leg in legs} >= {AMINA, KARIM}
    assert {leg.log.ended_by for leg in legs} == {"canceled"}  # no staff phone left ringing
    paths = [request.url.split("?")[0] for request in log.requests]
    assert not any(path.endswith("/voice/ring/done") for path in paths)  # nobody to continue
    assert log.ended_by == "caller-hangup"

    call = session.scalar(select(Call))
    assert (call.status, call.answered_at, call.staff_connected) == ("completed", None, False)
    structure_id = session.scalar(select(Structure.id))
    structure = directory().by_id(session, structure_id)
    assert calls.busy_staff_ids(session, structure, clock()) == set()
    assert session.scalar(select(Voicemail)) is None
    (callback,) = session.scalars(select(Callback)).all()
    assert (callback.source, callback.phone_e164) == (CallbackSource.MISSED_CALL, CALLER)

    final = next(r for r in reversed(log.requests) if r.url.endswith("/voice/status"))
    assert emulator.post("/voice/status", final.params).status == 204  # delivered again
    session.expire_all()
    assert len(session.scalars(select(Callback)).all()) == 1


@pytest.mark.usefixtures("demo")
def test_staff_rung_for_a_caller_who_gave_up_are_rung_for_the_next_one(
    emulator: Any, phones: PhoneBook
) -> None:
    phones[AMINA] = NoAnswer()
    phones[KARIM] = NoAnswer()
    first = ScriptedCaller(f"{FRENCH} 0 wait:{RING_PATIENCE} hangup")
    emulator.place_call(CALLER, DEMO_NUMBER, first)
    emulator.sim.run_until_idle()

    log = emulator.place_call("+33600000998", DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 0 wait:600 #"))
    assert {AMINA, KARIM} <= {leg.number for leg in staff_legs(emulator, log)}
