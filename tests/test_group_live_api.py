"""The live page's API (/api/group-calls): who is in, muted, waiting, not reached; the host's
buttons through the gateway; the account-limit refusal in French; attendance as JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.emulator import Answers, Emulator, FakeTwilio, NoAnswer, PhoneBook
from hotline.groupcalls.attendance_csv import COLUMNS
from hotline.models import AuditEntry, LegStatus, OutboxJob
from tests.callback_helpers import install_fake
from tests.group_helpers import GRACE, JEAN, follow_simulated_time, participant, room_of, start_now
from tests.inbound_helpers import CAMILLE

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def fake(app: Flask, emulator: Emulator, clock: Any) -> FakeTwilio:
    clock.set("2026-03-05 14:00")
    twilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    return twilio


@pytest.fixture
def running(session: Any, fake: FakeTwilio, phones: PhoneBook) -> Any:
    """The café: Camille (host) and Jean in the room, Grace never answers."""
    phones[CAMILLE] = Answers(press="1 wait:900 hangup")
    phones[JEAN] = Answers(press="1 wait:900 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)
    return group


def test_the_live_state_says_who_is_in_and_what_the_host_may_do(running: Any, sign_in: Any) -> None:
    camille = sign_in(
        "camille", "camille@demo.example"
    )  # the café's host (staff, not a coordinator)
    state = camille.get(f"/api/group-calls/sessions/{running.id}/live").get_json()
    assert state["status_label"] == "En cours"
    people = {p["name"]: p for p in state["participants"]}
    assert people["Jean Martin"]["state_label"] == "Dans la réunion"
    assert people["Jean Martin"]["actions"] == ["mute", "remove"]
    assert people["Grace Okafor"]["state"] in ("retry", "calling", "not_reached")
    assert state["counts"]["in_room"] == 2
    assert "phone_e164" not in str(state)
    assert "+336" not in str(state)
    page = camille.get(f"/reunions/seances/{running.id}/direct").get_data(as_text=True)
    assert 'aria-label="Couper le micro : Jean Martin"' in page  # works without the script too
    assert "+336" not in page


def test_the_host_mutes_and_unmutes_through_the_gateway(
    running: Any, sign_in: Any, session: Any, fake: FakeTwilio, emulator: Emulator
) -> None:
    camille = sign_in("camille", "camille@demo.example")
    jean = participant(session, running.id, JEAN)
    muted = camille.post_json(f"/api/group-calls/participants/{jean.id}/mute")
    assert muted.status_code == 200
    assert muted.get_json()["message"] == "Micro coupé."
    fake.advance(5)
    assert [c["Muted"] for c in room_of(emulator, running).callbacks("participant-mute")] == [
        "true"
    ]
    people = {p["name"]: p for p in muted.get_json()["participants"]}
    assert people["Jean Martin"]["actions"] == ["unmute", "remove"]
    assert camille.post_json(f"/api/group-calls/participants/{jean.id}/unmute").status_code == 200
    assert not participant(session, running.id, JEAN).muted


def test_remove_redial_lock_and_end_from_the_page_forms(
    running: Any, sign_in: Any, session: Any, fake: FakeTwilio, emulator: Emulator
) -> None:
    sophie = sign_in("sophie")  # coordinator
    live = f"/reunions/seances/{running.id}/direct"
    jean = participant(session, running.id, JEAN)
    removed = sophie.post_form(f"/api/group-calls/participants/{jean.id}/remove", {"next": live})
    assert removed.status_code == 302
    assert removed.headers["Location"] == live
    fake.advance(5)
    assert participant(session, running.id, JEAN).status is LegStatus.LEFT

    redial = sophie.post_json(f"/api/group-calls/participants/{jean.id}/redial")
    assert redial.get_json()["message"] == "Son téléphone va sonner."
    jobs = session.scalars(select(OutboxJob.job_id)).all()
    assert any(job.startswith("group-leg-") for job in jobs)

    base = f"/api/group-calls/sessions/{running.id}"
    assert sophie.post_json(f"{base}/lock").get_json()["locked"] is True
    assert sophie.post_json(f"{base}/unlock").get_json()["locked"] is False
    ended = sophie.post_json(f"{base}/end").get_json()
    assert ended["status_label"] == "Terminée"
    fake.run_pending()
    assert room_of(emulator, running).status == "completed"
    again = sophie.post_json(f"{base}/lock")
    assert again.status_code == 409
    assert again.get_json()["message"] == "Cette réunion téléphonique n'est pas en cours."


def test_someone_who_is_not_a_host_is_refused_in_french(running: Any, sign_in: Any) -> None:
    amina = sign_in("amina")  # staff, not a host of the café
    refused = amina.get(f"/api/group-calls/sessions/{running.id}/live")
    assert refused.status_code == 403
    assert "animateurs" in refused.get_json()["message"]
    assert amina.get(f"/reunions/seances/{running.id}/direct").status_code == 403
    for path in ("sessions/99999999/live", "sessions/10000000000000/live"):
        assert amina.get(f"/api/group-calls/{path}").status_code == 404


def test_the_account_limit_refusal_is_shown_in_french(
    session: Any, app: Flask, phones: PhoneBook, clock: Any, sign_in: Any
) -> None:
    from hotline.config import DEV_ACCOUNT_SID
    from hotline.emulator import WsgiTransport
    from tests.conftest import BASE_URL, DEV_AUTH_TOKEN

    clock.set("2026-03-05 14:00")
    limited = Emulator(
        WsgiTransport(app),
        BASE_URL,
        DEV_AUTH_TOKEN,
        account_sid=DEV_ACCOUNT_SID,
        phones=phones,
        clock=clock,
        max_concurrent_calls=2,  # a new account without an approved profile
    )
    fake = install_fake(app, limited)
    follow_simulated_time(app, limited, clock)
    phones[CAMILLE] = Answers(press="1 wait:60 hangup")
    phones[JEAN] = Answers(press="1 wait:60 hangup")
    group = start_now(session)
    fake.advance(20)
    camille = sign_in("camille", "camille@demo.example")
    state = camille.get(f"/api/group-calls/sessions/{group.id}/live").get_json()
    assert "limite d'appels simultanés" in state["refusal"]
    grace = {p["name"]: p for p in state["participants"]}["Grace Okafor"]
    assert grace["state_label"] == "Appel refusé par l'opérateur"
    page = camille.get(f"/reunions/seances/{group.id}/direct").get_data(as_text=True)
    assert "1 personne n&#39;a pas pu être appelée" in page


def test_attendance_in_json_in_csv_and_on_the_page(
    session: Any, fake: FakeTwilio, phones: PhoneBook, sign_in: Any
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    sophie = sign_in("sophie")
    body = sophie.get(f"/api/group-calls/sessions/{group.id}/attendance").get_json()
    assert (body["invited"], body["reached"], body["joined"]) == (3, 2, 2)
    assert body["left_early"] == 2  # Jean after 5 min, Camille after 10, of 60
    rows = {r["name"]: r for r in body["rows"]}
    assert rows["Jean Martin"]["minutes"] == 5

    exported = sophie.get(f"/api/group-calls/sessions/{group.id}/attendance.csv")
    assert exported.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert tuple(table[0]) == COLUMNS
    jean = next(r for r in table if r["name"] == "Jean Martin")
    assert (jean["invited"], jean["reached"], jean["joined"], jean["minutes"]) == (
        "1",
        "1",
        "1",
        "5",
    )
    assert jean["left_early"] == "1"
    assert jean["leave_reason"] == "participant_hung_up"
    assert jean["starts_at"].startswith("2026-03-05T14:00")
    assert "+33" not in exported.get_data(as_text=True)
    assert session.scalars(select(AuditEntry.subject)).all()[-1] == f"group-session:{group.id}"

    page = sophie.get(f"/reunions/seances/{group.id}/presence").get_data(as_text=True)
    assert "Entrés dans la réunion" in page
    assert "a raccroché" in page
    assert (
        sign_in("camille", "camille@demo.example")
        .get(f"/api/group-calls/sessions/{group.id}/attendance")
        .status_code
        == 403
    )


def test_the_group_calls_api_fuzzed_from_its_openapi_file_never_answers_500(
    app: Flask, running: Any, sign_in: Any
) -> None:
    """As a coordinator, on a running session, so the requests reach the services."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    from tests.test_api_fuzz import FUZZ_EXAMPLES, OPENAPI

    sophie = sign_in("sophie")
    schema = schemathesis.openapi.from_path(OPENAPI).include(path_regex="group-calls")
    schema.app = app
    cookies = {"session": sophie.client.get_cookie("session").value}
    seen: set[int] = set()

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy())
    def fuzz(case: Any) -> None:
        if "id" in case.path_parameters and case.path_parameters["id"] % 3 == 0:
            case.path_parameters["id"] = running.id  # hit the real session now and then
        response = case.call(headers={"X-CSRF-Token": sophie.csrf}, cookies=cookies)
        seen.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
    assert 200 in seen or 409 in seen
