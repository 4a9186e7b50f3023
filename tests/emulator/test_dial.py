"""<Dial>: staff phones ringing together, whispers, voicemails, outcomes and callbacks."""

from __future__ import annotations

import pytest

from hotline.emulator import (
    Answers,
    Busy,
    Fails,
    NoAnswer,
    PersonalVoicemail,
    ScriptedCaller,
    TwimlError,
)

from .conftest import CALLER, HOTLINE, twiml

ALICE = "+33600000001"
BOB = "+33600000002"

WHISPER = twiml(
    '<Gather numDigits="1" action="/voice/whisper/answer" timeout="5">',
    "<Say>Appel de la hotline. Tapez 1 pour accepter.</Say>",
    "</Gather>",
    "<Hangup/>",
)


def whisper_answer(form: dict[str, str]) -> str:
    return twiml() if form.get("Digits") == "1" else twiml("<Hangup/>")


def dial_app(make_app, numbers: str, dial_attrs: str = ""):
    return make_app(
        {
            "/voice/incoming": twiml(
                "<Say>Nous vous mettons en relation.</Say>",
                f'<Dial action="/voice/dial-done" callerId="{HOTLINE}" {dial_attrs}>'
                f"{numbers}</Dial>",
            ),
            "/voice/whisper": WHISPER,
            "/voice/whisper/answer": whisper_answer,
            "/voice/dial-done": lambda form: twiml(
                f"<Say>Fin du transfert : {form['DialCallStatus']}.</Say>", "<Hangup/>"
            ),
        }
    )


def screened(*numbers: str) -> str:
    return "".join(
        f'<Number url="/voice/whisper" statusCallback="/voice/leg-status"'
        f' statusCallbackEvent="initiated ringing answered completed">{n}</Number>'
        for n in numbers
    )


def test_whisper_accepted_by_one_of_two_phones(make_app, make_emulator):
    """The lenient reading (asked for): Bob's phone rings on while Alice's screen runs."""
    fake = dial_app(make_app, screened(ALICE, BOB))
    phones = {ALICE: Answers(press="2", rings=1), BOB: Answers(press="1", rings=2)}
    emulator = make_emulator(fake, phones, simultaneous_dial="first-accept")
    log = emulator.place_call(CALLER, HOTLINE, ScriptedCaller())

    alice, bob = log.legs
    assert (alice.answered, alice.bridged, alice.pressed) == (True, False, ["2"])
    assert (bob.answered, bob.bridged, bob.pressed) == (True, True, ["1"])
    assert bob.heard == ["Appel de la hotline. Tapez 1 pour accepter."]
    whisper_forms = fake.forms("/voice/whisper")
    assert [f["To"] for f in whisper_forms] == [ALICE, BOB]
    assert whisper_forms[1]["ParentCallSid"] == log.call_sid
    assert whisper_forms[1]["CallSid"] == bob.call_sid != log.call_sid
    assert whisper_forms[1]["From"] == HOTLINE
    assert whisper_forms[1]["Direction"] == "outbound-dial"
    assert whisper_forms[1]["CallStatus"] == "in-progress"
    done = fake.form("/voice/dial-done")
    assert (done["DialCallStatus"], done["DialCallSid"], done["DialCallDuration"]) == (
        "completed",
        bob.call_sid,
        "60",
    )
    assert log.dial_outcomes[0].bridged_number == BOB
    assert log.heard[-1] == "Fin du transfert : completed."
    assert "Appel de la hotline" not in log.heard_text  # the caller never hears the whisper


def test_leg_status_callbacks_follow_each_phone(make_app, make_emulator):
    """Alice picks up first: Bob's leg is canceled at once, before her screen (the rule)."""
    fake = dial_app(make_app, screened(ALICE, BOB))
    phones = {ALICE: Answers(rings=1), BOB: Answers(rings=2)}
    log = make_emulator(fake, phones).place_call(CALLER, HOTLINE)

    events = [
        (f["To"], f["CallStatus"], f["SequenceNumber"]) for f in fake.forms("/voice/leg-status")
    ]
    assert events == [
        (ALICE, "initiated", "0"),
        (ALICE, "ringing", "1"),
        (BOB, "initiated", "0"),
        (BOB, "ringing", "1"),
        (ALICE, "in-progress", "2"),
        (BOB, "canceled", "2"),
        (ALICE, "completed", "3"),
    ]
    assert all(f["ParentCallSid"] == log.call_sid for f in fake.forms("/voice/leg-status"))
    assert fake.forms("/voice/leg-status")[-1]["CallDuration"] == "60"


def test_number_status_callback_defaults_to_completed_only(make_app, make_emulator):
    fake = dial_app(make_app, f'<Number statusCallback="/voice/leg-status">{ALICE}</Number>')
    make_emulator(fake, {ALICE: Busy()}).place_call(CALLER, HOTLINE)

    assert [f["CallStatus"] for f in fake.forms("/voice/leg-status")] == ["busy"]


@pytest.mark.parametrize(
    ("phones", "status"),
    [
        ({ALICE: Busy(), BOB: Busy()}, "busy"),
        ({ALICE: Fails(), BOB: Fails()}, "failed"),
        ({ALICE: NoAnswer(), BOB: Busy()}, "no-answer"),
        ({}, "no-answer"),
        ({ALICE: Answers(rings=6), BOB: Answers(rings=9)}, "no-answer"),
        ({ALICE: Answers(rings=5), BOB: NoAnswer()}, "completed"),
    ],
)
def test_dial_outcome(make_app, make_emulator, phones, status):
    fake = dial_app(make_app, screened(ALICE, BOB), 'timeout="30"')
    log = make_emulator(fake, phones).place_call(CALLER, HOTLINE)

    assert fake.form("/voice/dial-done")["DialCallStatus"] == status
    assert log.dial_outcomes[0].status == status


