"""Callers and phones: the script grammar and the interactive keypad."""

from __future__ import annotations

import pytest

from hotline.emulator import (
    Answers,
    GatherPrompt,
    HangUp,
    InteractiveCaller,
    Keys,
    PhoneBook,
    RecordInput,
    RecordPrompt,
    ScriptedCaller,
    Silence,
    Speech,
)
from hotline.emulator.verbs import gather_params

from .conftest import CALLER, HOTLINE, twiml

DTMF = GatherPrompt(frozenset({"dtmf"}), None, "#", 5)
RECORD = RecordPrompt("#", 5, 120)


@pytest.mark.parametrize(
    ("answer", "prompt", "params"),
    [
        (Keys("12#"), DTMF, {"Digits": "12"}),
        (Keys("#"), DTMF, {}),
        (Keys("123"), GatherPrompt(frozenset({"dtmf"}), 2, "#", 5), {"Digits": "12"}),
        (Keys("1#2"), GatherPrompt(frozenset({"dtmf"}), None, "", 5), {"Digits": "1#2"}),
        (Keys("1"), GatherPrompt(frozenset({"speech"}), None, "#", 5), {}),
        (Speech("logement"), DTMF, {}),
        (
            Speech("logement"),
            GatherPrompt(frozenset({"speech", "dtmf"}), None, "#", 5),
            {"SpeechResult": "logement", "Confidence": "0.9"},
        ),
        (Silence(), DTMF, {}),
    ],
)
def test_gather_params(answer, prompt, params):
    assert gather_params(answer, prompt) == params


def test_scripted_caller_tokens():
    caller = ScriptedCaller(["1", "say:service logement", "-", "hangup"])
    answers = [caller.gather(DTMF) for _ in range(4)]
    assert answers == [Keys("1"), Speech("service logement"), Silence(), HangUp()]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("#", RecordInput(8, Keys("#"))),
        ("-", RecordInput(8, Silence())),
        ("hangup", RecordInput(8, HangUp())),
        ("silent", RecordInput(0, Silence())),
        ("rec:0", RecordInput(0, Silence())),
        ("rec:42", RecordInput(42, Silence())),
    ],
)
def test_scripted_caller_at_a_record(token, expected):
    assert ScriptedCaller(token).record(RECORD) == expected


@pytest.mark.parametrize("bad", ["a", "say:", "rec:x", "raccrocher"])
def test_scripted_caller_rejects_unknown_tokens(bad):
    with pytest.raises(ValueError, match="unknown caller token"):
        ScriptedCaller(bad)


def test_interactive_caller_reads_keys_and_prints_what_is_heard(make_app, make_emulator):
    fake = make_app(
        {
            "/voice/incoming": twiml(
                '<Gather numDigits="1" action="/voice/menu"><Say>Tapez 1.</Say></Gather>'
            ),
            "/voice/menu": twiml("<Say>Merci.</Say>", '<Record action="/voice/done"/>'),
            "/voice/done": twiml("<Hangup/>"),
        }
    )
    answers = iter(["x", "1", "q"])
    printed: list[str] = []
    caller = InteractiveCaller(read=lambda prompt: next(answers), write=printed.append)

    log = make_emulator(fake).place_call(CALLER, HOTLINE, caller)

    assert fake.form("/voice/menu")["Digits"] == "1"
    assert fake.form("/voice/done")["Digits"] == "hangup"
    assert printed[0] == "🔊 Tapez 1."
    assert "Touches possibles : 0-9, * et #." in printed
    assert log.ended_by == "caller-hangup"


def test_interactive_caller_end_of_input_hangs_up():
    def closed(prompt: str) -> str:
        raise EOFError

    assert InteractiveCaller(read=closed, write=print).gather(DTMF) == HangUp()


def test_phone_book_wants_e164_numbers():
    with pytest.raises(ValueError, match="E.164"):
        PhoneBook({"0612345678": Answers()})
