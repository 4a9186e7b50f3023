"""Group calls in the room: dial-in (offer, PIN, locked), the `*` menu, host controls,
attendance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline import groupcalls
from hotline.emulator import Answers, Emulator, FakeTwilio, NoAnswer, PhoneBook, ScriptedCaller
from hotline.models import (
    GroupAttendanceEvent,
    GroupParticipant,
    LegStatus,
    OutboxJob,
    ParticipantRole,
    SessionStatus,
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
from tests.inbound_helpers import CALLER, CAMILLE, DEMO_NUMBER, FRENCH, fr
from workers import group_jobs

pytestmark = pytest.mark.usefixtures("demo")
PIN = "2604"  # the café's PIN in the demo file


@pytest.fixture
def fake(app: Flask, emulator: Emulator, clock: Any) -> Iterator[FakeTwilio]:
    clock.set("2026-03-05 14:00")
    twilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    yield twilio
    emulator.sim.close()  # calls left mid-session end here, not in a later test


@pytest.fixture
def running(session: Any, fake: FakeTwilio, phones: PhoneBook) -> Any:
    """The café running: Camille (host) in the room for ten minutes, Jean and Grace missed."""
    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = NoAnswer()
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)
    return group


def test_anyone_joins_a_running_session_with_its_pin_from_the_menu(
    session: Any, running: Any, emulator: Emulator
) -> None:
    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# wait:30 hangup")
    )
    assert fr("group_joining") in log.heard_text
    assert CALLER in {p.number for p in room_of(emulator, running).history}
    guest = session.scalars(
        select(GroupParticipant).where(GroupParticipant.role == ParticipantRole.GUEST)
    ).one()
    assert guest.phone_e164 is None  # a guest's number is not kept
    assert guest.first_joined_at is not None


def test_three_wrong_pins_lead_back_to_the_menu(running: Any, emulator: Emulator) -> None:
    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 1111# 2222# 3333# hangup")
    )
    assert len(log.search_heard(fr("group_pin_wrong"))) == 2
    heard = log.heard_text
    assert heard.index(fr("group_pin_gave_up")) < heard.rindex(fr("main_menu_intro"))
    assert CALLER not in {p.number for p in room_of(emulator, running).history}


def test_a_locked_session_refuses_dial_ins_politely(
    session: Any, running: Any, emulator: Emulator
) -> None:
    groupcalls.lock_session(session, structure(session).id, running.id, True)
    session.commit()
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# hangup"))
    assert fr("group_locked") in log.heard_text
    assert CALLER not in {p.number for p in room_of(emulator, running).history}


def test_a_known_participant_calling_in_is_offered_the_session_first(
    session: Any, running: Any, emulator: Emulator
) -> None:
    log = emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller("1 wait:30 hangup"))
    heard = log.heard_text
    assert heard.startswith(fr("group_offer", title="Café téléphonique"))
    assert fr("welcome", structure="Atelier Demo Insertion") not in heard
    jean = participant(session, running.id, JEAN)
    assert jean.first_joined_at is not None
    assert jean.status is LegStatus.LEFT


def test_declining_the_offer_leads_to_the_usual_welcome(running: Any, emulator: Emulator) -> None:
    log = emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller("2 hangup"))
    assert fr("welcome", structure="Atelier Demo Insertion") in log.heard_text


def test_star_opens_the_keypad_menu_and_returns_with_the_new_mute_state(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:120 hangup")
    phones[JEAN] = Answers(press="1 wait:20 * 2 1 wait:20 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    placed = fake.run_pending()
    heard = placed[1].log.heard_text
    assert fr("group_keypad_menu") in heard
    assert fr("group_host_menu") not in heard  # host keys are the host's only
    assert fr("group_count_one") in heard or fr("group_count", count=2) in heard
    assert fr("group_muted") in heard
    joins = [
        c
        for c in room_of(emulator, group).callbacks("participant-join")
        if c["CallSid"] == placed[1].sid
    ]
    assert [c["Muted"] for c in joins] == ["false", "true"]
    assert participant(session, group.id, JEAN).muted


def test_the_hosts_keypad_locks_and_ends_the_session(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:20 * 4 wait:10 * 6")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    placed = fake.run_pending()
    heard = placed[0].log.heard_text
    assert fr("group_host_menu") in heard
    assert fr("group_locked_now") in heard
    assert fr("group_ended_by_host") in heard
    session.expire_all()
    assert group.status is SessionStatus.ENDED
    assert group.locked
    job = session.scalars(select(OutboxJob).where(OutboxJob.job_id == f"group-end-{group.id}"))
    assert job.one()
    group_jobs.end_group_room(group.id)
    fake.run_pending()
    assert room_of(emulator, group).status == "completed"
    assert not participant(session, group.id, JEAN).in_room


def test_host_controls_mute_remove_redial_lock_and_end_through_the_gateway(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:900 hangup")
    phones[JEAN] = Answers(press="1 wait:900 hangup")
    phones[GRACE] = Answers(press="1 wait:900 hangup")
    group = start_now(session)
    fake.advance(60)
    structure_id = structure(session).id
    jean = participant(session, group.id, JEAN)
    grace = participant(session, group.id, GRACE)

    groupcalls.mute_participant(session, structure_id, jean.id, True)
    session.commit()
    fake.advance(5)
    assert participant(session, group.id, JEAN).muted
    room = room_of(emulator, group)
    assert [c["Muted"] for c in room.callbacks("participant-mute")] == ["true"]

    groupcalls.remove_participant(session, structure_id, grace.id)
    session.commit()
    fake.advance(5)
    grace = participant(session, group.id, GRACE)
    assert (grace.in_room, grace.status) == (False, LegStatus.LEFT)

    leg_id = groupcalls.redial_participant(session, structure_id, grace.id, emulator.now())
    session.commit()
    group_jobs.place_group_leg(leg_id)
    fake.advance(60)
    assert participant(session, group.id, GRACE).in_room

    assert groupcalls.mute_all(session, structure_id, group.id) == 1  # Grace; Jean already
    groupcalls.lock_session(session, structure_id, group.id, True)
    groupcalls.end_session(session, structure_id, group.id, emulator.now())
    session.commit()
    fake.run_pending()
    assert room_of(emulator, group).status == "completed"
    state = groupcalls.live_state(session, structure_id, group.id, emulator.now())
    assert (state.status, state.locked) == ("ended", True)
    assert all(p.state != "in_room" for p in state.participants)


def test_the_live_state_shows_who_is_in_waiting_and_not_reached(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:900 hangup", pickup_seconds=20)
    phones[JEAN] = Answers(press="1 wait:900 hangup", pickup_seconds=2)
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(30)
    state = groupcalls.live_state(session, structure(session).id, group.id, emulator.now())
    by_name = {p.name: p.state for p in state.participants}
    assert by_name["Jean Martin"] == "waiting"  # in, but the host is not there yet
    fake.advance(120)
    state = groupcalls.live_state(session, structure(session).id, group.id, emulator.now())
    by_name = {p.name: p.state for p in state.participants}
    assert by_name["Jean Martin"] == "in_room"
    assert by_name["Grace Okafor"] in ("retry", "calling")
    assert state.version > 0


def test_attendance_totals_and_leave_reasons_are_recorded_once(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    summary = groupcalls.session_summary(session, structure(session).id, group.id)
    assert (summary.invited, summary.reached, summary.joined) == (3, 2, 2)
    rows = {r.name: r for r in summary.rows}
    assert rows["Jean Martin"].minutes == 5
    assert rows["Jean Martin"].leave_reason == "participant_hung_up"
    assert rows["Jean Martin"].call_status == "completed"
    assert rows["Jean Martin"].left_early
    assert not rows["Grace Okafor"].joined
    assert summary.minutes >= 14

    # The provider retries a callback: nothing is counted twice.
    callback = room_of(emulator, group).callbacks("participant-leave")[0]
    emulator.post(f"/voice/group/conference?session={group.id}", callback)
    again = groupcalls.session_summary(session, structure(session).id, group.id)
    assert again.minutes == summary.minutes


def test_others_wait_with_the_hold_message_and_the_host_leaving_may_end_it(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    cafe = series(session)
    cafe.hold_message = "Camille arrive, restez en ligne."
    cafe.end_on_host_exit = True
    session.commit()
    phones[CAMILLE] = Answers(press="1 wait:20 * 3 wait:40 hangup", pickup_seconds=20)
    phones[JEAN] = Answers(press="1", pickup_seconds=2, talk_seconds=900)  # stays to the end
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(100)  # Camille came and opened her * menu: the room goes on without her
    session.expire_all()
    assert group.status is SessionStatus.RUNNING
    assert participant(session, group.id, JEAN).in_room
    fake.advance(60)  # then she hung up: the session ends with her
    session.expire_all()
    assert group.status is SessionStatus.ENDED
    group_jobs.end_group_room(group.id)  # the job her hang-up queued (the room may be over)
    fake.run_pending()
    (jean,) = [log for log in emulator.call_logs if log.to == JEAN]
    assert "Camille arrive, restez en ligne." in jean.heard_text
    assert fr("group_session_over") in jean.heard_text  # the Dial's action: it is over
    job = session.scalars(select(OutboxJob).where(OutboxJob.job_id == f"group-end-{group.id}"))
    assert job.one()


def test_odd_conference_callback_values_are_stored_not_failed(
    session: Any, running: Any, emulator: Emulator
) -> None:
    form = {
        "ConferenceSid": "CF" + "a" * 32,
        "FriendlyName": running.conference_name,
        "StatusCallbackEvent": "participant-mute",
        "SequenceNumber": "²",
        "Timestamp": "Tue, 04 Aug 2026 15:09:40 -0000",  # RFC 2822 "unknown zone": naive
        "CallSid": "CA" + "b" * 32,
        "Muted": "true",
    }
    response = emulator.post(f"/voice/group/conference?session={running.id}", form)
    assert response.status == 204
    again = emulator.post(f"/voice/group/conference?session={running.id}", form)
    assert again.status == 204
    stored = session.scalars(
        select(GroupAttendanceEvent).where(
            GroupAttendanceEvent.conference_sid == form["ConferenceSid"]
        )
    ).all()
    assert [(e.sequence, e.at.hour) for e in stored] == [(0, 15)]


def test_conference_ids_no_column_can_hold_are_refused_or_left_out(
    session: Any, running: Any, emulator: Emulator
) -> None:
    """A ConferenceSid too long for its column is no conference of ours; a CallSid too long
    is left out of the event (PostgreSQL refused the whole row: a failed callback)."""
    form = {
        "ConferenceSid": "9" * 1000,
        "FriendlyName": running.conference_name,
        "StatusCallbackEvent": "participant-mute",
        "SequenceNumber": "1",
        "CallSid": "9" * 1000,
        "Muted": "true",
    }
    url = f"/voice/group/conference?session={running.id}"
    assert emulator.post(url, form).status == 204
    assert emulator.post(url, {**form, "ConferenceSid": "CF" + "c" * 32}).status == 204
    stored = session.scalars(
        select(GroupAttendanceEvent).where(GroupAttendanceEvent.session_id == running.id)
    ).all()
    assert [(e.conference_sid, e.call_sid) for e in stored if e.sequence == 1] == [
        ("CF" + "c" * 32, "")
    ]


def test_a_leg_status_with_a_call_sid_no_leg_can_have_changes_nothing(
    session: Any, running: Any, emulator: Emulator
) -> None:
    """Longer than the column: no leg of ours has it (PostgreSQL refused to store it), even
    a leg whose own CallSid never came back from the provider."""
    camille = participant(session, running.id, CAMILLE)
    (leg,) = legs(session, camille.id)
    leg.call_sid = None
    session.commit()
    before = (leg.call_sid, leg.call_status, leg.ended_at)
    url = f"/voice/group/leg-status?session={running.id}&leg={leg.id}"
    response = emulator.post(url, {"CallSid": "9" * 1000, "CallStatus": "completed"})
    assert response.status == 204
    (leg,) = legs(session, camille.id)
    assert (leg.call_sid, leg.call_status, leg.ended_at) == before


def test_every_join_path_sets_the_same_status_callback_events(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    """Twilio keeps the first participant's statusCallbackEvent for the whole room."""
    phones[CAMILLE] = Answers(press="1 wait:20 * 3 wait:600 hangup")  # dialled, * and back
    phones[JEAN] = NoAnswer()
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)
    emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller("1 wait:20 hangup"))  # the offer
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# wait:20 hangup"))
    rooms = [
        r for r in emulator.conferences.by_sid.values() if r.friendly_name == group.conference_name
    ]
    history = [p for room in rooms for p in room.history]  # Camille alone left an empty room
    assert {p.number for p in history} == {CAMILLE, JEAN, CALLER}
    assert len(history) == 4  # Camille twice: before and after her * menu
    assert {p.spec.status_callback_events for p in history} == {
        frozenset({"start", "end", "join", "leave", "mute"})
    }


def test_erasing_a_person_removes_their_places_in_group_calls(
    session: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    from hotline import retention
    from hotline.models import GroupPreference, Structure

    phones[CAMILLE] = Answers(press="1 wait:30 hangup")
    phones[JEAN] = Answers(press="9")
    phones[GRACE] = NoAnswer()
    start_now(session)
    fake.run_pending()
    demo = session.scalars(select(Structure)).one()
    subject = retention.find_subject(session, demo, key="p-001")
    retention.erase_subject(session, subject, staff_id=None, now=demo.updated_at)
    session.flush()
    phones_kept = session.scalars(select(GroupParticipant.phone_e164)).all()
    assert JEAN not in phones_kept
    assert GRACE in phones_kept
    assert session.scalars(select(GroupPreference)).all() == []
