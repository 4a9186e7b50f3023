"""A call through menus: Say, Gather (digits, speech, silence), Redirect, Hangup, status."""

from __future__ import annotations

import pytest

from hotline.emulator import ScriptedCaller

from .conftest import CALLER, HOTLINE, twiml

MENU = twiml(
    '<Gather input="dtmf speech" numDigits="1" action="/voice/menu" language="fr-FR"'
    ' hints="administratif, logement">',
    "<Say>Bonjour. Tapez 1 pour l'administratif, 2 pour le logement.</Say>",
    "</Gather>",
    "<Say>Nous n'avons pas compris. Au revoir.</Say>",
    "<Hangup/>",
)


def menu_choice(form: dict[str, str]) -> str:
    choice = form.get("Digits") or form.get("SpeechResult", "")
    topic = {"1": "administratif", "2": "logement"}.get(choice, choice)
    return twiml(f"<Say>Vous avez choisi : {topic}.</Say>", "<Hangup/>")


@pytest.fixture
def menu_app(make_app):
    return make_app({"/voice/incoming": MENU, "/voice/menu": menu_choice})


@pytest.mark.parametrize(
    ("keys", "posted", "heard"),
    [
        ("1", {"Digits": "1"}, "Vous avez choisi : administratif."),
        ("2", {"Digits": "2"}, "Vous avez choisi : logement."),
        ("21", {"Digits": "2"}, "Vous avez choisi : logement."),
        (
            ["say:administratif"],
            {"SpeechResult": "administratif", "Confidence": "0.9"},
            "Vous avez choisi : administratif.",
        ),
    ],
)
def test_menu_choice_reaches_the_action(menu_app, make_emulator, keys, posted, heard):
    log = make_emulator(menu_app).place_call(CALLER, HOTLINE, ScriptedCaller(keys))

    form = menu_app.form("/voice/menu")
    assert {k: form[k] for k in posted} == posted
    assert log.heard[-1] == heard
    assert log.ended_by == "hangup-verb"


def test_initial_request_carries_twilio_parameters(menu_app, make_emulator):
    emulator = make_emulator(menu_app)
    log = emulator.place_call(CALLER, HOTLINE, ScriptedCaller("1"))

    first, second = menu_app.forms("/voice/incoming")[0], menu_app.form("/voice/menu")
    assert first["CallSid"] == log.call_sid
    assert len(log.call_sid) == 34
    assert first["AccountSid"] == emulator.account_sid
    assert emulator.account_sid.startswith("AC")
    assert (first["From"], first["To"], first["Caller"], first["Called"]) == (
        CALLER,
        HOTLINE,
        CALLER,
        HOTLINE,
    )
    assert first["CallStatus"] == "ringing"
    assert first["Direction"] == "inbound"
    assert first["ApiVersion"] == "2010-04-01"
    assert (first["FromCountry"], first["ToCountry"]) == ("FR", "FR")
    assert second["CallStatus"] == "in-progress"


def test_silence_falls_through_to_the_next_verb(menu_app, make_emulator):
    log = make_emulator(menu_app).place_call(CALLER, HOTLINE, ScriptedCaller("-"))

    assert "/voice/menu" not in menu_app.paths()
    assert log.heard[-1] == "Nous n'avons pas compris. Au revoir."
    assert log.ended_by == "hangup-verb"


def test_speech_to_a_dtmf_only_gather_is_silence(make_app, make_emulator):
    fake = make_app(
        {"/voice/incoming": twiml('<Gather action="/voice/menu"><Say>Tapez 1.</Say></Gather>')}
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller(["say:un"]))

    assert "/voice/menu" not in fake.paths()
    assert log.ended_by == "twiml-ended"


@pytest.mark.parametrize(("action_on_empty", "menu_requested"), [("true", True), ("false", False)])
def test_action_on_empty_result(make_app, make_emulator, action_on_empty, menu_requested):
    fake = make_app(
        {
            "/voice/incoming": twiml(
                f'<Gather action="/voice/menu" actionOnEmptyResult="{action_on_empty}">'
                "<Say>Tapez 1.</Say></Gather>"
            ),
            "/voice/menu": twiml("<Say>Rien reçu.</Say><Hangup/>"),
        }
    )
    make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("-"))

    assert ("/voice/menu" in fake.paths()) is menu_requested
    if menu_requested:
        assert "Digits" not in fake.form("/voice/menu")


