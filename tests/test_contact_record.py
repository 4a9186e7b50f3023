"""The contact record: written where the event is observed, once, with no content.

An answered inbound call and a callback that reached the person each give one Contact row;
a status callback delivered again adds nothing; a number linked to a person later brings its
contacts with it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline import contacts
from hotline.emulator import Answers, NoAnswer, PhoneBook, ScriptedCaller
from hotline.models import Call, Callback, CallbackSource, Contact, ContactKind
from tests import factories
from tests.callback_helpers import JEAN, reload_attempt, started_attempt
from tests.inbound_helpers import AMINA, CAMILLE, DEMO_NUMBER, FRENCH, NUMERIQUE
from workers import jobs

pytestmark = pytest.mark.usefixtures("demo")
STRANGER = "+33612345678"


def all_contacts(session: Any) -> list[Contact]:
    session.expire_all()
    return list(session.scalars(select(Contact).order_by(Contact.id)))


def test_an_answered_inbound_call_is_one_contact_and_a_retried_status_adds_nothing(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller(NUMERIQUE))  # French known
    (contact,) = all_contacts(session)
    call = session.scalar(select(Call))
    assert contact.kind == ContactKind.INBOUND
    assert contact.person_id == factories.person(session, "p-001").id
    assert contact.staff_id == factories.staff(session, "camille").id
    assert contact.theme_id == factories.theme(session, "numerique").id
    assert contact.started_at == call.answered_at
    assert contact.phone_e164 is None  # a known person: the number is not copied

    statuses = [r for r in log.requests if r.url.endswith("/voice/status")]
    assert statuses
    for request in statuses:
        assert emulator.post(request.url, request.params).status == 204
    assert len(all_contacts(session)) == 1


def test_a_call_nobody_answered_is_no_contact(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    phones[CAMILLE] = Answers(press="2")  # refuses the call
    emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller(f"{NUMERIQUE} # 2"))
    assert all_contacts(session) == []


def test_a_callback_that_reached_the_person_is_one_contact(
    session: Any, clock: Any, fake: Any, phones: PhoneBook, emulator: Any
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    (call,) = fake.run_pending()
    (contact,) = all_contacts(session)
    assert contact.kind == ContactKind.CALLBACK
    assert contact.staff_id == factories.staff(session, "amina").id
    assert contact.person_id == factories.person(session, "p-001").id
    assert contact.source_key == f"attempt:{attempt.id}"

    for request in [r for r in call.log.requests if "/voice/callback/" in r.url]:
        emulator.post(request.url, request.params)
    assert len(all_contacts(session)) == 1
    assert reload_attempt(session, attempt.id).caller_status == "completed"


def test_a_callback_the_person_did_not_answer_is_no_contact(
    session: Any, clock: Any, fake: Any, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = NoAnswer()
    attempt = started_attempt(session, clock())
    jobs.place_callback_call(attempt.id)
    fake.run_pending()
    assert all_contacts(session) == []


def test_a_check_in_that_reached_the_person_counts_as_a_check_in(
    session: Any, clock: Any, fake: Any, phones: PhoneBook
) -> None:
    phones[AMINA] = Answers(press="1")
    phones[JEAN] = Answers()
    attempt = started_attempt(session, clock())
    session.get(Callback, attempt.callback_id).source = CallbackSource.CHECK_IN
    session.commit()
    jobs.place_callback_call(attempt.id)
    fake.run_pending()
    (contact,) = all_contacts(session)
    assert contact.kind == ContactKind.CHECK_IN


def test_record_contact_is_idempotent_on_its_source_key(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    values = dict(
        structure_id=demo.id,
        person_id=None,
        staff_id=None,
        kind="group_call",
        theme=None,
        started_at=clock(),
        duration_s=1800,
        source_key="conference-session:7:participant:3",
        phone=STRANGER,
    )
    assert contacts.record_contact(session, **values) is True
    assert contacts.record_contact(session, **values) is False
    (contact,) = all_contacts(session)
    assert (contact.kind, contact.duration_s) == (ContactKind.GROUP_CALL, 1800)
    with pytest.raises(ValueError, match="nonsense"):
        contacts.record_contact(session, **{**values, "kind": "nonsense", "source_key": "x"})


def test_linking_an_unknown_number_back_fills_its_contacts(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    phones[CAMILLE] = Answers(press="1")
    emulator.place_call(STRANGER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {NUMERIQUE}"))
    clock.instant += timedelta(hours=2)  # calling again: the language of the first call
    emulator.place_call(STRANGER, DEMO_NUMBER, ScriptedCaller(NUMERIQUE))
    demo = factories.structure(session)
    assert [(n, c) for n, c, _ in contacts.unlinked_numbers(session, demo.id)] == [(STRANGER, 2)]
    newcomer = factories.make_person(session, demo.id, "p-new", name="Nora Benali")

    assert contacts.link_number(session, newcomer, STRANGER) == 2
    session.commit()
    linked = all_contacts(session)
    assert {c.person_id for c in linked} == {newcomer.id}
    assert {c.phone_e164 for c in linked} == {None}
    assert {c.person_id for c in session.scalars(select(Call))} == {newcomer.id}
    assert session.get(type(newcomer), newcomer.id).phone_e164 == STRANGER
    assert contacts.unlinked_numbers(session, demo.id) == []


def test_a_group_call_attendance_is_one_contact(session: Any, clock: Any) -> None:
    demo, grace = factories.structure(session), factories.person(session, "p-002")
    for _ in range(2):  # the leave event delivered twice
        contacts.record_group_call_attendance(
            session,
            structure_id=demo.id,
            person_id=grace.id,
            phone=None,
            joined_at=clock(),
            left_at=clock() + timedelta(minutes=25),
            attendance_key="session:1:participant:2",
        )
    (contact,) = all_contacts(session)
    assert (contact.kind, contact.duration_s, contact.person_id) == (
        ContactKind.GROUP_CALL,
        1500,
        grace.id,
    )
