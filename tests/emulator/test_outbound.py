"""Calls placed through the REST API: ringing, answering, TwiML on the callee's leg, bridging."""

from __future__ import annotations

import pytest

from hotline.emulator import (
    Answers,
    Busy,
    Fails,
    NoAnswer,
    PersonalVoicemail,
    TwimlError,
    emulator_client,
)

from .conftest import BASE_URL, CALLER, HOTLINE, twiml

STAFF = "+33611111111"
ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]

# Click-to-call: the staff member is called first, accepts with 1, then the caller is dialed.
START = twiml(
    '<Gather numDigits="1" action="/outbound/accept" timeout="5">',
    "<Say>Rappel de Marie, demandé à 10 h. Tapez 1 pour appeler.</Say>",
    "</Gather>",
    "<Hangup/>",
)


def accept(form: dict[str, str]) -> str:
    if form.get("Digits") != "1":
        return twiml("<Say>Rappel annulé.</Say>", "<Hangup/>")
    return twiml(
        "<Say>Mise en relation.</Say>",
        f'<Dial callerId="{HOTLINE}" action="/outbound/dialed">',
        f'<Number statusCallback="/outbound/leg-status">{CALLER}</Number>',
        "</Dial>",
    )


ROUTES = {
    "/outbound/start": START,
    "/outbound/accept": accept,
    "/outbound/dialed": lambda form: twiml(f"<Say>Fin : {form['DialCallStatus']}.</Say>"),
}


def place(make_app, make_fake, phones, routes=ROUTES, **kwargs):
    """Create one call through the real client, run it; return (app, fake, call record)."""
    app = make_app(routes)
    fake = make_fake(app, phones)
    params = {
        "to": STAFF,
        "from_": HOTLINE,
        "url": f"{BASE_URL}/outbound/start",
        "status_callback": f"{BASE_URL}/outbound/status",
        "status_callback_event": ALL_EVENTS,
        **kwargs,
    }
    sid = emulator_client(fake).calls.create(**params).sid
    fake.run_pending()
    return app, fake, fake.calls[sid]


def test_click_to_call_bridges_staff_then_caller(make_app, make_fake):
    phones = {STAFF: Answers(press="1"), CALLER: Answers(press="")}
    app, fake, call = place(make_app, make_fake, phones)

    assert call.status == "completed"
    assert call.log.heard == [
        "Rappel de Marie, demandé à 10 h. Tapez 1 pour appeler.",
        "Mise en relation.",
        "Fin : completed.",
    ]
    (caller_leg,) = call.log.legs
    assert (caller_leg.number, caller_leg.answered, caller_leg.bridged) == (CALLER, True, True)
    start = app.form("/outbound/start")
    assert (start["Direction"], start["CallStatus"], start["From"], start["To"]) == (
        "outbound-api",
        "in-progress",
        HOTLINE,
        STAFF,
    )
    assert app.form("/outbound/accept")["Digits"] == "1"
    leg_status = app.form("/outbound/leg-status")
    assert (leg_status["To"], leg_status["ParentCallSid"]) == (CALLER, call.sid)
    assert app.form("/outbound/dialed")["DialCallSid"] == caller_leg.call_sid


def test_status_callbacks_are_signed_and_ordered(make_app, make_fake):
    app, fake, call = place(make_app, make_fake, {STAFF: Answers(), CALLER: Answers()})

    forms = app.forms("/outbound/status")  # the fake app refuses unsigned requests
    assert [(f["CallStatus"], f["SequenceNumber"]) for f in forms] == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ]
    assert {f["CallSid"] for f in forms} == {call.sid}
    assert all(f["CallbackSource"] == "call-progress-events" for f in forms)
    assert all(f["Timestamp"] for f in forms)
    assert forms[-1]["CallDuration"] == str(call.duration)
    assert call.duration > 60  # the bridged conversation counts
    assert app.paths().index("/outbound/start") > app.paths().index("/outbound/status")


def test_status_callback_defaults_to_completed(make_app, make_fake):
    app, _, _ = place(make_app, make_fake, {STAFF: Answers(press="2")}, status_callback_event=None)

    assert [f["CallStatus"] for f in app.forms("/outbound/status")] == ["completed"]


@pytest.mark.parametrize(
    ("behaviour", "status", "events"),
    [
        (Busy(), "busy", ["initiated", "busy"]),
        (Fails(), "failed", ["initiated", "failed"]),
        (NoAnswer(), "no-answer", ["initiated", "ringing", "no-answer"]),
        (Answers(rings=11), "no-answer", ["initiated", "ringing", "no-answer"]),
    ],
)
def test_unanswered_call_never_fetches_its_url(make_app, make_fake, behaviour, status, events):
    app, fake, call = place(make_app, make_fake, {STAFF: behaviour})

    assert call.status == status
    assert "/outbound/start" not in app.paths()
    assert [f["CallStatus"] for f in app.forms("/outbound/status")] == events
    assert app.form("/outbound/status")["CallDuration"] == "0"
    assert call.log.heard == []
    assert emulator_client(fake).calls(call.sid).fetch().status == status


def test_timeout_is_the_rest_parameter_plus_five_seconds(make_app, make_fake):
    """Timeout=15 rings for 20 s (Twilio's buffer): a pick-up after 18 s is answered."""
    _, _, late = place(make_app, make_fake, {STAFF: Answers(rings=4)}, timeout=15)
    _, _, buffered = place(make_app, make_fake, {STAFF: Answers(rings=3)}, timeout=15)

    assert late.status == "no-answer"
    assert buffered.status == "completed"