def test_gather_without_action_posts_back_to_the_current_document(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": lambda form: (
                twiml("<Say>Merci.</Say><Hangup/>")
                if form.get("Digits")
                else twiml('<Gather numDigits="2"><Say>Code ?</Say></Gather>')
            )
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("42"))

    assert fake.paths() == ["/voice/incoming", "/voice/incoming", "/voice/status"]
    assert fake.form("/voice/incoming")["Digits"] == "42"
    assert log.heard[-1] == "Merci."


def test_relative_urls_resolve_against_the_current_document(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml("<Redirect>/voice/menus/main</Redirect>"),
            "/voice/menus/main": twiml('<Gather action="choice"><Say>Menu.</Say></Gather>'),
            "/voice/menus/choice": twiml("<Redirect>../bye</Redirect>"),
            "/voice/bye": twiml("<Say>Au revoir.</Say><Hangup/>"),
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("3"))

    assert fake.paths() == [
        "/voice/incoming",
        "/voice/menus/main",
        "/voice/menus/choice",
        "/voice/bye",
        "/voice/status",
    ]
    assert log.heard == ["Menu.", "Au revoir."]


def test_redirect_with_get_sends_parameters_in_the_query(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml('<Redirect method="GET">/voice/next?step=2</Redirect>'),
            "/voice/next": twiml("<Hangup/>"),
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE)

    nxt = next(r for r in fake.received if r.path == "/voice/next")
    assert nxt.method == "GET"
    assert nxt.query.startswith("step=2&")
    assert nxt.form["CallSid"] == log.call_sid
    assert log.ended_by == "hangup-verb"


@pytest.mark.parametrize(
    ("document", "ended_by"),
    [
        (twiml("<Say>Au revoir.</Say><Hangup/>"), "hangup-verb"),
        (twiml("<Say>Au revoir.</Say>"), "twiml-ended"),
        (twiml('<Reject reason="busy"/>'), "reject"),
    ],
)
def test_how_the_call_ended_is_distinguished(make_app, make_emulator, document, ended_by):
    fake = make_app({"/voice/incoming": document})
    log = make_emulator(fake).place_call(CALLER, HOTLINE)

    assert log.ended_by == ended_by


def test_status_callback_after_the_call(make_app, make_emulator):
    fake = make_app({"/voice/incoming": twiml('<Say>Bonjour.</Say><Pause length="3"/>')})
    log = make_emulator(fake).place_call(CALLER, HOTLINE)

    assert fake.paths()[-1] == "/voice/status"
    status = fake.form("/voice/status")
    assert status["CallSid"] == log.call_sid
    assert status["CallStatus"] == "completed"
    assert int(status["CallDuration"]) >= 3
    assert status["CallbackSource"] == "call-progress-events"
    assert status["SequenceNumber"] == "0"
    assert status["Timestamp"].endswith("GMT")
    assert log.heard == ["Bonjour.", "[pause 3 s]"]


def test_rejected_call_reports_busy(make_app, make_emulator):
    fake = make_app({"/voice/incoming": twiml('<Reject reason="busy"/>')})
    make_emulator(fake).place_call(CALLER, HOTLINE)

    assert fake.form("/voice/status")["CallStatus"] == "busy"


def test_a_looping_app_is_cut_by_max_steps(make_app, make_emulator):
    fake = make_app(
        {"/voice/incoming": twiml("<Say>Encore.</Say><Redirect>/voice/incoming</Redirect>")}
    )
    log = make_emulator(fake, max_steps=5).place_call(CALLER, HOTLINE)

    assert fake.paths().count("/voice/incoming") == 5
    assert log.ended_by == "caller-hangup"
    assert any("more than 5 webhook requests" in e.text for e in log.events)


