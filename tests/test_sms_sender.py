"""Each structure's SMS sender: validated in its file, used for the SMS, none means no SMS.

Twilio refuses an SMS from a French landline (error 21606), and the demo's number is one: the
last-attempt SMS goes from the sender the structure registered (an alphanumeric sender ID or
a messaging service), and a structure that registered none sends nothing, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline import callbacks
from hotline.callbacks import SettingsError, normalise_callback_settings
from hotline.emulator import FakeTwilio
from hotline.models import Callback
from hotline.structure_file import parse_structure_file
from hotline.yamlfile import FileProblems
from tests.callback_helpers import JEAN
from tests.test_callback_calls import abandon
from workers import jobs

DEMO = Path(__file__).resolve().parents[1] / "structures" / "demo.yaml"
SERVICE = "MG" + "0123456789abcdef" * 2


@pytest.mark.parametrize("sender", ["AtelierDemo", "Ma Struct", "SIAE-13", SERVICE])
def test_a_sender_id_or_a_messaging_service_is_accepted(sender: str) -> None:
    assert normalise_callback_settings({"sms_sender": sender})["sms_sender"] == sender


@pytest.mark.parametrize(
    "sender", ["+33184880000", "0184880000", "AB", "123456", "UnNomBienTropLong", "+33 1 84 88"]
)
def test_a_phone_number_or_a_malformed_sender_is_refused(sender: str) -> None:
    with pytest.raises(SettingsError) as refused:
        normalise_callback_settings({"sms_sender": sender})
    assert refused.value.field == "sms_sender"


def test_the_structure_file_refuses_a_landline_sender_at_its_line(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["callbacks"]["sms_sender"] = "+33184880000"
    path = tmp_path / "structure.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FileProblems) as refused:
        parse_structure_file(path)
    [problem] = refused.value.problems
    assert problem.where.startswith("callbacks.sms_sender")
    assert problem.line is not None


def test_the_demo_registers_a_sender_and_its_sms_goes_from_it(
    session: Any, clock: Any, fake: FakeTwilio, demo: Any
) -> None:
    callback = abandon(session, clock)
    jobs.send_last_attempt_sms(callback.id)
    (message,) = fake.messages
    assert (message["to"], message["from"]) == (JEAN, "AtelierDemo")
    assert "01 84 88 00 00" in message["body"]  # the number to call back stays the hotline's


def test_without_a_sender_no_sms_is_sent_and_the_entry_says_why(
    session: Any, clock: Any, fake: FakeTwilio, load_structure: Callable[..., Any]
) -> None:
    load_structure(lambda data: data["callbacks"].pop("sms_sender"))
    callback, member = _abandoned_without_sms(session, clock)

    assert jobs.send_last_attempt_sms(callback.id) is None
    assert fake.messages == []
    session.expire_all()
    stored = session.get(Callback, callback.id)
    assert stored.sms_failure == callbacks.NO_SMS_SENDER
    assert callbacks.sms_still_due(session, clock.instant.replace(year=2027)) == []


def _abandoned_without_sms(session: Any, clock: Any) -> tuple[Callback, Any]:
    from hotline.models import CallbackOutcome
    from tests.callback_helpers import new_callback, staff

    callback, member = new_callback(session, clock()), staff(session)
    for _ in range(4):
        callbacks.claim_callback(session, callback.id, member, clock())
        callbacks.start_attempt(session, callback.id, member, clock())
        result = callbacks.record_outcome(
            session,
            callback_id=callback.id,
            staff=member,
            outcome=CallbackOutcome.NO_ANSWER,
            now=clock(),
        )
        session.commit()
        if result.callback.status != "abandoned":
            clock.instant = result.callback.due_at
    assert result.callback.status == "abandoned"
    assert result.sms_needed is False  # no sender: no job is even asked for
    return result.callback, member
