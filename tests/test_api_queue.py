"""The JSON API and the dashboard pages: order with reasons, claims, calls, outcomes, scoping."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rq import Queue
from sqlalchemy import func, select

from hotline import callbacks
from hotline.api.serialize import callback_json
from hotline.callbacks.entries import queue_for_voicemail
from hotline.extensions import redis_store
from hotline.models import (
    Callback,
    CallbackStatus,
    Person,
    PolicyChange,
    RecordingAccess,
    Theme,
)
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")
OPENAPI = Path(__file__).resolve().parents[1] / "hotline" / "api" / "openapi.yaml"


def manual(session: Any, person_key: str | None, staff: Any, now: Any) -> Callback:
    person = session.scalar(select(Person).where(Person.key == person_key)) if person_key else None
    callback = callbacks.create_manual_callback(
        session,
        structure_id=staff.structure_id,
        staff=staff,
        phone="" if person else "+33612345678",
        theme_id=None,
        person_id=person.id if person else None,
        note="",
        now=now,
    )
    session.commit()
    return callback


def validator(schema_name: str) -> Draft202012Validator:
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}, registry=registry
    )


def test_the_api_needs_a_session(app: Any) -> None:
    response = app.test_client().get("/api/queue", headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)


def test_the_queue_follows_the_policy_and_says_why(sign_in: Any, session: Any, clock: Any) -> None:
    amina = sign_in("amina")
    older_unknown = manual(session, None, amina.staff, clock())
    clock.instant += timedelta(hours=2)
    isolated = manual(session, "p-001", amina.staff, clock())  # Jean Martin is isolated
    clock.instant += timedelta(hours=1)
    response = amina.get("/api/queue")
    body = response.get_json()
    assert response.status_code == 200, response.get_data(as_text=True)
    ids = [entry["id"] for entry in body["entries"]]
    assert ids == [isolated.id, older_unknown.id]  # the demo's policy: isolated first
    assert "isolée" in body["entries"][0]["why"]
    assert "attend depuis" in body["entries"][1]["why"]
    assert "+33612345678" not in str(body)  # numbers are masked
    for entry in body["entries"]:
        validator("Callback").validate(entry)


def test_the_queue_comes_a_page_at_a_time_with_counts_and_a_next_link(
    sign_in: Any, session: Any, clock: Any
) -> None:
    amina = sign_in("amina")
    made = []
    for _ in range(5):
        made.append(manual(session, None, amina.staff, clock()))
        clock.instant += timedelta(minutes=1)
    first = amina.get("/api/queue?limit=2").get_json()
    assert [entry["id"] for entry in first["entries"]] == [made[0].id, made[1].id]
    assert (first["total"], first["callable_now"], first["per_theme"]) == (5, 5, {"": 5})
    second = amina.get(first["next"]).get_json()
    assert [entry["position"] for entry in second["entries"]] == [3, 4]
    last = amina.get(second["next"]).get_json()
    assert [entry["id"] for entry in last["entries"]] == [made[4].id]
    assert last["next"] is None
    assert amina.get("/api/queue?theme=numerique").get_json()["entries"] == []
    refused = amina.get("/api/queue?limit=0")
    assert refused.status_code == 400
    assert "limit" in refused.get_json()["message"]


def test_one_claim_wins_and_the_other_sees_who_has_it(
    sign_in: Any, session: Any, clock: Any
) -> None:
    amina, karim = sign_in("amina"), sign_in("karim")
    callback = manual(session, "p-001", amina.staff, clock())
    assert amina.post_json(f"/api/callbacks/{callback.id}/claim").status_code == 200
    refused = karim.post_json(f"/api/callbacks/{callback.id}/claim")
    assert refused.status_code == 409
    assert refused.get_json()["claimed_by"] == "Amina Diallo"
    validator("Error").validate(refused.get_json())


def test_a_won_claim_answers_the_entry_as_the_other_actions_do(
    sign_in: Any, session: Any, clock: Any
) -> None:
    """The claim's row comes back from its UPDATE and is attached without a SELECT
    (`models.attach`): its theme, person and message still load, as for an entry read."""
    amina = sign_in("amina")
    person = session.scalar(select(Person).where(Person.key == "p-001"))
    call = factories.make_call(session, amina.staff.structure_id, clock(), from_=person.phone_e164)
    call.person_id = person.id
    message = factories.make_voicemail(session, call, clock(), consent=True)
    message.theme_id = session.scalar(select(Theme.id).where(Theme.key == "social"))
    message.recording_sid, message.duration_seconds = "RE" + "1" * 32, 42
    entry = queue_for_voicemail(session, message, call, clock())
    session.commit()
    claimed = amina.post_json(f"/api/callbacks/{entry.id}/claim").get_json()
    session.expire_all()
    assert claimed == callback_json(session.get(Callback, entry.id))
    assert (claimed["theme"], claimed["person"]) == ("social", person.name)
    assert (claimed["has_recording"], claimed["message_seconds"]) == (True, 42)
    assert claimed["claimed_by"] == "Amina Diallo"
    validator("Callback").validate(claimed)


def test_a_post_without_the_csrf_token_is_refused(sign_in: Any, session: Any, clock: Any) -> None:
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    response = amina.client.post(f"/api/callbacks/{callback.id}/claim", json={})
    assert response.status_code == 400
    assert session.get(Callback, callback.id).claimed_by_id is None


def test_another_structure_sees_nothing(
    sign_in: Any, session: Any, clock: Any, load_structure: Any
) -> None:
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())

    def other(data: dict[str, Any]) -> None:
        data.update(slug="autre", name="Autre Structure", people=[])
        data.pop("group_calls")  # its group names the people removed above
        data["numbers"] = [{"number": "+33 1 84 88 00 99"}]
        for member in data["staff"]:
            member.pop("email", None)

    load_structure(other)
    stranger = sign_in("karim", email="karim@autre.example", slug="autre")
    assert stranger.get("/api/queue").get_json()["entries"] == []
    for action in ("claim", "release", "call", "outcome"):
        response = stranger.post_json(
            f"/api/callbacks/{callback.id}/{action}", {"outcome": "reached"}
        )
        assert response.status_code == 404, action
    assert stranger.get(f"/callbacks/{callback.id}").status_code == 404
    assert stranger.get("/api/queue?structure=demo").get_json()["entries"] == []
    session.expire_all()
    assert session.get(Callback, callback.id).status == CallbackStatus.WAITING


def test_call_is_refused_outside_allowed_hours_with_when(
    sign_in: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 11:00")  # a Saturday
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    response = amina.post_json(f"/api/callbacks/{callback.id}/call")
    assert response.status_code == 409
    assert response.get_json()["next_allowed"].startswith("2026-12-07T")
    page = amina.get(f"/callbacks/{callback.id}").get_data(as_text=True)
    assert "Prochain créneau : lun. 9 h." in page


def test_call_enqueues_one_bridge_job_after_commit(sign_in: Any, session: Any, clock: Any) -> None:
    redis_store.connection.flushdb()
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    first = amina.post_json(f"/api/callbacks/{callback.id}/call")
    second = amina.post_json(f"/api/callbacks/{callback.id}/call")  # a double click
    assert first.status_code == second.status_code == 200
    assert first.get_json()["attempt"] == second.get_json()["attempt"] == 1
    assert len(Queue("default", connection=redis_store.connection)) == 1


def test_no_answer_schedules_the_next_attempt_once(sign_in: Any, session: Any, clock: Any) -> None:
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    amina.post_json(f"/api/callbacks/{callback.id}/call")
    for _ in range(2):
        response = amina.post_json(
            f"/api/callbacks/{callback.id}/outcome", {"outcome": "no_answer"}
        )
        assert response.status_code in (200, 409)
    session.expire_all()
    stored = session.get(Callback, callback.id)
    assert stored.status == CallbackStatus.RETRY_SCHEDULED
    assert stored.attempts == 1
    assert stored.due_at is not None


def test_a_retry_cannot_be_taken_before_its_time(sign_in: Any, session: Any, clock: Any) -> None:
    """ "Pas de réponse" spaces the attempts out; claiming the entry early undid it (soak find)."""
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    amina.post_json(f"/api/callbacks/{callback.id}/call")
    amina.post_json(f"/api/callbacks/{callback.id}/outcome", {"outcome": "no_answer"})
    session.expire_all()
    due = session.get(Callback, callback.id).due_at  # demo: 1 h later, 11 h
    for who in (amina, sign_in("sophie")):
        early = who.post_json(f"/api/callbacks/{callback.id}/claim")
        assert early.status_code == 409
        assert (
            early.get_json()["message"]
            == "Prochaine tentative prévue aujourd'hui 11 h : pas avant."
        )
    page = amina.get(f"/callbacks/{callback.id}").get_data(as_text=True)
    assert "Prochaine tentative prévue aujourd&#39;hui 11 h : pas avant." in page
    assert "Prendre ce rappel" not in page
    queue = amina.get("/queue").get_data(as_text=True)
    assert "Pas avant l'heure prévue" in queue
    clock.instant = due
    assert amina.post_json(f"/api/callbacks/{callback.id}/claim").status_code == 200


def test_the_form_path_redirects_back_with_a_french_message(
    sign_in: Any, session: Any, clock: Any
) -> None:
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    response = amina.post_form(
        f"/api/callbacks/{callback.id}/claim", {"next": f"/callbacks/{callback.id}"}
    )
    assert response.status_code == 302
    page = amina.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rappel pris" in page
    assert "Rappeler" in page


def test_a_message_is_streamed_through_the_app_and_the_listen_is_logged(
    sign_in: Any, session: Any, emulator: Any, clock: Any, app: Any
) -> None:
    from hotline.emulator import ScriptedCaller
    from tests.callback_helpers import install_fake

    install_fake(app, emulator)
    clock.set("2026-12-05 15:00")
    emulator.place_call("+33600000101", "+33184880000", ScriptedCaller("1 # 1"))
    callback = session.scalar(select(Callback))
    amina = sign_in("amina")
    page = amina.get(f"/callbacks/{callback.id}").get_data(as_text=True)
    assert "api.twilio.com" not in page
    audio = amina.get(f"/recordings/{callback.voicemail_id}")
    assert audio.status_code == 200
    assert audio.mimetype.startswith("audio/")
    assert session.scalar(select(func.count()).select_from(RecordingAccess)) == 1


def test_only_coordinators_change_the_policy_and_it_is_versioned(
    sign_in: Any, session: Any
) -> None:
    amina, sophie = sign_in("amina"), sign_in("sophie")
    assert amina.get("/settings").status_code == 403
    response = sophie.post_form("/settings/policy", {"kind": "risk_first"})
    assert response.status_code == 302
    change = session.scalars(select(PolicyChange).order_by(PolicyChange.id.desc())).first()
    assert change.policy["kind"] == "risk_first"
    assert change.staff_id == sophie.staff.id
    page = sophie.get("/settings").get_data(as_text=True)
    assert "Sophie" in page


def test_every_api_route_is_documented(app: Any) -> None:
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))

    def shape(path: str) -> str:  # "{id}" and "<int:session_id>" are both a parameter
        return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", path)

    documented = {
        (shape(path), method.upper()) for path, item in spec["paths"].items() for method in item
    }
    served = {
        (shape(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == documented


def test_a_refused_outcome_answers_in_french_not_with_a_500(
    sign_in: Any, session: Any, clock: Any
) -> None:
    amina, karim = sign_in("amina"), sign_in("karim")
    callback = manual(session, "p-001", amina.staff, clock())
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    missing_where = amina.post_json(
        f"/api/callbacks/{callback.id}/outcome", {"outcome": "referred", "referred_to": ""}
    )
    assert missing_where.status_code == 400
    assert missing_where.get_json()["message"]
    not_his = karim.post_json(f"/api/callbacks/{callback.id}/release")
    assert not_his.status_code in (403, 409)
    validator("Error").validate(not_his.get_json())


def test_staff_add_a_callback_by_hand(sign_in: Any, session: Any) -> None:
    amina = sign_in("amina")
    added = amina.post_json("/api/callbacks", {"phone": "06 12 34 56 78", "theme": "social"})
    assert added.status_code == 201
    validator("Callback").validate(added.get_json())
    assert added.get_json()["source"] == "manual"
    stored = session.get(Callback, added.get_json()["id"])
    assert stored.phone_e164 == "+33612345678"
    assert stored.theme.key == "social"
    for bad in ({"phone": "pas un numéro"}, {"phone": "0612345678", "theme": "inconnu"}):
        refused = amina.post_json("/api/callbacks", bad)
        assert refused.status_code == 400
        assert refused.get_json()["message"]
    form = amina.post_form("/api/callbacks", {"person": "p-002", "next": "/queue"})
    assert form.status_code == 302
    assert "Grace Okafor" in amina.get("/queue").get_data(as_text=True)


def test_the_add_form_has_a_page_of_its_own_that_lists_the_persons(sign_in: Any) -> None:
    """The queue page, read again and again, no longer carries every person the structure
    follows (thousands, for some): it links to the form, which lists them."""
    amina = sign_in("amina")
    queue = amina.get("/queue").get_data(as_text=True)
    assert 'href="/queue/ajouter"' in queue
    assert '<option value="p-002">' not in queue
    form = amina.get("/queue/ajouter")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert '<option value="p-002">Grace Okafor</option>' in page
    assert '<option value="social">' in page
    assert 'action="/api/callbacks"' in page
    assert 'name="next" value="/queue"' in page


def test_the_api_keeps_the_services_precise_reason(sign_in: Any, session: Any, clock: Any) -> None:
    """One error handler maps refusals: a closed entry says so, not "take it first"."""
    amina = sign_in("amina")
    callback = manual(session, "p-001", amina.staff, clock())
    callback.status = CallbackStatus.DONE
    session.commit()
    claimed = amina.post_json(f"/api/callbacks/{callback.id}/claim")
    assert claimed.status_code == 409
    assert claimed.get_json() == {"error": "not_claimable", "message": "Ce rappel est déjà clos."}
    unclaimed = manual(session, "p-002", amina.staff, clock())
    called = amina.post_json(f"/api/callbacks/{unclaimed.id}/call")
    assert called.get_json()["message"] == "Prenez d'abord ce rappel."


def test_the_queue_page_shows_fifty_then_a_link_to_the_next(
    sign_in: Any, session: Any, clock: Any
) -> None:
    amina = sign_in("amina")
    for _ in range(52):
        manual(session, None, amina.staff, clock())
        clock.instant += timedelta(seconds=30)
    page = amina.get("/queue").get_data(as_text=True)
    assert "52 rappels dans la file, dont 52 à appeler maintenant." in page
    assert page.count('class="position"') == 50
    assert "/queue?offset=50" in page
    rest = amina.get("/queue?offset=50").get_data(as_text=True)
    assert rest.count('class="position"') == 2
    assert "Rappels précédents" in rest


def test_a_nul_character_in_a_field_is_refused_with_a_reason(sign_in: Any) -> None:
    """Found by the fuzzer on PostgreSQL, whose text columns refuse NUL: a 400, not a 500."""
    amina = sign_in("amina")
    for field in ("person", "phone", "note"):
        body = {"person": "", "phone": "", "note": "", field: "a\x00"}
        answer = amina.post_json("/api/callbacks", body)
        assert answer.status_code == 400
        assert "caractère nul" in answer.get_json()["message"]