def test_caller_gives_up_after_three_silent_menus(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml(
                '<Gather numDigits="1"><Say>Tapez 1.</Say></Gather>',
                "<Redirect>/voice/incoming</Redirect>",
            )
        }
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller(""))

    assert log.heard == ["Tapez 1."] * 4
    assert log.ended_by == "caller-hangup"


def test_caller_hangs_up_in_a_menu(menu_app, make_emulator):
    log = make_emulator(menu_app).place_call(CALLER, HOTLINE, ScriptedCaller("hangup"))

    assert log.ended_by == "caller-hangup"
    assert menu_app.paths() == ["/voice/incoming", "/voice/status"]


def test_heard_helpers_and_transcript(menu_app, make_emulator):
    log = make_emulator(menu_app).place_call(CALLER, HOTLINE, ScriptedCaller("1"))

    assert log.heard_contains("tapez 1 POUR  l'administratif")
    assert log.search_heard(r"choisi : \w+") == ["Vous avez choisi : administratif."]
    assert "Vous avez choisi" in log.heard_text
    plain = log.transcript(ascii_only=True)
    assert "[say] Vous avez choisi : administratif." in plain
    assert "[keys] keys: 1" in plain
    assert "🔊" not in plain
    assert "🔊 Vous avez choisi : administratif." in log.transcript()
    assert plain.splitlines()[-1] == "Fin de l'appel : hangup-verb"


# --- barge-in: a key pressed while a nested prompt plays -----------------------------------

LONG_MENU = (
    "<Say>Bonjour.</Say>"
    "<Say>Vos messages sont gardés quatre-vingt-dix jours au plus.</Say>"
    "<Say>Tapez 1 pour l'administratif, 2 pour le logement.</Say>"
    "</Gather>"
    "<Say>Nous n'avons pas compris. Au revoir.</Say>"
    "<Hangup/>"
)


def _barge_app(make_app, gather: str):
    return make_app({"/voice/incoming": twiml(gather + LONG_MENU), "/voice/menu": menu_choice})


def test_a_key_during_a_nested_prompt_stops_it_and_goes_to_the_action(make_app, make_emulator):
    app = _barge_app(make_app, '<Gather input="dtmf" numDigits="1" action="/voice/menu">')
    log = make_emulator(app).place_call(CALLER, HOTLINE, ScriptedCaller("2@2"))

    assert app.form("/voice/menu")["Digits"] == "2"
    assert log.heard[0] == "Bonjour."
    assert log.heard[1] == "Vos messages … [interrompu]"
    assert not log.heard_contains("Tapez 1 pour")  # the rest of the Gather is not played
    assert log.heard[-1] == "Vous avez choisi : logement."


def test_a_key_for_a_prompt_never_reached_is_pressed_after_the_prompts(make_app, make_emulator):
    app = _barge_app(make_app, '<Gather input="dtmf" numDigits="1" action="/voice/menu">')
    log = make_emulator(app).place_call(CALLER, HOTLINE, ScriptedCaller("1@9"))

    assert log.heard_contains("Tapez 1 pour l'administratif")
    assert log.heard[-1] == "Vous avez choisi : administratif."


def test_with_barge_in_off_a_key_during_the_prompts_is_lost(make_app, make_emulator):
    app = _barge_app(
        make_app, '<Gather input="dtmf" numDigits="1" action="/voice/menu" bargeIn="false">'
    )
    log = make_emulator(app).place_call(CALLER, HOTLINE, ScriptedCaller("2@2"))

    assert log.heard_contains("Tapez 1 pour l'administratif")  # every prompt played
    assert app.forms("/voice/menu") == []
    assert log.heard[-1] == "Nous n'avons pas compris. Au revoir."


def test_keys_do_not_interrupt_a_speech_only_gather(make_app, make_emulator):
    app = _barge_app(make_app, '<Gather input="speech" action="/voice/menu" language="fr-FR">')
    log = make_emulator(app).place_call(CALLER, HOTLINE, ScriptedCaller("2@2"))

    assert log.heard_contains("Vos messages sont gardés quatre-vingt-dix jours au plus.")
    assert app.forms("/voice/menu") == []