def test_dial_timeout_is_respected(make_app, make_emulator):
    fake = dial_app(make_app, screened(ALICE), 'timeout="10"')
    log = make_emulator(fake, {ALICE: Answers(rings=3)}).place_call(CALLER, HOTLINE)

    assert fake.form("/voice/dial-done")["DialCallStatus"] == "no-answer"
    assert "/voice/whisper" not in fake.paths()
    assert log.legs[0].answered is False


def test_twilio_adds_five_seconds_to_the_dial_timeout(make_app, make_emulator):
    """timeout="10" rings for 15 s: a phone that picks up after 12 s is answered."""
    fake = dial_app(make_app, screened(ALICE), 'timeout="10"')
    log = make_emulator(fake, {ALICE: Answers(rings=2)}).place_call(CALLER, HOTLINE)

    assert fake.form("/voice/dial-done")["DialCallStatus"] == "completed"
    assert log.legs[0].answered is True


def test_personal_voicemail_is_screened_by_the_whisper(make_app, make_emulator):
    """The whisper keeps the voicemail out, but under the rule it still ends Bob's ring."""
    fake = dial_app(make_app, screened(ALICE, BOB))
    phones = {ALICE: PersonalVoicemail(rings=4), BOB: Answers(press="1", rings=5)}
    log = make_emulator(fake, phones).place_call(CALLER, HOTLINE)

    voicemail, bob = log.legs
    assert voicemail.answered
    assert not voicemail.bridged
    assert voicemail.pressed == []
    assert (bob.answered, bob.bridged, bob.status) == (False, False, "canceled")
    assert not log.bridged_to_personal_voicemail
    assert fake.form("/voice/dial-done")["DialCallStatus"] == "no-answer"


def test_personal_voicemail_is_screened_and_bob_bridged_when_lenient(make_app, make_emulator):
    fake = dial_app(make_app, screened(ALICE, BOB))
    phones = {ALICE: PersonalVoicemail(rings=4), BOB: Answers(press="1", rings=5)}
    emulator = make_emulator(fake, phones, simultaneous_dial="first-accept")
    log = emulator.place_call(CALLER, HOTLINE)

    assert log.legs[1].bridged
    assert not log.bridged_to_personal_voicemail


def test_personal_voicemail_wins_without_a_whisper(make_app, make_emulator):
    fake = dial_app(make_app, f"<Number>{ALICE}</Number><Number>{BOB}</Number>")
    phones = {ALICE: PersonalVoicemail(rings=4), BOB: Answers(rings=5)}
    log = make_emulator(fake, phones).place_call(CALLER, HOTLINE)

    assert log.bridged_to_personal_voicemail
    assert log.legs[0].bridged
    assert not log.legs[1].answered
    assert f"[messagerie personnelle de {ALICE}]" in log.heard
    assert "bridged to a personal voicemail" in log.transcript()


def test_dial_without_action_continues_with_the_next_verb(make_app, make_emulator):
    fake = make_app(
        {"/voice/incoming": twiml(f"<Dial>{ALICE}</Dial>", "<Say>Personne.</Say>", "<Hangup/>")}
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE)

    assert log.heard == ["Personne."]
    assert log.dial_outcomes[0].status == "no-answer"


def test_dial_inside_a_whisper_is_refused(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml(f'<Dial><Number url="/voice/whisper">{ALICE}</Number></Dial>'),
            "/voice/whisper": twiml(f"<Dial>{BOB}</Dial>"),
        }
    )
    with pytest.raises(TwimlError, match="not allowed in a <Number url> whisper"):
        make_emulator(fake, {ALICE: Answers()}).place_call(CALLER, HOTLINE)


def test_conference_join_is_logged(make_app, make_emulator):
    fake = make_app(
        {"/voice/incoming": twiml('<Dial><Conference beep="false">salle-42</Conference></Dial>')}
    )
    log = make_emulator(fake).place_call(CALLER, HOTLINE, ScriptedCaller("wait:10 hangup"))

    assert log.events_of("conference")[0].text == "joined conference salle-42"
    assert log.ended_by == "caller-hangup"


def test_caller_hanging_up_while_phones_ring_cancels_them_and_skips_the_action(
    make_app, make_emulator
):
    from hotline.emulator.impatient import HangsUpWhileRinging

    fake = dial_app(make_app, screened(ALICE, BOB))
    emulator = make_emulator(fake, {ALICE: NoAnswer(), BOB: Answers(rings=5)})
    caller = HangsUpWhileRinging(ScriptedCaller(), ring_patience=12)  # Bob picks up at 30 s
    log = emulator.place_call(CALLER, HOTLINE, caller)

    assert "/voice/dial-done" not in fake.paths()
    assert "/voice/whisper" not in fake.paths()
    finals = [f for f in fake.forms("/voice/leg-status") if f["CallStatus"] not in INTERIM]
    assert sorted((f["To"], f["CallStatus"]) for f in finals) == [
        (ALICE, "canceled"),
        (BOB, "canceled"),
    ]
    status = fake.form("/voice/status")
    assert (status["CallStatus"], log.ended_by) == ("completed", "caller-hangup")
    assert fake.paths()[-1] == "/voice/status"


INTERIM = ("initiated", "ringing", "in-progress")
