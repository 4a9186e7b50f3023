"""`<Conference record="record-from-start">`: when the recording runs, its callback, its file.

Twilio (ref §1.1): recording "starts when first two participants are bridged", the wait music
is never recorded, a conference recording has one channel, and the room's settings are its
first participant's. The file is then a Recording resource like any other: fetched, served,
deleted.
"""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hotline.emulator import ScriptedCaller, emulator_client

from .conftest import ACCOUNT_SID, HOTLINE, twiml

HOST = "+33611000001"
ALICE = "+33611000002"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
RECORDED = 'record="record-from-start" recordingStatusCallback="/conf/recording"'


def room(attrs: str) -> str:
    return twiml(f'<Dial><Conference waitUrl="" {attrs}>salle-1</Conference></Dial>')


def routes(first: str, later: str) -> dict[str, object]:
    """ALICE comes first with `first`, the host later with `later` (and starts the room)."""

    def incoming(form: dict[str, str]) -> str:
        if form["From"] == HOST:
            return room(f'startConferenceOnEnter="true" endConferenceOnExit="true" {later}')
        return room(f'startConferenceOnEnter="false" {first}')

    return {"/voice/incoming": incoming}


def test_the_recording_starts_when_two_are_bridged_and_is_reported_once(make_app, make_fake):
    app = make_app(routes(RECORDED, RECORDED))
    fake = make_fake(app)
    emulator = fake.emulator
    emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:300 hangup"))
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:60 hangup"), delay=40)
    emulator.sim.run_until_idle()

    conf = emulator.conferences.get("salle-1")
    [callback] = app.forms("/conf/recording")  # signed: the fake app checks it
    assert conf.recording_callbacks() == [callback]
    sid = callback["RecordingSid"]
    assert sid.startswith("RE")
    assert (callback["AccountSid"], callback["ConferenceSid"]) == (ACCOUNT_SID, conf.sid)
    assert (callback["RecordingStatus"], callback["RecordingChannels"]) == ("completed", "1")
    assert callback["RecordingSource"] == "Conference"
    assert callback["RecordingUrl"].endswith(f"/Recordings/{sid}")
    assert callback["RecordingStartTime"]
    assert abs(int(callback["RecordingDuration"]) - 60) <= 2  # not Alice's 40 s alone
    assert sid in fake.recordings


def test_one_person_alone_is_never_recorded(make_app, make_fake):
    app = make_app(routes(RECORDED, RECORDED))
    fake = make_fake(app)
    fake.emulator.place_call(ALICE, HOTLINE, ScriptedCaller("wait:60 hangup"))

    assert app.forms("/conf/recording") == []
    assert fake.recordings == {}


def test_the_first_participants_setting_is_the_rooms(make_app, make_fake):
    app = make_app(routes("", RECORDED))  # Alice came first, unrecorded: the room is not
    fake = make_fake(app)
    emulator = fake.emulator
    emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:300 hangup"))
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:30 hangup"), delay=10)
    emulator.sim.run_until_idle()

    assert app.forms("/conf/recording") == []
    assert fake.recordings == {}


def test_a_conference_recording_is_fetched_served_and_deleted_like_any(make_app, make_fake):
    app = make_app(routes(RECORDED, RECORDED))
    fake = make_fake(app)
    emulator = fake.emulator
    emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:300 hangup"))
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:30 hangup"), delay=10)
    emulator.sim.run_until_idle()
    sid = app.form("/conf/recording")["RecordingSid"]
    conference_sid = emulator.conferences.get("salle-1").sid
    client = emulator_client(fake)

    recording = client.recordings(sid).fetch()
    assert (recording.conference_sid, recording.source) == (conference_sid, "Conference")
    assert recording.call_sid is None
    assert client.request("GET", f"{API}/Recordings/{sid}.mp3").status_code == 200
    assert client.recordings(sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        client.recordings(sid).delete()
    assert err.value.status == 404
    assert client.request("GET", f"{API}/Recordings/{sid}.mp3").status_code == 404
