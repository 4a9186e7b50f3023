"""The staff phone menu: a staff member calls the hotline from their registered phone.

Calls are placed by the emulator into the real app; the callbacks they take are real rows,
claimed through the queue's services, and the person's phone is an emulated one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from hotline.emulator import Answers, NoAnswer, PhoneBook, ScriptedCaller
from hotline.extensions import db, redis_store
from hotline.models import Callback, CallbackOutcome, CallbackStatus, DutyException
from tests.callback_helpers import JEAN, new_callback, staff
from tests.factories import give_pin
from tests.inbound_helpers import (
    ADMINISTRATIF,
    AMINA,
    CALLER,
    DEMO_NUMBER,
    FRENCH,
    KARIM,
    fr,
    staff_legs,
)

pytestmark = pytest.mark.usefixtures("demo")
PIN = "2468"
ADMIN_LABEL = "les démarches administratives"
SOCIAL_LABEL = "l'accompagnement social"


@pytest.fixture(autouse=True)
def amina_has_a_pin(session: Any, demo: Any) -> None:
    redis_store.connection.flushdb()  # the PIN throttle counts failures in Redis
    give_pin(staff(session), PIN)
    session.commit()


def staff_call(emulator: Any, keys: str, from_: str = AMINA) -> Any:
    return emulator.place_call(from_, DEMO_NUMBER, ScriptedCaller(keys))


def test_a_good_pin_opens_the_menu_and_1_says_what_waits_per_theme(
    emulator: Any, session: Any, clock: Any
) -> None:
    new_callback(session, clock(), "administratif", person="p-001")
    new_callback(session, clock(), "administratif", person=None)
    new_callback(session, clock(), "social", person="p-002")

    log = staff_call(emulator, f"{PIN}# 1 hangup")

    assert log.heard_contains(fr("staff_pin_prompt", first_name="Amina"))
    assert log.heard_contains(fr("staff_count_many", theme=ADMIN_LABEL, count=2))
    assert log.heard_contains(fr("staff_count_one", theme=SOCIAL_LABEL))
    assert not log.heard_contains(fr("welcome", structure="Atelier Demo Insertion"))


def test_a_wrong_pin_three_times_is_a_polite_goodbye(emulator: Any, session: Any) -> None:
    log = staff_call(emulator, "1111# 9999# 1357# 1")

    assert [text for text in log.heard if text == fr("staff_pin_wrong")] == [
        fr("staff_pin_wrong")
    ] * 2
    assert log.heard[-1] == fr("staff_pin_refused")
    assert log.ended_by == "hangup-verb"
    assert not log.heard_contains(fr("staff_menu"))


def test_a_throttled_phone_is_refused_even_with_the_good_pin(emulator: Any) -> None:
    staff_call(emulator, "1111# 9999# 1357#")
    staff_call(emulator, "1112# 9998#")  # five failures within 15 minutes
    log = staff_call(emulator, f"{PIN}# 1")
    assert log.heard[-1] == fr("staff_pin_refused")


def test_take_next_claims_it_dials_the_person_from_the_hotline_and_asks_how_it_went(
    emulator: Any, session: Any, clock: Any, phones: PhoneBook
) -> None:
    phones[JEAN] = Answers()
    callback = new_callback(session, clock(), "administratif", person="p-001")

    log = staff_call(emulator, f"{PIN}# 2 1 hangup")

    assert log.heard_contains(fr("staff_next_callback", theme=ADMIN_LABEL, person="Jean Martin"))
    (leg,) = log.legs
    assert (leg.number, leg.bridged) == (JEAN, True)
    caller_forms = [r.params for r in log.requests if "leg=caller" in r.url]
    assert caller_forms
    assert {f["From"] for f in caller_forms} == {DEMO_NUMBER}
    assert log.heard_contains(fr("staff_outcome_prompt"))
    assert log.heard_contains(fr("staff_outcome_saved"))
    session.expire_all()
    done = session.get(Callback, callback.id)
    assert (done.status, done.outcome) == (CallbackStatus.DONE, CallbackOutcome.REACHED)
    assert done.handled_by_id == staff(session).id
    (attempt,) = done.attempt_rows
    assert (attempt.caller_status, attempt.result) == ("completed", "reached")
    assert attempt.caller_call_sid == leg.call_sid


def test_take_next_when_the_person_does_not_answer_schedules_the_retry(
    emulator: Any, session: Any, clock: Any, phones: PhoneBook
) -> None:
    phones[JEAN] = NoAnswer()
    callback = new_callback(session, clock(), "administratif", person="p-001")

    log = staff_call(emulator, f"{PIN}# 2 hangup")

    assert log.heard_contains(fr("staff_no_answer_noted"))
    session.expire_all()
    retry = session.get(Callback, callback.id)
    assert (retry.status, retry.attempts) == (CallbackStatus.RETRY_SCHEDULED, 1)


def test_take_next_with_nothing_waiting(emulator: Any) -> None:
    log = staff_call(emulator, f"{PIN}# 2 hangup")
    assert log.heard_contains(fr("staff_queue_empty"))
    assert not log.legs


def test_take_next_outside_the_allowed_hours_says_when_and_claims_nothing(
    emulator: Any, session: Any, clock: Any
) -> None:
    callback = new_callback(session, clock(), "administratif", person="p-001")
    clock.set("2026-12-01 19:30")

    log = staff_call(emulator, f"{PIN}# 2 hangup")

    assert log.heard_contains(fr("staff_not_allowed_now", moment="demain à 9 heures"))
    assert not log.legs
    session.expire_all()
    assert session.get(Callback, callback.id).status == CallbackStatus.WAITING


def test_going_off_duty_today_stops_the_calls_and_going_back_restores_them(
    emulator: Any, session: Any, phones: PhoneBook
) -> None:
    phones[AMINA] = NoAnswer()
    log = staff_call(emulator, f"{PIN}# 3 hangup")
    assert log.heard_contains(fr("staff_duty_off"))
    today = select(DutyException).where(DutyException.day == date(2026, 12, 1))
    assert session.scalars(today).one().staff_id == staff(session).id

    caller = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF}"))
    assert staff_legs(emulator, caller) == []
    closed = fr("theme_closed", theme=ADMIN_LABEL, moment="demain à 9 heures")
    assert caller.heard_contains(closed)

    log = staff_call(emulator, f"{PIN}# 3 hangup")
    assert log.heard_contains(fr("staff_duty_on"))
    assert session.scalars(today).all() == []
    caller = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ADMINISTRATIF}"))
    assert [leg.number for leg in staff_legs(emulator, caller)] == [AMINA]


def test_9_plays_the_callers_menu(emulator: Any) -> None:
    log = staff_call(emulator, f"{PIN}# 9 hangup")
    assert log.heard_contains(fr("welcome", structure="Atelier Demo Insertion"))


def test_a_staff_member_without_a_pin_is_an_ordinary_caller(emulator: Any) -> None:
    log = staff_call(emulator, "hangup", from_=KARIM)
    assert log.heard_contains(fr("welcome", structure="Atelier Demo Insertion"))
    assert not log.heard_contains(fr("staff_pin_prompt", first_name="Karim"))


def test_silence_at_the_menu_repeats_it_then_says_goodbye(emulator: Any) -> None:
    log = staff_call(emulator, f"{PIN}#")
    assert log.heard.count(fr("staff_menu")) == 3  # three silent menus
    assert log.heard[-1] == fr("goodbye")


def test_a_forged_or_foreign_token_reaches_nothing(
    emulator: Any, session: Any, clock: Any, app: Any
) -> None:
    from hotline.telephony import staff_menu

    callback = new_callback(session, clock(), "administratif", person="p-001")
    form = emulator.call_params("CA" + "1" * 32, AMINA, DEMO_NUMBER)
    other_call = staff_menu.issue_token(staff(session).id, "CA" + "2" * 32)
    for token in ("forged", other_call):
        response = emulator.post(f"/voice/staff/menu?auth={token}", {**form, "Digits": "2"})
        assert fr("goodbye") in response.body
    session.expire_all()
    assert db.session.get(Callback, callback.id).status == CallbackStatus.WAITING
