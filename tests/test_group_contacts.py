"""A group call feeds the contact record: one contact per person who joined, never two.

Issue 10 (contact record) over issue 8 (group calls): the attendance is written where it is
observed (the conference callback saying the person left, or the room's end), once, and a
session ended by us counts the time of whoever was still in the room.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline import groupcalls
from hotline.emulator import Answers, Emulator, FakeTwilio, NoAnswer, PhoneBook
from hotline.models import Contact, ContactKind, GroupParticipant
from tests.callback_helpers import install_fake
from tests.factories import structure
from tests.group_helpers import GRACE, JEAN, follow_simulated_time, room_of, start_now
from tests.inbound_helpers import CAMILLE

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def fake(app: Flask, emulator: Emulator, clock: Any) -> Iterator[FakeTwilio]:
    clock.set("2026-03-05 14:00")
    twilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    yield twilio
    emulator.sim.close()


def group_contacts(session: Any) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.kind == ContactKind.GROUP_CALL)))


def test_a_person_who_joined_gets_one_group_call_contact(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()

    contacts = group_contacts(session)
    jean = session.scalar(
        select(GroupParticipant).where(
            GroupParticipant.session_id == group.id, GroupParticipant.phone_e164 == JEAN
        )
    )
    assert [(c.person_id, c.staff_id) for c in contacts] == [(jean.person_id, None)]
    assert contacts[0].duration_s == jean.seconds_in_room == 300

    for callback in room_of(emulator, group).callbacks("participant-leave"):
        emulator.post(f"/voice/group/conference?session={group.id}", callback)
    assert len(group_contacts(session)) == 1, "a retried callback added a contact"


def test_ending_a_session_counts_the_time_of_those_still_in_the_room(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:3000 hangup")
    phones[JEAN] = Answers(press="1 wait:3000 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(300)
    groupcalls.close_session(session, group, emulator.now())  # the end callback never comes

    summary = groupcalls.session_summary(session, structure(session).id, group.id)
    rows = {r.name: r for r in summary.rows}
    assert rows["Jean Martin"].minutes >= 3
    attendances = groupcalls.finished_attendances(session, group.id)
    assert [a.person_id for a in attendances] == [
        p.person_id for p in group.participants if p.phone_e164 == JEAN
    ]


def test_an_access_request_lists_the_group_calls_and_the_purge_anonymises_old_ones(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    from datetime import timedelta

    from hotline import retention
    from hotline.models import GroupReminder, Structure

    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    demo = session.scalars(select(Structure)).one()

    subject = retention.find_subject(session, demo, phone=JEAN)
    export = retention.export_subject(session, subject, staff_id=None, now=emulator.now())
    [place] = export["group_calls"]
    assert place["joint"]
    assert place["secondes_dans_la_reunion"] == 300
    assert "group_calls" in retention.to_csv(export)

    soon = emulator.now() + timedelta(days=30)
    [report] = retention.purge_all(session, soon, dry_run=True)
    assert report.group_places == 0, "a recent session is kept"
    later = emulator.now() + timedelta(days=3 * 365)
    [dry] = retention.purge_all(session, later, dry_run=True)
    assert dry.group_places == 3
    [report] = retention.purge_all(session, later)
    assert report.group_places == 3
    kept = session.execute(
        select(GroupParticipant.person_id, GroupParticipant.phone_e164).where(
            GroupParticipant.session_id == group.id
        )
    ).all()
    assert set(kept) == {(None, None)}
    assert (
        session.scalars(select(GroupReminder).where(GroupReminder.session_id == group.id)).all()
        == []
    )
    summary = groupcalls.session_summary(session, demo.id, group.id)
    assert (summary.invited, summary.joined) == (3, 2), "the figures stay"
    [again] = retention.purge_all(session, later)
    assert again.group_places == 0
