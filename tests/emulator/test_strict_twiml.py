"""The emulator refuses TwiML and HTTP answers that Twilio would reject or silently tolerate."""

from __future__ import annotations

import pytest
from flask import Response
from twilio.twiml.voice_response import Dial, VoiceResponse

from hotline.emulator import EmulatorError, TwimlError, parse_twiml

from .conftest import CALLER, HOTLINE, twiml


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (twiml("<Sya>Bonjour</Sya>"), "<Sya> is not allowed"),
        (twiml('<Say voix="Polly.Lea">Bonjour</Say>'), "unknown attribute voix"),
        (twiml('<Gather timeout="5s"><Say>x</Say></Gather>'), "timeout='5s'>: must be an integer"),
        (twiml('<Gather actionOnEmptyResult="True"/>'), "rendered Python value"),
        (twiml('<Record playBeep="yes"/>'), 'must be "true" or "false"'),
        (twiml('<Gather input="voice"/>'), "input='voice'"),
        (twiml('<Dial timeout="2"><Number>+33600000001</Number></Dial>'), "between 5 and 600"),
        (
            twiml(
                "<Dial><Number statusCallbackEvent=\"['initiated', 'answered']\">"
                "+33600000001</Number></Dial>"
            ),
            "rendered Python value",
        ),
        (
            twiml(
                '<Dial><Conference statusCallbackEvent="start join exit">salle</Conference></Dial>'
            ),
            "statusCallbackEvent",
        ),
        (twiml('<Dial><Conference maxParticipants="300">salle</Conference></Dial>'), "250"),
        (twiml("<Say></Say>"), "<Say> must have non-empty text"),
        (twiml("<Play/>"), "<Play> needs an audio URL"),
        (twiml("<Redirect/>"), "<Redirect> must have non-empty text"),
        (twiml("<Gather><Record/></Gather>"), "<Record> is not allowed inside <Gather>"),
        (twiml("<Gather><Gather/></Gather>"), "<Gather> is not allowed inside <Gather>"),
        (twiml("<Dial><Say>x</Say></Dial>"), "<Say> is not allowed inside <Dial>"),
        (twiml("<Dial><Number>0612345678</Number></Dial>"), "not an E.164 number"),
        (twiml("<Dial>" + "<Number>+33600000001</Number>" * 11 + "</Dial>"), "at most 10"),
        (twiml("<Hangup>now</Hangup>"), "must not contain text"),
        (twiml("Bonjour<Hangup/>"), "stray text"),
        (twiml('<Reject reason="nope"/>'), "rejected, busy"),
        ("<Reponse><Say>x</Say></Reponse>", "root element must be <Response>"),
        ("<Response><Say>x</Response>", "not well-formed"),
    ],
)
def test_invalid_twiml_is_named_precisely(document, message):
    with pytest.raises(TwimlError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_twiml(document)


def test_helper_library_list_slip_is_caught():
    response = VoiceResponse()
    dial = Dial(action="/voice/dial-done")
    dial.number("+33600000001", status_callback="/cb", status_callback_event=["initiated"])
    response.append(dial)

    with pytest.raises(TwimlError, match="statusCallbackEvent"):
        parse_twiml(str(response))


def test_helper_library_output_done_right_is_accepted():
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf speech",
        num_digits=1,
        action="/voice/menu",
        action_on_empty_result=True,
        speech_timeout="auto",
        language="fr-FR",
    )
    gather.say("Bonjour", voice="Polly.Lea", language="fr-FR")
    response.record(
        max_length=120, play_beep=True, recording_status_callback_event="completed absent"
    )
    dial = response.dial(timeout=20, caller_id="+33187654321", answer_on_bridge=True)
    dial.number("+33600000001", url="/voice/whisper", status_callback_event="initiated completed")
    response.hangup()

    verbs = parse_twiml(str(response))

    assert [v.name for v in verbs] == ["Gather", "Record", "Dial", "Hangup"]
    assert verbs[0].flag("actionOnEmptyResult", False) is True


def test_say_accepts_ssml_and_flattens_it():
    (say,) = parse_twiml(twiml('<Say>Bonjour <break time="1s"/> <emphasis>vous</emphasis></Say>'))
    assert say.text == "Bonjour vous"


@pytest.mark.parametrize(
    ("status", "content_type", "body", "message"),
    [
        (500, "text/html", "<h1>Internal Server Error</h1>", "HTTP 500"),
        (200, "text/html", "<Response/>", "not text/xml"),
        (200, "application/xml", "<Response><Bad/></Response>", "<Bad> is not allowed"),
    ],
)
def test_strict_mode_raises_with_url_and_response(
    make_app, make_emulator, status, content_type, body, message
):
    fake = make_app(
        {"/voice/incoming": lambda form: Response(body, status=status, content_type=content_type)}
    )

    with pytest.raises(EmulatorError, match=message) as caught:
        make_emulator(fake).place_call(CALLER, HOTLINE)

    assert caught.value.url == "https://hotline.test/voice/incoming"
    assert caught.value.response is not None
    assert caught.value.response.status == status
    assert body in str(caught.value)


def test_lenient_mode_plays_twilio_application_error(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml("<Say>Bonjour</Say><Redirect>/voice/broken</Redirect>"),
            "/voice/broken": twiml('<Say loud="yes">x</Say>'),
        }
    )
    log = make_emulator(fake, strict=False).place_call(CALLER, HOTLINE)

    assert log.ended_by == "error"
    assert log.heard[-1].startswith("We are sorry, an application error has occurred")
    assert fake.paths()[-1] == "/voice/status"


def test_callback_http_error_is_raised_in_strict_mode(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml("<Hangup/>"),
            "/voice/status": lambda form: Response("boom", status=500),
        }
    )

    with pytest.raises(EmulatorError, match="callback answered HTTP 500"):
        make_emulator(fake).place_call(CALLER, HOTLINE)
