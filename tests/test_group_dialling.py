"""Group calls through the emulator: screening, pacing, opt-out, retry, account limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline import groupcalls
from hotline.emulator import Answers, Emulator, FakeTwilio, NoAnswer, PersonalVoicemail, PhoneBook
from hotline.models import (
    GroupPreference,
    LegKind,
    LegOutcome,
    LegStatus,
    Person,
    PersonGroup,
)
from tests.callback_helpers import install_fake
from tests.factories import structure
from tests.group_helpers import (
    GRACE,
    JEAN,
    follow_simulated_time,
    legs,
    participant,
    room_of,
    series,
    start_now,
)
from tests.inbound_helpers import CAMILLE, DEMO_NUMBER, fr
from workers import group_jobs

pytestmark = pytest.mark.usefixtures("demo")
TITLE = "Café téléphonique"


@pytest.fixture
def fake(app: Flask, emulator: Emulator, clock: Any) -> Iterator[FakeTwilio]:
    clock.set("2026-03-05 14:00")
    twilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    yield twilio
    emulator.sim.close()  # calls left mid-session end here, not in a later test


def test_everyone_is_called_host_first_and_joins_only_after_pressing_1(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:60 hangup")
    phones[JEAN] = Answers(press="1 wait:40 hangup")
    phones[GRACE] = PersonalVoicemail(pickup_seconds=2)
    group = start_now(session)
    placed = fake.run_pending()

    assert [c.to for c in placed] == [CAMILLE, JEAN, GRACE]
    assert {c.from_ for c in placed} == {DEMO_NUMBER}
    screen = fr("group_screen", structure="Atelier Demo Insertion", title=TITLE)
    assert screen in placed[1].log.heard_text
    room = room_of(emulator, group)
    assert {p.number for p in room.history} == {CAMILLE, JEAN}  # the voicemail never joins
    assert group.conference_name.startswith("gc-")
    assert TITLE not in room.friendly_name
    labels = {c["ParticipantLabel"] for c in room.callbacks("participant-join")}
    assert labels == {"p1", "p2"}
    grace = participant(session, group.id, GRACE)
    assert (grace.status, grace.first_joined_at) == (LegStatus.RETRY, None)
    first, retry = legs(session, grace.id)
    assert (first.outcome, retry.kind) == (LegOutcome.NO_KEY, LegKind.RETRY)


def test_thirty_participants_at_one_call_per_second_take_at_least_29_seconds(
    session: Any, fake: FakeTwilio, phones: PhoneBook, app: Flask
) -> None:
    structure_id = structure(session).id
    group = session.scalars(select(PersonGroup)).one()
    for n in range(28):
        person = Person(
            structure_id=structure_id, key=f"x-{n:02}", name=f"X {n}", phone_e164=f"+3361000{n:04}"
        )
        session.add(person)
        group.members.append(person)
    session.flush()
    series(session).hosts = []  # 30 invitees exactly: Jean, Grace and 28 others
    for number in [JEAN, GRACE] + [f"+3361000{n:04}" for n in range(28)]:
        phones[number] = NoAnswer()
    waits = follow_simulated_time(app, fake.emulator, app.config["CLOCK"].__self__.clock)
    group_session = start_now(session)

    placed_at = sorted(
        leg.placing_at for p in group_session.participants for leg in p.legs if leg.placing_at
    )
    assert len(placed_at) == 30
    assert (placed_at[-1] - placed_at[0]).total_seconds() >= 29
    assert sum(waits) >= 29
    placed = fake.run_pending()
    assert len({c.to for c in placed}) == 30


def test_pressing_9_stops_the_calls_for_this_series_and_says_so(
    session: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:30 hangup")
    phones[JEAN] = Answers(press="9")
    group = start_now(session)
    placed = fake.run_pending()
    assert fr("group_opted_out") in placed[1].log.heard_text
    jean = participant(session, group.id, JEAN)
    assert jean.status is LegStatus.OPTED_OUT
    assert [leg.kind for leg in legs(session, jean.id)] == [LegKind.DIAL]  # no retry
    preference = session.scalars(select(GroupPreference)).one()
    assert (preference.person_id, preference.calls_off_at is not None) == (jean.person_id, True)
    invited = [i.phone_e164 for i in groupcalls.invitees(session, series(session))]
    assert invited == [CAMILLE, GRACE]


def test_an_unanswered_participant_is_called_once_more_after_the_delay(
    session: Any, fake: FakeTwilio, phones: PhoneBook, clock: Any, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:900 hangup")
    phones[JEAN] = NoAnswer()
    phones[GRACE] = Answers(press="1 wait:60 hangup")
    group = start_now(session)
    fake.run_pending()
    jean = participant(session, group.id, JEAN)
    first, retry = legs(session, jean.id)
    assert retry.dial_at - first.ended_at == timedelta(minutes=5)
    assert groupcalls.due_legs(session, retry.dial_at - timedelta(seconds=1)) == []
    assert groupcalls.due_legs(session, retry.dial_at) == [retry.id]
    phones[JEAN] = Answers(press="1 wait:30 hangup")
    group_jobs.place_group_leg(retry.id)
    group_jobs.place_group_leg(retry.id)  # a second run rings nobody
    placed = fake.run_pending()
    assert [c.to for c in placed] == [JEAN]
    jean = participant(session, group.id, JEAN)
    assert jean.first_joined_at is not None
    assert len(legs(session, jean.id)) == 2


def test_a_retry_that_is_not_answered_either_is_the_last(
    session: Any, fake: FakeTwilio, phones: PhoneBook, clock: Any, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:900 hangup")
    phones[JEAN] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    retry = legs(session, participant(session, group.id, JEAN).id)[1]
    group_jobs.place_group_leg(retry.id)
    fake.run_pending()
    jean = participant(session, group.id, JEAN)
    assert jean.status is LegStatus.NOT_REACHED
    assert len(legs(session, jean.id)) == 2


@pytest.fixture
def limited(app: Flask, phones: PhoneBook, clock: Any) -> Iterator[FakeTwilio]:
    """An account without an approved profile: two simultaneous calls at most."""
    from hotline.config import DEV_ACCOUNT_SID
    from hotline.emulator import WsgiTransport
    from tests.conftest import BASE_URL, DEV_AUTH_TOKEN

    clock.set("2026-03-05 14:00")
    emulator = Emulator(
        WsgiTransport(app),
        BASE_URL,
        DEV_AUTH_TOKEN,
        account_sid=DEV_ACCOUNT_SID,
        phones=phones,
        clock=clock,
        max_concurrent_calls=2,
    )
    fake = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    yield fake
    emulator.sim.close()


def test_an_account_limit_refusal_is_told_to_the_host_in_french(
    session: Any, limited: FakeTwilio, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:30 hangup")
    phones[JEAN] = Answers(press="1 wait:30 hangup")
    group = start_now(session)
    placed = limited.run_pending()

    grace = participant(session, group.id, GRACE)
    assert grace.status is LegStatus.REFUSED
    assert "limite d'appels simultanés" in grace.failure_reason
    assert "1 personne n'a pas pu être appelée" in group.refusal
    heard = placed[0].log.heard_text  # Camille, the host
    assert fr("group_account_limit", count=1) in heard


def test_a_host_already_in_the_room_hears_the_refusal_as_an_announcement(
    session: Any, limited: FakeTwilio, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:300 hangup", pickup_seconds=2)
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    group = start_now(session)
    limited.advance(60)  # the host is in; the refusal happened before she joined
    session.expire_all()
    assert groupcalls.tell_host_of_refusal(group)
    limited.run_pending()
    (host,) = [log for log in limited.emulator.call_logs if log.to == CAMILLE]
    announced = host.heard_text
    assert announced.count(fr("group_account_limit", count=1)) == 2  # on joining, then announced


def test_a_start_job_killed_mid_dialling_never_rings_anyone_twice(
    session: Any, fake: FakeTwilio, phones: PhoneBook, clock: Any
) -> None:
    """A worker killed after claiming a leg, before the provider answered: the re-run start
    job places the others and leaves that one (the host may redial it)."""
    phones[CAMILLE] = Answers(press="1 wait:60 hangup")
    phones[JEAN] = Answers(press="1 wait:30 hangup")
    phones[GRACE] = Answers(press="1 wait:30 hangup")
    cafe = series(session)
    group = groupcalls.start_now(session, structure(session).id, cafe.id, clock())
    session.commit()
    legs_ids = groupcalls.start_session(session, group.id, clock())
    assert groupcalls.claim_leg(session, legs_ids[0], clock()) is not None  # then killed
    session.commit()

    assert group_jobs.start_group_session(group.id) == 2
    assert group_jobs.start_group_session(group.id) == 0  # and once more: nobody again
    placed = fake.run_pending()
    assert sorted(c.to for c in placed) == sorted([JEAN, GRACE])
    camille = participant(session, group.id, CAMILLE)
    assert camille.status is LegStatus.CALLING  # until the sweep says what happened
    clock.instant += timedelta(minutes=3)
    assert groupcalls.close_lost_legs(session, clock()) == 1
    assert participant(session, group.id, CAMILLE).failure_reason.startswith("L'appel a peut-être")
