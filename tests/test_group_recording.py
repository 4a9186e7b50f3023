"""Recording a group call: only with a purpose, announced on every way in, objection honoured.

A recorded series says why and for how long before anyone enters; pressing 2 objects, and the
objector listens with the microphone off for the whole session (neither the keypad nor the
host can open it). The provider's recording callback makes one row, however often it comes;
the coordinator listens through the app (each listen in the audit log); a sweep deletes the
file at the provider once its retention is over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hotline import groupcalls
from hotline.emulator import Answers, Emulator, FakeTwilio, NoAnswer, PhoneBook, ScriptedCaller
from hotline.groupcalls.errors import GroupCallError
from hotline.models import AuditAction, AuditEntry, GroupRecording, OutboxJob
from hotline.voice.render_group import Room, room
from tests.callback_helpers import install_fake
from tests.factories import structure
from tests.group_helpers import (
    GRACE,
    JEAN,
    follow_simulated_time,
    participant,
    room_of,
    series,
    start_now,
)
from tests.inbound_helpers import CALLER, CAMILLE, DEMO_NUMBER, FRENCH, en, fr
from workers import group_jobs, sweeps

pytestmark = pytest.mark.usefixtures("demo")
PIN = "2604"  # the café's PIN in the demo file
NOTICE = fr("group_recording_notice", purpose="la formation", days=30)
ENGLISH = "2"


@pytest.fixture
def camille_hosting(session: Any, fake: FakeTwilio, phones: PhoneBook) -> Any:
    """The recorded café running: Camille (host) in the room ten minutes, the others missed."""
    phones[CAMILLE] = Answers(press="1 - wait:600 hangup")
    phones[JEAN] = NoAnswer()
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)
    return group


@pytest.fixture
def fake(app: Flask, emulator: Emulator, clock: Any, session: Any) -> Iterator[FakeTwilio]:
    clock.set("2026-03-05 14:00")
    cafe = series(session)
    cafe.recording, cafe.recording_purpose, cafe.recording_days = True, "formation", 30
    session.commit()
    twilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    yield twilio
    emulator.sim.close()


def recorded_once(session: Any, fake: FakeTwilio, phones: PhoneBook) -> GroupRecording:
    """A session where Camille and Jean talk a minute: its one recording, kept."""
    phones[CAMILLE] = Answers(press="1 - wait:90 hangup")
    phones[JEAN] = Answers(press="1 - wait:60 hangup")
    phones[GRACE] = NoAnswer()
    start_now(session)
    fake.run_pending()
    session.expire_all()
    return session.scalars(select(GroupRecording)).one()


def test_everyone_hears_why_it_is_recorded_and_an_objector_stays_muted(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:60 hangup")  # host: no key, enters as announced
    phones[JEAN] = Answers(press="1 2 wait:30 hangup")  # objects
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()

    camille_log = next(c.log for c in fake.calls.values() if c.to == CAMILLE)
    jean_log = next(c.log for c in fake.calls.values() if c.to == JEAN)
    for log in (camille_log, jean_log):
        assert NOTICE in log.heard_text
    assert fr("group_recording_objected") in jean_log.heard_text
    assert fr("group_recording_objected") not in camille_log.heard_text
    jean, camille = participant(session, group.id, JEAN), participant(session, group.id, CAMILLE)
    assert (jean.recording_objection, jean.muted) == (True, True)
    assert (camille.recording_objection, camille.muted) == (False, False)
    in_room = {p.number: p for p in room_of(emulator, group).history}
    assert in_room[JEAN].spec.muted
    assert in_room[JEAN].spec.record == "record-from-start"  # the same on every join


def test_the_recording_is_kept_once_with_its_purge_date(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator, clock: Any
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:90 hangup")
    phones[JEAN] = Answers(press="1 - wait:60 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    session.expire_all()

    [kept] = session.scalars(select(GroupRecording)).all()
    assert kept.session_id == group.id
    assert kept.purpose == "formation"
    assert kept.duration_seconds > 0
    assert kept.purge_after - kept.created_at == timedelta(days=30)
    assert kept.recording_sid in emulator.recordings
    [callback] = [r for r in room_of(emulator, group).requests if "RecordingSid" in r.params]
    assert room_of(emulator, group).recording_callbacks() == [callback.params]
    again = emulator.post(callback.url, callback.params)  # the provider retries it
    assert again.status == 204
    session.expire_all()
    assert len(session.scalars(select(GroupRecording)).all()) == 1


def test_a_caller_joining_with_the_pin_hears_the_notice_too(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:600 hangup")
    phones[JEAN] = NoAnswer()
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)

    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# 2 wait:30 hangup")
    )
    heard = log.heard_text
    assert heard.index(NOTICE) < heard.index(fr("group_recording_objected"))
    assert CALLER in {p.number for p in room_of(emulator, group).history}


def test_the_keypad_and_the_host_cannot_open_an_objectors_microphone(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:120 hangup")
    phones[JEAN] = Answers(press="1 2 wait:10 * 1 wait:20 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()

    jean_log = next(c.log for c in fake.calls.values() if c.to == JEAN)
    assert fr("group_recording_stays_muted") in jean_log.heard_text
    assert fr("group_unmuted") not in jean_log.heard_text
    jean = participant(session, group.id, JEAN)
    assert jean.muted
    with pytest.raises(GroupCallError, match="refusé l'enregistrement"):
        groupcalls.mute_participant(session, structure(session).id, jean.id, False)


def test_an_unrecorded_series_keeps_its_room_unrecorded() -> None:
    from hotline.voice.render import Voice
    from hotline.voice.scripts_cache import script_named

    voice = Voice(script_named("default"), "fr")
    spec = Room(1, 2, "g-1", "p-1", False, False, True, False, True, 250)
    assert "record" not in room(voice, spec).lower()
    recorded = room(voice, replace(spec, recording=True))
    assert 'record="record-from-start"' in recorded
    assert "/voice/group/recording?session=1" in recorded


def test_the_coordinator_listens_through_the_app_and_each_listen_is_logged(
    session: Any, fake: FakeTwilio, phones: PhoneBook, sign_in: Any
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:90 hangup")
    phones[JEAN] = Answers(press="1 2 wait:60 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()
    session.expire_all()
    kept = session.scalars(select(GroupRecording)).one()

    sophie = sign_in("sophie")
    page = sophie.get(f"/reunions/seances/{group.id}/presence").get_data(as_text=True)
    assert f"/reunions/seances/{group.id}/enregistrements/{kept.id}" in page
    assert "Ont refusé l'enregistrement (micro coupé) : Jean Martin" in page
    audio = sophie.get(f"/reunions/seances/{group.id}/enregistrements/{kept.id}")
    assert audio.status_code == 200
    assert audio.headers["Cache-Control"] == "no-store"
    assert session.scalars(
        select(AuditEntry).where(AuditEntry.subject == f"group-recording:{kept.id}")
    ).all()
    path = f"/reunions/seances/{group.id}/enregistrements/{kept.id}"
    assert sign_in("amina").get(path).status_code == 403
    assert sophie.get(f"{path[: -len(str(kept.id))]}{kept.id + 1}").status_code == 404


def test_the_sweep_deletes_recordings_past_their_retention_at_the_provider(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator, clock: Any
) -> None:
    kept = recorded_once(session, fake, phones)

    assert sweeps.purge_group_recordings() == 0  # not due yet
    clock.instant = kept.purge_after + timedelta(minutes=1)
    assert sweeps.purge_group_recordings() == 1
    assert kept.recording_sid not in emulator.recordings
    session.expire_all()
    assert session.get(GroupRecording, kept.id).deleted_at is not None
    assert sweeps.purge_group_recordings() == 0  # twice: nothing more


def test_a_file_asking_to_record_without_a_purpose_is_refused(load_structure: Any) -> None:
    from hotline.yamlfile import FileProblems

    def record_without_purpose(data: dict[str, Any]) -> None:
        data["group_calls"]["series"][1]["recording"] = True

    with pytest.raises(FileProblems, match="recording_purpose"):
        load_structure(record_without_purpose)

    def record_for_training(data: dict[str, Any]) -> None:
        data["group_calls"]["series"][1].update(recording=True, recording_purpose="formation")

    load_structure(record_for_training)


def test_a_known_caller_offered_the_session_hears_the_notice_before_entering(
    session: Any, camille_hosting: Any, emulator: Emulator
) -> None:
    log = emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller("1 - wait:30 hangup"))
    heard = log.heard_text
    assert heard.index(fr("group_offer", title="Café téléphonique")) < heard.index(NOTICE)
    assert fr("group_recording_objected") not in heard
    assert JEAN in {p.number for p in room_of(emulator, camille_hosting).history}
    assert participant(session, camille_hosting.id, JEAN).recording_objection is False


def test_an_english_caller_hears_the_notice_in_english(
    camille_hosting: Any, emulator: Emulator
) -> None:
    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{ENGLISH} 8 {PIN}# - wait:20 hangup")
    )
    assert en("group_recording_notice", purpose="training", days=30) in log.heard_text
    assert NOTICE not in log.heard_text


def test_star_seven_objects_later_and_the_menu_never_repeats_the_notice(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:600 hangup")
    phones[JEAN] = Answers(press="1 - wait:10 * 3 wait:10 * 7 wait:20 * 7 wait:10 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()

    jean_call = next(c for c in fake.calls.values() if c.to == JEAN)
    jean_log = jean_call.log
    assert len(jean_log.search_heard(NOTICE)) == 1  # said once, not on each return
    assert len(jean_log.search_heard(fr("group_recording_menu"))) == 2  # not once objected
    assert len(jean_log.search_heard(fr("group_recording_objected"))) == 1
    jean = participant(session, group.id, JEAN)
    assert (jean.recording_objection, jean.muted) == (True, True)
    joins = room_of(emulator, group).callbacks("participant-join")
    muted = [c["Muted"] for c in joins if c["CallSid"] == jean_call.sid]
    assert muted == ["false", "false", "true", "true"]  # after 7, and ever after


def test_an_unrecorded_sessions_menu_offers_no_objection(
    session: Any, fake: FakeTwilio, phones: PhoneBook
) -> None:
    series(session).recording = False
    session.commit()
    phones[CAMILLE] = Answers(press="1 wait:60 hangup")
    phones[JEAN] = Answers(press="1 wait:10 * 7 wait:10 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.run_pending()

    jean_log = next(c.log for c in fake.calls.values() if c.to == JEAN)
    assert fr("group_keypad_menu") in jean_log.heard_text
    assert fr("group_recording_menu") not in jean_log.heard_text
    assert NOTICE not in jean_log.heard_text
    assert participant(session, group.id, JEAN).recording_objection is None


def test_a_series_edited_while_its_session_runs_records_as_announced_until_the_end(
    session: Any, camille_hosting: Any, emulator: Emulator, fake: FakeTwilio
) -> None:
    cafe = series(session)
    cafe.recording, cafe.recording_days = False, 180  # changed while the room records
    session.commit()

    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# - wait:20"))
    assert NOTICE in log.heard_text  # the room still records: whoever enters is told
    guest = next(p for p in room_of(emulator, camille_hosting).history if p.number == CALLER)
    assert guest.spec.record == "record-from-start"
    fake.run_pending()
    session.expire_all()
    kept = session.scalars(select(GroupRecording)).one()
    assert kept.purge_after - kept.created_at == timedelta(days=30)  # as announced


def test_recording_turned_on_while_a_session_runs_waits_for_the_next_one(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator
) -> None:
    series(session).recording = False
    session.commit()
    phones[CAMILLE] = Answers(press="1 wait:600 hangup")
    phones[JEAN] = NoAnswer()
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(60)
    series(session).recording = True
    session.commit()

    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} 8 {PIN}# wait:20"))
    assert NOTICE not in log.heard_text
    guest = next(p for p in room_of(emulator, group).history if p.number == CALLER)
    assert guest.spec.record == "do-not-record"


def test_a_recording_already_gone_at_the_provider_counts_as_deleted(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator, clock: Any
) -> None:
    kept = recorded_once(session, fake, phones)
    del emulator.recordings[kept.recording_sid]  # deleted in Twilio's console meanwhile

    clock.instant = kept.purge_after + timedelta(minutes=1)
    assert sweeps.purge_group_recordings() == 1
    session.expire_all()
    assert session.get(GroupRecording, kept.id).deleted_at is not None


def test_a_deletion_the_provider_refuses_is_tried_again_at_the_next_sweep(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator, clock: Any
) -> None:
    kept = recorded_once(session, fake, phones)

    fake.fail_next(status=500, code=20500, resource="Recordings")
    clock.instant = kept.purge_after + timedelta(minutes=1)
    assert sweeps.purge_group_recordings() == 0
    session.expire_all()
    assert session.get(GroupRecording, kept.id).deleted_at is None
    assert kept.recording_sid in emulator.recordings
    clock.instant += timedelta(hours=1)
    assert sweeps.purge_group_recordings() == 1
    assert kept.recording_sid not in emulator.recordings


def test_a_coordinator_erases_a_recording_before_its_date(
    session: Any, fake: FakeTwilio, phones: PhoneBook, emulator: Emulator, sign_in: Any
) -> None:
    kept = recorded_once(session, fake, phones)
    group = kept.session
    listen = f"/reunions/seances/{group.id}/enregistrements/{kept.id}"

    assert sign_in("amina").post_form(f"{listen}/effacer", {}).status_code == 403
    sophie = sign_in("sophie")
    assert sophie.post_form(f"{listen}/effacer", {}).status_code == 302
    assert sophie.get(listen).status_code == 404  # never played again, even before the job
    page = sophie.get(f"/reunions/seances/{group.id}/presence").get_data(as_text=True)
    assert listen not in page
    [job] = session.scalars(
        select(OutboxJob).where(OutboxJob.job_id == f"group-recording-purge-{kept.id}")
    ).all()
    assert group_jobs.purge_group_recording(kept.id) is True
    assert group_jobs.purge_group_recording(kept.id) is True  # twice: nothing more
    assert kept.recording_sid not in emulator.recordings
    session.expire_all()
    assert session.get(GroupRecording, kept.id).deleted_at is not None
    erased = session.scalars(
        select(AuditEntry).where(AuditEntry.subject == f"group-recording:{kept.id}")
    ).all()
    assert [e.action for e in erased] == [AuditAction.ERASE]


def test_a_recording_past_its_date_is_not_played_while_the_sweep_is_late(
    session: Any, fake: FakeTwilio, phones: PhoneBook, sign_in: Any, clock: Any
) -> None:
    kept = recorded_once(session, fake, phones)
    group = kept.session

    clock.instant = kept.purge_after + timedelta(seconds=1)
    listen = f"/reunions/seances/{group.id}/enregistrements/{kept.id}"
    assert sign_in("sophie").get(listen).status_code == 404


def test_an_unsigned_recording_callback_makes_no_row(
    session: Any, app: Flask, camille_hosting: Any
) -> None:
    answer = app.test_client().post(
        f"/voice/group/recording?session={camille_hosting.id}",
        data={
            "RecordingSid": "RE" + "1" * 32,
            "RecordingUrl": "https://api.twilio.com/x",
            "RecordingStatus": "completed",
            "RecordingDuration": "10",
        },
    )
    assert answer.status_code == 403
    assert session.scalars(select(GroupRecording)).all() == []


def test_a_recording_sid_no_column_can_hold_makes_no_row(
    session: Any, emulator: Emulator, camille_hosting: Any
) -> None:
    """Longer than the column: none of ours (it was cut to 128 characters and kept)."""
    answer = emulator.post(
        f"/voice/group/recording?session={camille_hosting.id}",
        {
            "RecordingSid": "9" * 1000,
            "RecordingUrl": "https://api.twilio.com/x",
            "RecordingStatus": "completed",
            "RecordingDuration": "10",
        },
    )
    assert answer.status == 204
    assert session.scalars(select(GroupRecording)).all() == []


def test_the_live_page_shows_an_objector_muted_with_no_unmute_button(
    session: Any, fake: FakeTwilio, phones: PhoneBook, sign_in: Any
) -> None:
    phones[CAMILLE] = Answers(press="1 - wait:900 hangup")
    phones[JEAN] = Answers(press="1 2 wait:900 hangup")
    phones[GRACE] = NoAnswer()
    group = start_now(session)
    fake.advance(90)

    sophie = sign_in("sophie")
    state = sophie.get(f"/api/group-calls/sessions/{group.id}/live").get_json()
    jean = next(p for p in state["participants"] if p["name"] == "Jean Martin")
    assert (jean["state"], jean["objected"]) == ("in_room", True)
    assert jean["microphone"] == "coupé (refuse l'enregistrement)"
    assert jean["actions"] == ["remove"]
    camille = next(p for p in state["participants"] if p["role"] == "host")
    assert camille["actions"] == ["mute", "remove"]
    page = sophie.get(f"/reunions/seances/{group.id}/direct").get_data(as_text=True)
    assert "coupé (refuse l&#39;enregistrement)" in page
