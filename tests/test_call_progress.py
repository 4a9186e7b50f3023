"""The callback page says one thing at a time and never counts an attempt nobody made (9-11, 12).

After a call ended the page said "Appel en cours" and "Rappeler" made attempt 2; a claim at
3 a.m. said "Vous pouvez appeler" above "Les rappels ne sont pas permis maintenant"; "Pas de
réponse" could be recorded with no call placed and counted as an attempt.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.emulator import Answers, FakeTwilio, PhoneBook
from hotline.models import CallbackAttempt, CallbackStatus
from tests.callback_helpers import JEAN, install_fake, new_callback, started_attempt
from tests.inbound_helpers import AMINA
from workers import jobs

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def fake(app: Any, emulator: Any) -> FakeTwilio:
    return install_fake(app, emulator)


def _attempts(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(CallbackAttempt))


def test_a_claim_out_of_hours_says_only_when_calls_are_allowed(
    session: Any, clock: Any, sign_in: Any
) -> None:
    clock.set("2026-12-08 03:00")  # Tuesday, 3 a.m.
    callback = new_callback(session, clock())
    amina = sign_in("amina")
    page = amina.post_form(
        f"/api/callbacks/{callback.id}/claim", {"next": f"/callbacks/{callback.id}"}
    )
    html = amina.get(page.headers["Location"]).get_data(as_text=True)
    assert "Rappel pris." in html
    assert "Vous pouvez appeler" not in html
    assert (
        "Les rappels ne sont pas permis maintenant. Prochain créneau : aujourd&#39;hui 9 h" in html
    )


def test_an_outcome_needs_a_call_or_says_it_was_made_from_another_phone(
    session: Any, clock: Any, sign_in: Any
) -> None:
    clock.set("2026-12-08 10:00")
    callback = new_callback(session, clock())
    amina = sign_in("amina")
    amina.post_json(f"/api/callbacks/{callback.id}/claim")
    refused = amina.post_json(f"/api/callbacks/{callback.id}/outcome", {"outcome": "no_answer"})
    assert refused.status_code == 400
    assert "Aucun appel n'a été passé" in refused.get_json()["message"]
    assert _attempts(session) == 0
    page = amina.get(f"/callbacks/{callback.id}").get_data(as_text=True)
    assert "J'ai appelé depuis un autre téléphone" in page

    done = amina.post_json(
        f"/api/callbacks/{callback.id}/outcome",
        {"outcome": "no_answer", "called_elsewhere": True},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["attempts"] == 1
    (attempt,) = session.scalars(select(CallbackAttempt)).all()
    assert (attempt.staff_status, attempt.result) == ("elsewhere", "no_answer")


def test_after_the_call_ended_the_page_knows_and_a_second_press_makes_no_attempt(
    session: Any, clock: Any, sign_in: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    clock.set("2026-12-08 10:00")
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())
    amina = sign_in("amina")
    progress_url = f"/api/callbacks/{attempt.callback_id}/progress"
    live = amina.get(progress_url).get_json()
    assert (live["label"], live["live"], live["may_call"]) == ("Appel en cours", True, False)
    # A second press while the attempt is live is the same attempt.
    again = amina.post_json(f"/api/callbacks/{attempt.callback_id}/call")
    assert again.get_json()["attempt"] == 1

    jobs.place_callback_call(attempt.id)
    fake.run_pending()
    ended = amina.get(progress_url).get_json()
    assert ended["label"] == "Appel terminé : enregistrez le résultat"
    assert (ended["live"], ended["may_call"], ended["outcome_allowed"]) == (False, False, True)
    refused = amina.post_json(f"/api/callbacks/{attempt.callback_id}/call")
    assert refused.status_code == 409, refused.get_json()
    assert "enregistrez d'abord son résultat" in refused.get_json()["message"]
    assert _attempts(session) == 1

    amina.post_json(f"/api/callbacks/{attempt.callback_id}/outcome", {"outcome": "reached"})
    assert amina.get(progress_url).get_json()["status"] == CallbackStatus.DONE.value
