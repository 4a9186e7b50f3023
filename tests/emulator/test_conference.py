"""<Dial><Conference>: start/end rules, wait music, hangupOnStar round trip, status callbacks."""

from __future__ import annotations

from hotline.emulator import ScriptedCaller, participant_summaries

from .conftest import HOTLINE, twiml

HOST = "+33611000001"
ALICE = "+33611000002"
BOB = "+33611000003"
EVENTS = "start end join leave mute hold"


def room(attrs: str = "", dial: str = "") -> str:
    return twiml(
        f'<Dial {dial}><Conference statusCallback="/conf/events" statusCallbackEvent="{EVENTS}"'
        f' waitUrl="/conf/wait" {attrs}>salle-1</Conference></Dial>',
        "<Say>Au revoir.</Say>",
    )


def incoming(form: dict[str, str]) -> str:
    if form["From"] == HOST:
        return room('startConferenceOnEnter="true" endConferenceOnExit="true"')
    return room('startConferenceOnEnter="false"', 'hangupOnStar="true" action="/conf/menu"')


def menu(form: dict[str, str]) -> str:
    return twiml(
        '<Gather numDigits="1" action="/conf/menu-choice">',
        "<Say>Tapez 1 pour couper votre micro, 2 pour revenir.</Say>",
        "</Gather>",
    )


def menu_choice(form: dict[str, str]) -> str:
    muted = "true" if form.get("Digits") == "1" else "false"
    return room(f'muted="{muted}" startConferenceOnEnter="false"', 'hangupOnStar="true"')


ROUTES = {
    "/voice/incoming": incoming,
    "/conf/wait": twiml("<Say>Merci de patienter.</Say>", '<Pause length="10"/>'),
    "/conf/menu": menu,
    "/conf/menu-choice": menu_choice,
}


def test_room_waits_for_the_host_then_ends_when_the_host_leaves(make_app, make_emulator):
    app = make_app(ROUTES)
    emulator = make_emulator(app, seed=3)
    alice = emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:300 hangup"))
    host = emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:60 hangup"), delay=20)
    emulator.sim.run_until_idle()

    conf = emulator.conferences.get("salle-1")
    events = [f["StatusCallbackEvent"] for f in app.forms("/conf/events")]
    assert events == [
        "participant-join",
        "participant-join",
        "conference-start",
        "participant-leave",
        "participant-leave",
        "conference-end",
    ]
    assert alice.log.heard[:2] == [
        "Merci de patienter.",
        "[pause 10 s]",
    ]
    # dropped with the room, her call goes on to the <Dial> action
    assert "Tapez 1 pour couper votre micro, 2 pour revenir." in alice.log.heard
    assert "[bip : arrivée dans la conférence]" in alice.log.heard
    join = app.forms("/conf/events")[0]
    assert join["ConferenceSid"] == conf.sid
    assert join["FriendlyName"] == "salle-1"
    assert join["CallSid"] == alice.sid
    assert (join["Muted"], join["Hold"], join["Coaching"]) == ("false", "false", "false")
    assert (join["StartConferenceOnEnter"], join["EndConferenceOnExit"]) == ("false", "false")
    assert [f["SequenceNumber"] for f in app.forms("/conf/events")] == list("012345")
    host_leave, alice_leave, end = app.forms("/conf/events")[3:]
    assert (host_leave["CallSid"], host_leave["ReasonParticipantLeft"]) == (
        host.sid,
        "participant_hung_up",
    )
    assert alice_leave["ReasonParticipantLeft"] == "moderator_ended_conference"
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert end["CallSidEndingConference"] == host.sid
    assert conf.status == "completed"
    started = next(e for e in conf.events if e.kind == "start")
    assert started.at == 20
    assert next(e for e in conf.events if e.kind == "end").at == 80


