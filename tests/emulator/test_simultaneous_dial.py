"""Twilio's simultaneous-dial rule: the first leg to pick up hangs up the rest (issue 8).

Also the safe way to ring staff under that rule, as the app will do it: the caller waits in a
conference while each staff phone is called through the REST API with a press-1 screen.
"""

from __future__ import annotations

from hotline.emulator import Answers, NoAnswer, PersonalVoicemail, ScriptedCaller, emulator_client

from .conftest import BASE_URL, CALLER, HOTLINE, twiml

VOICEMAIL = "+33633000001"
SECOND = "+33633000002"
THIRD = "+33633000003"
STAFF = (VOICEMAIL, SECOND, THIRD)
SCREEN = twiml(
    '<Gather numDigits="1" action="/staff/screen-answer" timeout="5">',
    "<Say>Un appel pour la hotline. Tapez 1 pour le prendre.</Say>",
    "</Gather>",
    "<Hangup/>",
)
PHONES = {
    VOICEMAIL: PersonalVoicemail(pickup_seconds=2),
    SECOND: Answers(press="1", rings=1),
    THIRD: Answers(press="1", rings=2),
}


def dial_app(make_app):
    numbers = "".join(
        f'<Number url="/staff/screen" statusCallback="/staff/leg"'
        f' statusCallbackEvent="initiated ringing answered completed">{n}</Number>'
        for n in STAFF
    )
    return make_app(
        {
            "/voice/incoming": twiml(f'<Dial action="/voice/dial-done">{numbers}</Dial>'),
            "/staff/screen": SCREEN,
            "/staff/screen-answer": lambda f: (
                twiml() if f.get("Digits") == "1" else twiml("<Hangup/>")
            ),
            "/voice/dial-done": lambda f: twiml(f"<Say>Statut : {f['DialCallStatus']}.</Say>"),
        }
    )


def test_first_pickup_a_voicemail_cancels_the_others_and_the_screen_gets_no_key(
    make_app, make_emulator
):
    """The documented rule is the default: nobody has to ask for it."""
    app = dial_app(make_app)
    emulator = make_emulator(app, PHONES)
    assert emulator.simultaneous_dial == "first-pickup"
    log = emulator.place_call(CALLER, HOTLINE)

    voicemail, second, third = log.legs
    assert (voicemail.answered, voicemail.pressed, voicemail.bridged) == (True, [], False)
    assert (second.status, third.status) == ("canceled", "canceled")
    assert (second.answered, third.answered) == (False, False)
    # the other legs were hung up before the voicemail's screen was even requested
    order = [
        (r.url.rsplit("/", 1)[-1], r.params.get("To"), r.params.get("CallStatus"))
        for r in log.requests
        if "/staff/" in r.url
    ]
    screen_at = order.index(("screen", VOICEMAIL, "in-progress"))
    cancels = [i for i, o in enumerate(order) if o[2] == "canceled"]
    assert len(cancels) == 2
    assert max(cancels) < screen_at
    assert log.heard == ["Statut : no-answer."]  # nobody was bridged although two were free


def test_first_pickup_a_human_who_presses_1_is_bridged(make_app, make_emulator):
    """The rule hangs up the others, not the one who picked up: a screen it passes bridges."""
    app = dial_app(make_app)
    phones = {**PHONES, VOICEMAIL: NoAnswer()}
    log = make_emulator(app, phones).place_call(CALLER, HOTLINE)

    assert log.legs[1].bridged
    assert (log.legs[0].status, log.legs[2].status) == ("canceled", "canceled")
    assert log.heard == ["Statut : completed."]


def test_first_accept_the_lenient_reading_only_on_request(make_app, make_emulator):
    app = dial_app(make_app)
    log = make_emulator(app, PHONES, simultaneous_dial="first-accept").place_call(CALLER, HOTLINE)

    assert log.legs[1].bridged
    assert log.legs[2].status == "canceled"
    assert log.heard == ["Statut : completed."]


def test_ringing_staff_through_a_conference_survives_a_voicemail(
    make_app, make_emulator, make_fake
):
    """The documented rule holds, and still the caller talks to the second staff member."""
    box: dict[str, object] = {}

    def incoming(form):
        client = box["client"]
        for number in STAFF:
            call = client.calls.create(
                to=number,
                from_=HOTLINE,
                url=f"{BASE_URL}/staff/screen",
                timeout=20,
            )
            box.setdefault("legs", []).append(call.sid)
        return twiml(
            "<Say>Nous cherchons quelqu'un pour vous répondre.</Say>",
            '<Dial action="/voice/after"><Conference waitUrl="" beep="false"'
            ' endConferenceOnExit="true">appel-1</Conference></Dial>',
        )

    def screen_answer(form):
        if form.get("Digits") != "1":
            return twiml("<Hangup/>")
        client = box["client"]
        for sid in box["legs"]:
            if sid != form["CallSid"] and client.calls(sid).fetch().status in (
                "queued",
                "ringing",
            ):
                client.calls(sid).update(status="canceled")
        return twiml('<Dial><Conference beep="false">appel-1</Conference></Dial>')

    app = make_app(
        {
            "/voice/incoming": incoming,
            "/staff/screen": SCREEN,
            "/staff/screen-answer": screen_answer,
            "/voice/after": twiml("<Hangup/>"),
        }
    )
    phones = {
        VOICEMAIL: PersonalVoicemail(pickup_seconds=2),
        SECOND: Answers(press=("1", "wait:60", "hangup"), pickup_seconds=6),
        THIRD: NoAnswer(),
    }
    fake = make_fake(app, phones, simultaneous_dial="first-pickup", seed=5)
    fake.autodispatch = True  # the calls the webhook creates ring while the caller waits
    box["client"] = emulator_client(fake)
    log = fake.emulator.place_call(CALLER, HOTLINE, ScriptedCaller("wait:300 hangup"))
    fake.run_pending()

    room = fake.emulator.conferences.get("appel-1")
    assert [p.number for p in room.history] == [CALLER, SECOND]
    voicemail = fake.calls[box["legs"][0]].log
    assert voicemail.ended_by == "hangup-verb"  # the screen hung up on it: it never joined
    assert fake.calls[box["legs"][2]].status == "canceled"
    assert log.ended_by == "caller-hangup"  # after talking, alone in the room
    second = next(p for p in room.history if p.number == SECOND)
    assert second.joined_at == 12  # paced 1 s + rings 6 s + the screen
