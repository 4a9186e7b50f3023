"""Conferences and Participants through the real twilio client: dial-out, live controls, kicks."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hotline.emulator import Answers, NoAnswer, PersonalVoicemail, emulator_client

from .conftest import BASE_URL, HOTLINE, twiml

HOST = "+33622000001"
ALICE = "+33622000002"
BOB = "+33622000003"
EVENTS = ["start", "end", "join", "leave", "mute", "hold"]


@pytest.fixture
def app(make_app):
    return make_app({"/conf/announce": twiml("<Say>La réunion se termine dans 5 minutes.</Say>")})


@pytest.fixture
def phones():
    return {
        HOST: Answers(pickup_seconds=2, press="wait:600 hangup"),
        ALICE: Answers(pickup_seconds=3, press="wait:600 hangup"),
        BOB: NoAnswer(),
    }


@pytest.fixture
def fake(app, make_fake, phones):
    return make_fake(app, phones, seed=11)


@pytest.fixture
def client(fake):
    return emulator_client(fake)


def add(client, to, **kwargs):
    params = {
        "from_": HOTLINE,
        "to": to,
        "conference_status_callback": f"{BASE_URL}/conf/events",
        "conference_status_callback_event": EVENTS,
        "status_callback": f"{BASE_URL}/conf/leg",
    }
    return client.conferences("seance-42").participants.create(**{**params, **kwargs})


def events(app):
    return [(f["StatusCallbackEvent"], f.get("CallSid")) for f in app.forms("/conf/events")]


def test_dial_out_creates_the_room_and_joins_people(fake, client, app):
    host = add(client, HOST, label="hote", end_conference_on_exit=True)
    alice = add(client, ALICE, muted=True)
    assert (host.status, host.queue_time, alice.queue_time) == ("queued", "0", "1000")
    assert host.label == "hote"

    fake.advance(10)

    rooms = client.conferences.list(friendly_name="seance-42", status="in-progress")
    assert [r.sid for r in rooms] == [host.conference_sid]
    listed = client.conferences(host.conference_sid).participants.list()
    assert sorted(p.call_sid for p in listed) == sorted([host.call_sid, alice.call_sid])
    assert client.conferences(host.conference_sid).participants("hote").fetch().status == (
        "connected"
    )
    assert events(app) == [
        ("participant-join", host.call_sid),
        ("participant-join", alice.call_sid),
        ("conference-start", None),
    ]
    assert app.forms("/conf/events")[0]["ParticipantLabel"] == "hote"
    assert app.forms("/conf/events")[1]["Muted"] == "true"


def test_a_waiting_room_is_init_and_not_listed_as_in_progress(fake, client):
    add(client, HOST)
    fake.advance(10)

    assert client.conferences.list(status="in-progress") == []
    assert [r.status for r in client.conferences.list(friendly_name="seance-42")] == ["init"]


def test_mute_hold_announce_kick_and_end(fake, client, app):
    host = add(client, HOST, end_conference_on_exit=True)
    alice = add(client, ALICE)
    fake.advance(10)
    conf = client.conferences(host.conference_sid)

    updated = conf.participants(alice.call_sid).update(muted=True)
    assert updated.muted is True
    conf.participants(alice.call_sid).update(hold=True)
    conf.participants(alice.call_sid).update(hold=False, announce_url=f"{BASE_URL}/conf/announce")
    fake.advance(1)
    conf.participants(alice.call_sid).delete()
    fake.advance(1)

    assert [e for e, _ in events(app)][3:] == [
        "participant-mute",
        "participant-hold",
        "participant-unhold",
        "participant-leave",
    ]
    mute = app.forms("/conf/events")[3]
    assert (mute["Muted"], mute["CallSid"]) == ("true", alice.call_sid)
    kicked = app.forms("/conf/events")[-1]
    assert kicked["ReasonParticipantLeft"] == "participant_updated_via_api"
    room = fake.emulator.conferences.get(host.conference_sid)
    alice_log = room.history[1].log
    assert "La réunion se termine dans 5 minutes." in alice_log.heard
    assert fake.calls[alice.call_sid].status == "completed"  # an API participant hangs up

    conf.update(status="completed")
    fake.run_pending()
    end = app.forms("/conf/events")[-1]
    assert end["StatusCallbackEvent"] == "conference-end"
    assert end["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert app.forms("/conf/events")[-2]["ReasonParticipantLeft"] == "conference_ended_via_api"
    assert client.conferences(host.conference_sid).fetch().status == "completed"


def test_unanswered_participant_leaves_as_a_failed_add(fake, client, app):
    add(client, HOST)
    bob = add(client, BOB, timeout=15)
    fake.advance(30)

    leave = app.forms("/conf/events")[-1]
    assert (leave["StatusCallbackEvent"], leave["CallSid"]) == ("participant-leave", bob.call_sid)
    assert leave["ReasonParticipantLeft"] == "participant_add_failed"
    assert leave["ParticipantCallStatus"] == "no-answer"
    assert app.form("/conf/leg")["CallStatus"] == "no-answer"


def test_a_voicemail_joins_through_the_api_and_records_then_hangs_up(fake, client, app, phones):
    phones[BOB] = PersonalVoicemail(pickup_seconds=2, talk_seconds=40)
    fake.emulator.phones[BOB] = phones[BOB]
    add(client, HOST)
    bob = add(client, BOB)
    fake.advance(60)

    room = fake.emulator.conferences.get("seance-42")
    voicemail = next(p for p in room.history if p.call_sid == bob.call_sid)
    assert voicemail.joined_at == 3  # paced 1 s, then picked up after 2 s: it joins (no AMD)
    assert voicemail.left_at == 43
    assert voicemail.leave_reason == "participant_hung_up"


def test_participant_errors(fake, client):
    add(client, HOST, label="hote")
    with pytest.raises(TwilioRestException) as duplicate:
        add(client, ALICE, label="hote")
    with pytest.raises(TwilioRestException) as unknown:
        client.conferences("CF" + "0" * 32).participants.create(from_=HOTLINE, to=ALICE)
    with pytest.raises(TwilioRestException) as bad_event:
        add(client, ALICE, conference_status_callback_event="start end")
    assert (duplicate.value.code, unknown.value.code, bad_event.value.code) == (
        16025,
        16003,
        21626,
    )


def test_someone_who_hangs_up_midway_leaves_the_room(fake, client, app, phones):
    fake.emulator.phones[ALICE] = Answers(pickup_seconds=3, hangup_after=20)
    add(client, HOST)
    alice = add(client, ALICE)
    fake.advance(60)

    room = fake.emulator.conferences.get("seance-42")
    left = next(p for p in room.history if p.call_sid == alice.call_sid)
    assert (left.joined_at, left.left_at, left.leave_reason) == (4, 24, "participant_hung_up")
    assert fake.calls[alice.call_sid].duration == 20
