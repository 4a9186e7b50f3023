"""Forged requests, retried webhooks, out-of-order callbacks and failures inside a webhook."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from hotline import calls
from hotline.emulator import ScriptedCaller, parse_twiml
from hotline.models import Call, Callback, CallEvent, Voicemail, VoicemailStatus
from tests.inbound_helpers import ADMINISTRATIF, CALLER, DEMO_NUMBER, FRENCH, fr

pytestmark = pytest.mark.usefixtures("demo")

CALL_SID = "CA" + "a" * 32
BASE_PARAMS = {
    "CallSid": CALL_SID,
    "AccountSid": "AC" + "0" * 32,
    "From": CALLER,
    "To": DEMO_NUMBER,
    "CallStatus": "in-progress",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}


def count(session: Any, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "path",
    [
        "/voice/incoming",
        "/voice/menu?node=main_menu&lang=fr&attempt=1",
        "/voice/status",
        "/voice/consent?attempt=1&lang=fr",
        "/voice/recording-status",
    ],
)
def test_forged_requests_get_403_and_change_nothing(app: Any, session: Any, path: str) -> None:
    client = app.test_client()
    response = client.post(
        f"https://hotline.test{path}",
        data={**BASE_PARAMS, "Digits": "1"},
        headers={"X-Twilio-Signature": "forged="},
    )
    assert response.status_code == 403
    assert count(session, Call) == 0


def test_a_request_signed_for_another_url_is_refused(emulator: Any, app: Any, session: Any) -> None:
    from hotline.emulator import compute_signature

    signature = compute_signature(
        emulator.auth_token, "https://hotline.test/voice/other", BASE_PARAMS
    )
    response = app.test_client().post(
        "https://hotline.test/voice/incoming",
        data=BASE_PARAMS,
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 403
    assert count(session, Call) == 0


def test_the_same_incoming_webhook_twice_makes_one_call(emulator: Any, session: Any) -> None:
    first = emulator.post("/voice/incoming", BASE_PARAMS)
    second = emulator.post("/voice/incoming", BASE_PARAMS)
    assert first.status == second.status == 200
    assert first.body == second.body
    assert count(session, Call) == 1


def test_retried_record_and_consent_webhooks_make_one_voicemail_and_one_callback(
    emulator: Any, session: Any
) -> None:
    emulator.post("/voice/incoming", BASE_PARAMS)
    recorded = {
        **BASE_PARAMS,
        "RecordingSid": "RE" + "b" * 32,
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE" + "b" * 32,
        "RecordingDuration": "12",
        "Digits": "#",
    }
    status = {**recorded, "RecordingStatus": "completed"}
    for _ in range(2):
        assert emulator.post("/voice/recorded?lang=fr", recorded).status == 200
        assert emulator.post("/voice/recording-status", status).status == 204
        assert (
            emulator.post("/voice/consent?attempt=1&lang=fr", {**BASE_PARAMS, "Digits": "1"}).status
            == 200
        )
    assert count(session, Voicemail) == 1
    assert count(session, Callback) == 1
    assert session.scalar(select(Voicemail)).status == VoicemailStatus.COMPLETED


def test_recording_status_before_the_record_action_is_not_lost(emulator: Any, session: Any) -> None:
    emulator.post("/voice/incoming", BASE_PARAMS)
    sid = "RE" + "c" * 32
    emulator.post(
        "/voice/recording-status",
        {**BASE_PARAMS, "RecordingSid": sid, "RecordingStatus": "absent", "RecordingDuration": "0"},
    )
    emulator.post(
        "/voice/recorded?lang=fr",
        {
            **BASE_PARAMS,
            "RecordingSid": sid,
            "RecordingUrl": "https://x.test/r",
            "RecordingDuration": "1",
        },
    )
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.recording_sid == sid
    assert voicemail.status == VoicemailStatus.ABSENT


def test_out_of_order_status_callbacks_never_move_a_call_back(emulator: Any, session: Any) -> None:
    emulator.post("/voice/incoming", BASE_PARAMS)
    emulator.post(
        "/voice/status",
        {**BASE_PARAMS, "CallStatus": "completed", "SequenceNumber": "3", "CallDuration": "42"},
    )
    emulator.post(
        "/voice/status", {**BASE_PARAMS, "CallStatus": "in-progress", "SequenceNumber": "1"}
    )
    emulator.post(
        "/voice/status",
        {**BASE_PARAMS, "CallStatus": "completed", "SequenceNumber": "3", "CallDuration": "42"},
    )
    stored = session.scalar(select(Call))
    assert stored.status == "completed"
    assert stored.duration_seconds == 42
    statuses = session.scalars(select(CallEvent.detail).where(CallEvent.kind == "status")).all()
    assert sorted(statuses) == ["completed#3", "in-progress#1"]


def test_an_error_inside_a_webhook_apologises_and_offers_the_voicemail(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"boom for {CALLER}")

    monkeypatch.setattr(calls, "route_call", broken)
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF} # 1"))
    assert log.heard_contains(fr("technical_error"))
    assert log.recordings  # the voicemail still works
    assert session.scalar(select(Callback)) is not None
    assert CALLER not in caplog.text  # no phone number in the logs
    assert "RuntimeError" in caplog.text


def test_every_error_response_is_valid_twiml(
    app: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.telephony import flow

    monkeypatch.setattr(flow, "answer_consent", lambda *a, **k: 1 / 0)
    emulator.post("/voice/incoming", BASE_PARAMS)
    response = emulator.post("/voice/consent?attempt=1&lang=fr", {**BASE_PARAMS, "Digits": "1"})
    assert response.status == 200
    verbs = parse_twiml(response.body)
    assert [v.name for v in verbs][-1] == "Hangup"
    ElementTree.fromstring(response.body)


def test_a_missed_call_is_queued_once_when_the_structure_opts_in(
    emulator: Any, session: Any, load_structure: Any, clock: Any
) -> None:
    load_structure(lambda data: data["callbacks"].update(missed_call_callbacks=True))
    clock.set("2026-12-05 15:00")
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} hangup"))
    final = {
        **BASE_PARAMS,
        "CallSid": log.call_sid,
        "CallStatus": "completed",
        "SequenceNumber": "9",
        "CallDuration": "20",
    }
    emulator.post("/voice/status", final)  # Twilio retries the final status callback
    callbacks = session.scalars(select(Callback)).all()
    assert len(callbacks) == 1
    assert callbacks[0].source == "missed_call"


def test_a_missed_call_is_not_queued_by_default(emulator: Any, session: Any) -> None:
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} hangup"))
    assert count(session, Callback) == 0


def test_when_two_staff_press_1_together_the_first_keeps_the_call(
    emulator: Any, session: Any
) -> None:
    from hotline.models import Staff

    emulator.post("/voice/incoming", BASE_PARAMS)
    amina, karim = (
        session.scalar(select(Staff).where(Staff.key == key)) for key in ("amina", "karim")
    )
    leg = {**BASE_PARAMS, "Direction": "outbound-api", "From": DEMO_NUMBER, "Digits": "1"}
    first = emulator.post(
        f"/voice/ring/answer?call={CALL_SID}&staff={amina.id}&theme=social",
        {**leg, "CallSid": "CA" + "1" * 32, "To": amina.phone_e164},
    )
    second = emulator.post(
        f"/voice/ring/answer?call={CALL_SID}&staff={karim.id}&theme=social",
        {**leg, "CallSid": "CA" + "2" * 32, "To": karim.phone_e164},
    )
    assert [v.name for v in parse_twiml(first.body)] == ["Say", "Dial", "Hangup"]
    assert [v.name for v in parse_twiml(second.body)] == ["Say", "Hangup"]
    session.expire_all()
    assert session.scalar(select(Call)).staff_id == amina.id


def test_a_completed_dial_that_nobody_accepted_still_offers_the_voicemail(
    emulator: Any,
) -> None:
    """Leaving the waiting room reports "completed" whether or not anyone came."""
    emulator.post("/voice/incoming", BASE_PARAMS)
    response = emulator.post(
        "/voice/ring/done?lang=fr&theme=social",
        {**BASE_PARAMS, "DialCallStatus": "completed", "DialCallDuration": "40"},
    )
    assert "Record" in [v.name for v in parse_twiml(response.body)]
