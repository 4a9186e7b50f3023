"""A call's structure is fixed by its first webhook: later callbacks naming another number
cannot move it, nor write anything into the structure that number belongs to.

Twilio sends `To` on every callback; a signed callback whose `To` is another structure's
number (a number moved between structures, a misconfigured callback URL, a replay) must
change the call it names by CallSid, in that call's own structure, and nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.models import Call, Callback, CallEvent, Structure, Voicemail
from tests.inbound_helpers import CALLER, DEMO_NUMBER

OTHER_NUMBER = "+33184880099"
CALL_SID = "CA" + "e" * 32
RECORDING_SID = "RE" + "e" * 32


@pytest.fixture
def other(load_structure: Any, demo: Any) -> Any:
    """A second structure answering on OTHER_NUMBER, with the same staff keys."""

    def edit(data: dict[str, Any]) -> None:
        data.update(slug="autre", name="Autre Structure", people=[])
        data.pop("group_calls")  # its group names the people removed above
        data["numbers"] = [{"number": OTHER_NUMBER}]
        for staff in data["staff"]:
            staff.pop("email", None)

    return load_structure(edit)


def _structure_id(session: Any, slug: str) -> int:
    return session.scalar(select(Structure.id).where(Structure.slug == slug))


def _rows_of(session: Any, structure_id: int) -> dict[str, int]:
    counted = {}
    for model in (Call, Voicemail, Callback):
        counted[model.__name__] = session.scalar(
            select(func.count()).select_from(model).where(model.structure_id == structure_id)
        )
    return counted


@pytest.mark.usefixtures("other")
@pytest.mark.parametrize("named", ["the other structure's number", "an unknown number"])
def test_callbacks_naming_another_number_stay_in_the_calls_structure(
    emulator: Any, session: Any, named: str
) -> None:
    wrong_to = OTHER_NUMBER if named.startswith("the other") else "+33184889999"
    first = emulator.call_params(CALL_SID, CALLER, DEMO_NUMBER)
    emulator.post("/voice/incoming", first)
    emulator.post("/voice/menu?node=choose_language&attempt=1", {**first, "Digits": "1"})
    # A message left, then the call ends: each callback now names the wrong number.
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{RECORDING_SID}"
    wrong = {**first, "To": wrong_to, "Called": wrong_to}
    recording = {
        **wrong,
        "RecordingSid": RECORDING_SID,
        "RecordingUrl": url,
        "RecordingStatus": "completed",
        "RecordingDuration": "9",
    }
    assert emulator.post("/voice/recording-status", recording).status == 204
    status = {**wrong, "CallStatus": "completed", "CallDuration": "40", "SequenceNumber": "3"}
    assert emulator.post("/voice/status", status).status == 204

    demo_id, other_id = _structure_id(session, "demo"), _structure_id(session, "autre")
    assert _rows_of(session, other_id) == {"Call": 0, "Voicemail": 0, "Callback": 0}
    call = session.scalar(select(Call).where(Call.call_sid == CALL_SID))
    assert (call.structure_id, call.to_e164, call.status) == (demo_id, DEMO_NUMBER, "completed")
    assert session.scalar(select(Voicemail)).structure_id == demo_id
    assert session.scalar(select(func.count()).select_from(Call)) == 1


@pytest.mark.usefixtures("other")
def test_a_status_for_a_call_never_seen_creates_nothing_for_the_number_it_names(
    emulator: Any, session: Any
) -> None:
    unknown = emulator.call_params(CALL_SID, CALLER, OTHER_NUMBER)
    for path, extra in (
        ("/voice/status", {"CallStatus": "no-answer", "CallDuration": "0"}),
        ("/voice/recording-status", {"RecordingSid": RECORDING_SID, "RecordingStatus": "absent"}),
    ):
        assert emulator.post(path, {**unknown, **extra}).status == 204

    for model in (Call, Voicemail, Callback, CallEvent):
        assert session.scalar(select(func.count()).select_from(model)) == 0
