"""A call's first webhook writes its row; later hops load it and keep its structure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.emulator import parse_twiml
from hotline.models import Call, Structure, Voicemail
from tests.inbound_helpers import CALLER, DEMO_NUMBER, FRENCH, fr

pytestmark = pytest.mark.usefixtures("demo")
CALL_SID = "CA" + "f" * 32
FORM = {
    "CallSid": CALL_SID,
    "AccountSid": "AC" + "0" * 32,
    "From": CALLER,
    "To": DEMO_NUMBER,
    "CallStatus": "in-progress",
    "Direction": "inbound",
}
NOBODYS_NUMBER = "+33184889999"


def calls(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(Call))


def test_later_hops_keep_the_structure_fixed_by_the_first_webhook(
    emulator: Any, session: Any
) -> None:
    emulator.post("/voice/incoming", FORM)
    # The number no longer leads to the structure (moved, or the network sends another To):
    # the call goes on where it started instead of apologising halfway.
    hop = {**FORM, "To": NOBODYS_NUMBER, "Digits": FRENCH}
    response = emulator.post("/voice/menu?node=choose_language&attempt=1", hop)

    said = [v.text for v in parse_twiml(response.body) if v.name == "Say"]
    assert fr("technical_error") not in said
    assert "Gather" in [v.name for v in parse_twiml(response.body)]
    assert calls(session) == 1
    call = session.scalar(select(Call))
    assert call.to_e164 == DEMO_NUMBER
    assert call.structure_id == session.scalar(select(Structure.id))


def test_a_message_whose_first_webhook_was_never_recorded_is_still_kept(
    emulator: Any, session: Any
) -> None:
    recorded = {
        **FORM,
        "RecordingSid": "RE" + "f" * 32,
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE",
        "RecordingDuration": "7",
    }
    response = emulator.post("/voice/recorded?lang=fr", recorded)

    assert "Gather" in [v.name for v in parse_twiml(response.body)]  # consent is asked
    call = session.scalar(select(Call))
    assert (call.call_sid, call.from_e164, call.to_e164) == (CALL_SID, CALLER, DEMO_NUMBER)
    assert session.scalar(select(Voicemail)).call_id == call.id


def test_a_hop_for_an_unknown_call_to_nobodys_number_apologises(
    emulator: Any, session: Any
) -> None:
    response = emulator.post("/voice/consent?attempt=1&lang=fr", {**FORM, "To": NOBODYS_NUMBER})

    verbs = parse_twiml(response.body)
    assert [v.text for v in verbs if v.name == "Say"] == [fr("technical_error_end")]
    assert verbs[-1].name == "Hangup"
    assert calls(session) == 0