def test_inline_twiml_runs_without_a_webhook(make_app, make_fake):
    app, _, call = place(
        make_app,
        make_fake,
        {STAFF: Answers()},
        url=None,
        twiml=twiml("<Say>Votre permanence commence dans 10 minutes.</Say>"),
    )

    assert call.log.heard == ["Votre permanence commence dans 10 minutes."]
    assert "/outbound/start" not in app.paths()
    assert call.status == "completed"


def test_callee_answers_a_sequence_of_menus(make_app, make_fake):
    routes = {
        "/outbound/start": twiml(
            '<Gather numDigits="1" action="/outbound/second"><Say>Premier menu.</Say></Gather>'
        ),
        "/outbound/second": twiml(
            '<Gather numDigits="2" action="/outbound/done"><Say>Second menu.</Say></Gather>'
        ),
        "/outbound/done": twiml("<Hangup/>"),
    }
    app, _, call = place(make_app, make_fake, {STAFF: Answers(press="3 42")}, routes)

    assert app.form("/outbound/second")["Digits"] == "3"
    assert app.form("/outbound/done")["Digits"] == "42"
    assert call.log.ended_by == "hangup-verb"


def test_machine_detection_reports_a_voicemail(make_app, make_fake):
    app, _, call = place(
        make_app, make_fake, {STAFF: PersonalVoicemail()}, machine_detection="Enable"
    )

    assert app.form("/outbound/start")["AnsweredBy"] == "machine_start"
    assert call.answered_by == "machine_start"


def hang_up_from_webhook(fake_holder: list, status: str) -> object:
    """A route that, like a gateway inside a webhook, ends the call through the REST API."""

    def route(form: dict[str, str]) -> str:
        emulator_client(fake_holder[0]).calls(form["CallSid"]).update(status=status)
        return twiml("<Say>Jamais entendu.</Say>")

    return route


def test_rest_hangup_during_the_call_ends_it(make_app, make_fake):
    holder: list = []
    routes = {**ROUTES, "/outbound/accept": hang_up_from_webhook(holder, "completed")}
    app = make_app(routes)
    fake = make_fake(app, {STAFF: Answers()})
    holder.append(fake)
    sid = (
        emulator_client(fake)
        .calls.create(to=STAFF, from_=HOTLINE, url=f"{BASE_URL}/outbound/start")
        .sid
    )

    fake.run_pending()

    call = fake.calls[sid]
    assert call.log.ended_by == "api-hangup"
    assert "Jamais entendu." not in call.log.heard
    assert call.status == "completed"


def test_rest_redirect_during_the_call(make_app, make_fake):
    holder: list = []

    def redirect(form: dict[str, str]) -> str:
        emulator_client(holder[0]).calls(form["CallSid"]).update(
            url=f"{BASE_URL}/outbound/elsewhere", method="POST"
        )
        return twiml("<Say>Jamais entendu.</Say>")

    routes = {
        **ROUTES,
        "/outbound/accept": redirect,
        "/outbound/elsewhere": twiml("<Say>Ailleurs.</Say>"),
    }
    app = make_app(routes)
    fake = make_fake(app, {STAFF: Answers()})
    holder.append(fake)
    client = emulator_client(fake)
    sid = client.calls.create(to=STAFF, from_=HOTLINE, url=f"{BASE_URL}/outbound/start").sid

    fake.run_pending()

    assert fake.calls[sid].log.heard[-1] == "Ailleurs."
    assert "Jamais entendu." not in fake.calls[sid].log.heard


def test_invalid_twiml_fails_the_test_and_the_call(make_app, make_fake):
    app = make_app({"/outbound/start": twiml("<Say>ok</Say><Gahter/>")})
    fake = make_fake(app, {STAFF: Answers()})
    sid = (
        emulator_client(fake)
        .calls.create(to=STAFF, from_=HOTLINE, url=f"{BASE_URL}/outbound/start")
        .sid
    )

    with pytest.raises(TwimlError, match="Gahter"):
        fake.run_pending()
    assert fake.calls[sid].status == "failed"


def test_lenient_emulator_plays_the_application_error(make_app, make_fake):
    app = make_app({"/outbound/start": twiml("<Gahter/>")})
    fake = make_fake(app, {STAFF: Answers()}, strict=False)
    sid = (
        emulator_client(fake)
        .calls.create(to=STAFF, from_=HOTLINE, url=f"{BASE_URL}/outbound/start")
        .sid
    )

    fake.run_pending()

    assert fake.calls[sid].log.heard_contains("an application error has occurred")
    assert fake.calls[sid].status == "completed"


def test_record_on_an_outbound_call_is_fetchable(make_app, make_fake):
    routes = {
        "/outbound/start": twiml('<Record action="/outbound/recorded"/>'),
        "/outbound/recorded": twiml("<Hangup/>"),
    }
    app, fake, call = place(make_app, make_fake, {STAFF: Answers(press="#")}, routes)

    sid = app.form("/outbound/recorded")["RecordingUrl"].rsplit("/", 1)[-1]
    recording = emulator_client(fake).recordings(sid).fetch()
    assert recording.call_sid == call.sid
