"""Issue 9, item 16: a caller can choose within 25 s, the notice still said, keys barge in.

`hotline scripts check` times the speech before each menu's last option; calls from a
number whose language is known skip the language question; a key pressed while a prompt
plays goes straight to the choice.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hotline.cli.main import main
from hotline.emulator import Answers, PhoneBook, ScriptedCaller
from hotline.models import Call
from hotline.voice.check import check_all
from hotline.voice.script import load_script, scripts_root
from hotline.voice.speech import WORDS_PER_SECOND, count_words, menu_timings
from tests.inbound_helpers import (
    CALLER,
    CAMILLE,
    DEMO_NUMBER,
    FRENCH,
    NUMERIQUE,
    en,
    fr,
    staff_legs,
)

JEAN = "+33600000101"  # a known person of the demo, language fr
GRACE = "+33600000102"  # a known person of the demo, language en
NOTICE = {"structure": "Atelier Demo Insertion", "retention_days": 90, "contact_months": 24}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the default script, to make it too long."""
    target = tmp_path / "default"
    shutil.copytree(scripts_root() / "default", target)
    return target


def _set_budget(folder: Path, seconds: int) -> None:
    path = folder / "script.yaml"
    text = path.read_text("utf-8")
    assert text.count("  seconds: 25 ") == 1
    path.write_text(text.replace("  seconds: 25 ", f"  seconds: {seconds} "), "utf-8")


# --- the check -----------------------------------------------------------------------------


def test_default_script_is_within_25_seconds_in_every_language_and_path() -> None:
    script = load_script(scripts_root() / "default")
    timings = menu_timings(script)
    assert {(t.lang, t.menu, t.path) for t in timings} == {
        ("fr", "main_menu", "from pick-up, language known"),
        ("fr", "choose_language", "from pick-up, language asked"),
        ("fr", "main_menu", "after choose_language"),
        ("en", "main_menu", "from pick-up, language known"),
        ("en", "main_menu", "after choose_language"),
    }
    assert all(t.seconds <= 25 for t in timings), timings


def test_a_script_over_budget_fails_naming_script_language_and_menu(copy: Path) -> None:
    _set_budget(copy, 10)
    problems = check_all(copy.parent)
    messages = [str(p) for p in problems]
    assert messages, "a 10 s budget must fail the main menu"
    assert all("over the budget of 10 s" in m for m in messages)
    assert any(
        "voice script 'default', language fr, menu 'main_menu'" in m and "script.yaml:" in m
        for m in messages
    ), messages
    assert any("language en, menu 'main_menu'" in m for m in messages)
    assert not any("choose_language'" in m for m in messages)  # 4 s: within 10 s


def test_the_notice_is_counted_with_its_retention_periods(copy: Path) -> None:
    """A longer notice is a longer wait: the check hears it as the caller would."""
    before = {(t.menu, t.path): t.words for t in menu_timings(load_script(copy)) if t.lang == "fr"}
    path = copy / "fr.yaml"
    text = path.read_text("utf-8")
    longer = text.replace(
        "Vous pouvez les voir ou les effacer.",
        "Vous pouvez les voir ou les effacer. Pour cela, appelez-nous pendant la permanence.",
    )
    assert longer != text
    path.write_text(longer, "utf-8")
    after = {(t.menu, t.path): t.words for t in menu_timings(load_script(copy)) if t.lang == "fr"}
    assert after[("main_menu", "after choose_language")] == (
        before[("main_menu", "after choose_language")] + 6
    )
    notice = fr("privacy_notice", **NOTICE)
    assert "90" in notice
    assert "24" in notice


def test_scripts_check_prints_each_menu_and_fails_over_budget(copy: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["scripts", "check", str(copy.parent)])
    assert ok.exit_code == 0, ok.output
    assert "voice script 'default': speech before each menu's last option (budget 25 s" in ok.output
    assert "  fr  main_menu" in ok.output
    assert "  fr  choose_language" in ok.output
    assert "  en  main_menu" in ok.output
    _set_budget(copy, 10)
    over = runner.invoke(main, ["scripts", "check", str(copy.parent)])
    assert over.exit_code != 0
    assert "OVER BUDGET" in over.output


# --- calls -------------------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("demo")


def _call(emulator: Any, keys: str, from_: str) -> Any:
    return emulator.place_call(from_, DEMO_NUMBER, ScriptedCaller(keys))


def _words_before(log: Any, last_line: str) -> int:
    """Words the caller heard before `last_line` began (every prompt said in full)."""
    heard = log.heard
    return sum(count_words(text) for text in heard[: heard.index(last_line)])


def test_a_known_person_hears_their_language_without_the_question(
    emulator: Any, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = _call(emulator, NUMERIQUE, JEAN)  # 3 straight away: there is no language menu
    assert not log.heard_contains(fr("language_option", language_name="français", digit=1))
    assert log.heard_contains(fr("privacy_notice", **NOTICE))
    (leg,) = staff_legs(emulator, log)
    assert leg.number == CAMILLE
    assert leg.bridged

    english = _call(emulator, "hangup", GRACE)
    assert english.heard_contains(en("welcome", structure="Atelier Demo Insertion"))
    assert english.heard_contains(en("privacy_notice", **NOTICE))
    assert not english.heard_contains("For English")


def test_a_number_that_chose_a_language_before_is_not_asked_again(
    emulator: Any, session: Any
) -> None:
    first = _call(emulator, "2 hangup", CALLER)  # English at the language menu
    assert first.heard_contains("For English, press 2")
    again = _call(emulator, "hangup", CALLER)
    assert again.heard_contains(en("main_menu_intro"))
    assert not again.heard_contains("For English, press 2")
    calls = session.scalars(select(Call).order_by(Call.id)).all()
    assert [c.language for c in calls] == ["en", "en"]


def test_a_withheld_number_is_still_asked(emulator: Any) -> None:
    log = _call(emulator, "hangup", "")
    assert log.heard_contains("For English, press 2")


def test_a_key_during_the_notice_goes_straight_to_the_choice(
    emulator: Any, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = _call(emulator, f"{NUMERIQUE}@2", JEAN)  # 2nd prompt of the Gather: the notice
    assert log.heard[0] == fr("welcome", structure="Atelier Demo Insertion")
    assert log.heard[1].endswith("[interrompu]")
    assert not log.heard_contains(fr("privacy_notice", **NOTICE))
    assert not log.heard_contains(fr("main_menu_intro"))
    (leg,) = staff_legs(emulator, log)
    assert leg.number == CAMILLE
    assert leg.bridged
    assert log.heard_contains(fr("connecting", theme="le numérique et les démarches en ligne"))


def test_without_a_key_the_notice_is_said_in_full_and_the_menu_within_25_seconds(
    emulator: Any,
) -> None:
    log = _call(emulator, "hangup", JEAN)
    repeat = fr("repeat_option", digit="étoile")
    assert log.heard[:3] == [
        fr("welcome", structure="Atelier Demo Insertion"),
        fr("privacy_notice", **NOTICE),
        fr("main_menu_intro"),
    ]
    assert repeat in log.heard
    assert _words_before(log, repeat) / WORDS_PER_SECOND <= 25

    asked = _call(emulator, f"{FRENCH} hangup", "+33600000998")
    assert asked.heard_contains(fr("privacy_notice", **NOTICE))  # after the language choice
    assert _words_before(asked, repeat) / WORDS_PER_SECOND <= 25 + 4  # the language menu: 4 s