def test_a_host_without_end_on_exit_leaves_and_the_room_goes_on(make_app, make_emulator):
    """Twilio ends a room when an endConferenceOnExit participant leaves, or the last one does:
    a startConferenceOnEnter host who hangs up does neither, so the others stay together."""

    def host_stays_optional(form: dict[str, str]) -> str:
        if form["From"] == HOST:
            return room('startConferenceOnEnter="true"')
        return room('startConferenceOnEnter="false"')

    app = make_app({**ROUTES, "/voice/incoming": host_stays_optional})
    emulator = make_emulator(app, seed=3)
    emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:300 hangup"))
    emulator.start_call(BOB, HOTLINE, ScriptedCaller("wait:300 hangup"), delay=5)
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:30 hangup"), delay=10)
    emulator.sim.run_until_idle()

    conf = emulator.conferences.get("salle-1")
    ends = [f for f in app.forms("/conf/events") if f["StatusCallbackEvent"] == "conference-end"]
    assert [f["ReasonConferenceEnded"] for f in ends] == ["last-participant-left"]
    assert next(e for e in conf.events if e.kind == "end").at >= 300  # not at the host's 40 s


def test_a_lone_participant_never_starts_the_room(make_app, make_emulator):
    app = make_app(ROUTES)
    emulator = make_emulator(app)
    emulator.place_call(HOST, HOTLINE, ScriptedCaller("wait:30 hangup"))

    conf = emulator.conferences.get("salle-1")
    assert conf.status == "completed"
    events = [f["StatusCallbackEvent"] for f in app.forms("/conf/events")]
    assert events == ["participant-join", "participant-leave"]  # no start, so no end


def test_star_leaves_for_the_keypad_menu_and_comes_back_muted(make_app, make_emulator):
    app = make_app(ROUTES)
    emulator = make_emulator(app, seed=4)
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:200 hangup"))
    alice = emulator.start_call(ALICE, HOTLINE, ScriptedCaller("wait:30 * 1 wait:20 hangup"), 1)
    emulator.sim.run_until_idle()

    menu_request = app.form("/conf/menu")
    assert menu_request["DialCallStatus"] == "completed"
    assert menu_request["CallSid"] == alice.sid
    forms = [f for f in app.forms("/conf/events") if f.get("CallSid") == alice.sid]
    assert [(f["StatusCallbackEvent"], f["Muted"]) for f in forms] == [
        ("participant-join", "false"),
        ("participant-leave", "false"),
        ("participant-join", "true"),
        ("participant-leave", "true"),
    ]
    assert forms[1]["ReasonParticipantLeft"] == "participant_hung_up"
    assert forms[1]["ParticipantCallStatus"] == "in-progress"
    assert "Tapez 1 pour couper votre micro, 2 pour revenir." in alice.log.heard
    summary = [s for s in participant_summaries(emulator.conferences.get("salle-1"))]
    assert [s.number for s in summary] == [HOST, ALICE, ALICE]
    assert summary[1].pressed == ("*", "1")  # the whole call: the room, then the menu
    text = emulator.conferences.get("salle-1").transcript()
    assert f"[00:01] + {ALICE} joins\n" in text
    assert f"[00:31]   {ALICE}: ⌨ keys in the conference: *" in text
    assert f"[00:31] - {ALICE} leaves (participant_hung_up)" in text
    assert f"[00:36] + {ALICE} joins (muted)" in text
    assert text.count("Tapez 1 pour couper") == 1


def test_duplicate_label_is_refused_and_the_call_goes_on(make_app, make_emulator):
    app = make_app(
        {
            "/voice/incoming": twiml(
                '<Dial><Conference participantLabel="animateur">salle-2</Conference></Dial>',
                "<Say>Déjà pris.</Say>",
            )
        }
    )
    emulator = make_emulator(app)
    emulator.start_call(HOST, HOTLINE, ScriptedCaller("wait:50 hangup"))
    bob = emulator.start_call(BOB, HOTLINE, ScriptedCaller("wait:50 hangup"), delay=5)
    emulator.sim.run_until_idle()

    assert bob.log.heard == ["Déjà pris."]
    assert "16025" in bob.log.transcript()


def test_a_full_room_refuses_with_16020(make_app, make_emulator):
    app = make_app(
        {
            "/voice/incoming": twiml(
                '<Dial><Conference maxParticipants="2" waitUrl="">salle-3</Conference></Dial>',
                "<Say>Complet.</Say>",
            )
        }
    )
    emulator = make_emulator(app)
    for i, number in enumerate((HOST, ALICE, BOB)):
        emulator.start_call(number, HOTLINE, ScriptedCaller("wait:50 hangup"), delay=i)
    emulator.sim.run_until_idle()

    third = emulator.call_logs[2]
    assert third.heard == ["Complet."]
    assert "16020" in third.transcript()
