"""The one webhook error decorator: each outcome, the rollback, and the voice it speaks in."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, abort
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from hotline.emulator import parse_twiml
from hotline.extensions import db
from hotline.models import Structure
from hotline.telephony import context
from hotline.telephony.errors import OnError, on_error
from tests.inbound_helpers import CALLER, DEMO_NUMBER, en, fr

pytestmark = pytest.mark.usefixtures("demo")
FORM = {"CallSid": "CA" + "e" * 32, "From": CALLER, "To": DEMO_NUMBER, "Direction": "inbound"}


def broken() -> Response:
    raise RuntimeError(f"boom for {CALLER}")


def answer(app: Flask, outcome: OnError, view: Any = broken, query: str = "") -> Response:
    """Run `view` under the decorator as the webhook of a call to the demo number."""
    with app.test_request_context(f"/voice/test{query}", method="POST", data=FORM):
        response: Response = on_error(outcome)(view)()
        return response


def heard(response: Response) -> tuple[list[str], list[str]]:
    verbs = parse_twiml(response.get_data(as_text=True))
    return [v.name for v in verbs], [v.text for v in verbs if v.name == "Say"]


def test_a_caller_before_their_message_hears_an_apology_and_can_leave_one(app: Flask) -> None:
    response = answer(app, OnError.OFFER_VOICEMAIL)
    names, said = heard(response)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert said[0] == fr("technical_error")
    assert "Record" in names
    assert "Hangup" not in names


def test_after_the_message_or_on_a_staff_leg_the_apology_hangs_up(app: Flask) -> None:
    response = answer(app, OnError.HANG_UP)
    names, said = heard(response)
    assert response.status_code == 200
    assert said == [fr("technical_error_end")]
    assert names[-1] == "Hangup"
    assert "Record" not in names


def test_a_failed_status_callback_answers_an_empty_500(app: Flask) -> None:
    response = answer(app, OnError.REPORT)
    assert response.status_code == 500
    assert response.get_data() == b""


def test_the_apology_is_in_the_callers_language(app: Flask) -> None:
    _, said = heard(answer(app, OnError.HANG_UP, query="?lang=en"))
    assert said == [en("technical_error_end")]


def test_when_the_structure_cannot_be_found_the_default_voice_still_apologises(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(_session: Any) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(context, "structure_of_this_call", database_down)
    names, said = heard(answer(app, OnError.OFFER_VOICEMAIL, query="?lang=en"))
    assert said[0] == fr("technical_error")  # the default voice speaks French
    assert "Record" in names


@pytest.mark.parametrize("outcome", list(OnError))
def test_what_the_failed_webhook_changed_is_rolled_back(
    app: Flask, session: Any, outcome: OnError
) -> None:
    def half_done() -> Response:
        db.session.scalars(select(Structure)).one().name = "Renamed by a failed webhook"
        db.session.flush()
        raise RuntimeError("boom")

    answer(app, outcome, half_done)
    db.session.commit()  # a later commit in the same session must not write it
    session.expire_all()
    assert session.scalars(select(Structure.name)).one() != "Renamed by a failed webhook"


def test_a_client_error_is_not_turned_into_an_apology(app: Flask) -> None:
    def bad_request() -> Response:
        abort(400)

    with pytest.raises(BadRequest):
        answer(app, OnError.OFFER_VOICEMAIL, bad_request)


def test_the_logs_say_where_it_broke_never_the_number(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    answer(app, OnError.HANG_UP)
    assert "RuntimeError" in caplog.text
    assert CALLER not in caplog.text


def test_a_failed_wait_url_keeps_the_waiting_tone_and_only_allowed_verbs(app: Flask) -> None:
    response = answer(app, OnError.WAIT)
    names, _ = heard(response)
    assert response.status_code == 200
    assert names == ["Play", "Redirect"]  # a waitUrl may only play, say, pause or redirect


def test_every_voice_webhook_declares_its_error_outcome(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("voice.")}
    assert "voice.incoming" in endpoints
    missing = [e for e in endpoints if not hasattr(app.view_functions[e], "on_error")]
    assert missing == []
