"""End-to-end calls through the emulator: every path a caller can take.

Each test places a signed call into the real app (real database, real Redis)
and asserts what the caller hears, what staff phones hear, and what is stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.emulator import Answers, Busy, NoAnswer, PersonalVoicemail, PhoneBook, ScriptedCaller
from hotline.models import Call, Callback, Staff, Voicemail, VoicemailStatus
from tests.inbound_helpers import (
    ADMINISTRATIF,
    AMINA,
    CALLER,
    CAMILLE,
    DEMO_NUMBER,
    FRENCH,
    KARIM,
    NUMERIQUE,
    SOCIAL,
    en,
    fr,
)

pytestmark = pytest.mark.usefixtures("demo")


def call(emulator: Any, keys: str, from_: str = CALLER, to: str = DEMO_NUMBER) -> Any:
    return emulator.place_call(from_, to, ScriptedCaller(keys))


def count(session: Any, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_unknown_number_hears_a_sentence_and_a_deliberate_hangup(
    emulator: Any, session: Any
) -> None:
    log = call(emulator, "", to="+33199999999")
    assert log.heard_contains(fr("unknown_number"))
    assert log.ended_by == "hangup-verb"
    assert count(session, Call) == 0


def test_greeting_names_the_structure_and_the_privacy_notice(emulator: Any) -> None:
    log = call(emulator, "hangup")
    assert log.heard_contains("Atelier Demo Insertion")
    assert log.heard_contains(
        fr(
            "privacy_notice",
            structure="Atelier Demo Insertion",
            retention_days=90,
            contact_months=24,
        )
    )
    assert log.heard_contains(fr("language_option", language_name="français", digit="1"))
    assert log.heard_contains(en("language_option", language_name="English", digit="2"))


def test_open_theme_rings_the_staff_on_duty_who_accepts(
    emulator: Any, phones: PhoneBook, session: Any
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = call(emulator, f"{FRENCH} {NUMERIQUE}")
    (leg,) = log.legs
    assert leg.number == CAMILLE
    assert leg.bridged
    assert leg.pressed == ["1"]
    assert any("numérique" in heard for heard in leg.heard)
    assert log.dial_outcomes[0].status == "completed"
    stored = session.scalar(select(Call))
    camille = session.scalar(select(Staff).where(Staff.key == "camille"))
    assert stored.staff_id == camille.id
    assert stored.staff_connected is False  # the conversation ended: Camille is free again
    assert log.heard_contains(fr("goodbye"))
    assert CAMILLE not in log.heard_text  # a staff number never reaches the caller


def test_staff_see_the_hotline_number_not_the_callers(emulator: Any, phones: PhoneBook) -> None:
    phones[CAMILLE] = Answers()
    log = call(emulator, f"{FRENCH} {NUMERIQUE}")
    whisper = next(r for r in log.requests if "/voice/whisper?" in r.url)
    assert whisper.params["From"] == DEMO_NUMBER


def test_key_zero_rings_everyone_on_duty_at_once(emulator: Any, phones: PhoneBook) -> None:
    for number in (AMINA, KARIM, CAMILLE):
        phones[number] = NoAnswer()
    log = call(emulator, f"{FRENCH} 0 -")  # Tuesday 10:00: all three are on duty
    assert set(log.dial_outcomes[0].numbers) == {AMINA, KARIM, CAMILLE}


@pytest.mark.parametrize(
    ("behaviour", "dial_status"),
    [(Busy(), "busy"), (NoAnswer(), "no-answer"), (PersonalVoicemail(), "no-answer")],
)
def test_nobody_accepting_leads_to_the_voicemail(
    emulator: Any, phones: PhoneBook, session: Any, behaviour: Any, dial_status: str
) -> None:
    phones[KARIM] = behaviour
    log = call(emulator, f"{FRENCH} {SOCIAL} # 1")
    assert log.dial_outcomes[0].status == dial_status
    assert not log.bridged_to_personal_voicemail
    assert log.heard_contains(fr("nobody_available", theme="l'accompagnement social"))
    assert log.recordings
    assert log.recordings[0].status == "completed"
    assert log.heard_contains(fr("callback_confirmed"))
    callback = session.scalar(select(Callback))
    assert callback.phone_e164 == CALLER
    assert callback.theme.key == "social"


def test_closed_theme_says_when_it_reopens_and_keeps_a_message_without_consent(
    emulator: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")  # a Saturday
    log = call(emulator, f"{FRENCH} {ADMINISTRATIF} # 2")
    theme = "les démarches administratives"
    assert log.heard_contains(fr("theme_closed", theme=theme, moment="lundi à 9 heures"))
    assert not log.legs
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.callback_consent is False
    assert voicemail.theme.key == "administratif"
    assert count(session, Callback) == 0
    assert log.heard_contains(fr("callback_declined"))


def test_public_holiday_closes_the_permanence(
    emulator: Any, clock: Any, load_structure: Any
) -> None:
    load_structure(lambda data: data["holidays"].update(close=True))
    clock.set("2026-12-25 10:00")  # Christmas, a Friday
    log = call(emulator, f"{FRENCH} {ADMINISTRATIF} hangup")
    assert log.heard_contains("rouvre lundi à 9 heures")  # Monday 28 December
    assert not log.legs


def test_the_demo_keeps_numerique_open_even_on_public_holidays(
    emulator: Any, phones: PhoneBook, clock: Any
) -> None:
    clock.set("2026-12-25 03:00")
    phones[CAMILLE] = Answers()
    log = call(emulator, f"{FRENCH} {NUMERIQUE}")
    assert log.legs[0].bridged


def test_numerique_is_open_at_night(emulator: Any, phones: PhoneBook, clock: Any) -> None:
    clock.set("2026-12-06 03:30")
    phones[CAMILLE] = Answers()
    log = call(emulator, f"{FRENCH} {NUMERIQUE}")
    assert log.legs[0].bridged


def test_silence_three_times_then_the_voicemail(emulator: Any, session: Any) -> None:
    log = call(emulator, f"{FRENCH} - - - # 1")
    assert len(log.search_heard(fr("menu_no_input"))) == 2
    assert log.recordings
    assert session.scalar(select(Callback)) is not None


def test_wrong_keys_are_explained_then_a_valid_key_works(emulator: Any, phones: PhoneBook) -> None:
    phones[CAMILLE] = Answers()
    log = call(emulator, f"{FRENCH} 7 {NUMERIQUE}")
    assert log.heard_contains(fr("menu_invalid"))
    assert log.legs[0].bridged


def test_three_wrong_keys_lead_to_the_voicemail_not_a_hangup(emulator: Any) -> None:
    log = call(emulator, f"{FRENCH} 7 6 7 # 2")
    assert len(log.search_heard(fr("menu_invalid"))) == 2
    # The caller is told why the menu stops before hearing the voicemail offer.
    heard = log.heard_text
    assert fr("menu_gave_up") in heard
    assert heard.index(fr("menu_gave_up")) < heard.index("Vous pouvez laisser un message")
    assert log.recordings
    assert log.ended_by == "hangup-verb"


def test_staff_hear_the_whisper_once_and_again_only_without_a_key(
    emulator: Any, phones: PhoneBook
) -> None:
    phones[CAMILLE] = Answers(press="1")
    log = call(emulator, f"{FRENCH} {NUMERIQUE}")
    (leg,) = log.legs
    whisper = fr("whisper", theme="le numérique et les démarches en ligne")
    assert leg.heard.count(whisper) == 1


def test_star_repeats_the_menu(emulator: Any) -> None:
    log = call(emulator, f"{FRENCH} * hangup")
    assert len(log.search_heard(fr("main_menu_intro"))) == 2


def test_orientation_gives_the_help_numbers_then_the_menu(emulator: Any) -> None:
    log = call(emulator, f"{FRENCH} 9 hangup")
    orientation = log.heard_text
    for number in ("15", "17", "112", "114", "3919", "119"):
        assert number in orientation.replace(" ", "") or number in orientation
    assert len(log.search_heard(fr("main_menu_intro"))) == 2
    assert not log.legs  # no routing from the orientation branch


def test_a_theme_can_be_said_aloud(emulator: Any, phones: PhoneBook) -> None:
    phones[KARIM] = Answers()
    log = call(emulator, f"{FRENCH} say:social")
    assert log.legs[0].number == KARIM


def test_english_callers_hear_english(emulator: Any, phones: PhoneBook) -> None:
    phones[CAMILLE] = Answers()
    log = call(emulator, "2 3")
    assert log.heard_contains(en("main_menu_intro"))
    assert any("numérique" in h for h in log.legs[0].heard)  # staff: French


def test_empty_message_is_kept_as_a_trace_and_a_callback_still_offered(
    emulator: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")
    log = call(emulator, f"{FRENCH} {ADMINISTRATIF} silent 1")
    assert log.heard_contains(fr("voicemail_empty"))
    voicemail = session.scalar(select(Voicemail))
    # Twilio reports the empty recording as "absent" (status callback) before the call
    # reaches our no-message step; either way the attempt is kept, not lost.
    assert voicemail.status in (VoicemailStatus.EMPTY, VoicemailStatus.ABSENT)
    assert session.scalar(select(Callback)).voicemail_id == voicemail.id


def test_hanging_up_after_the_message_keeps_it_without_a_callback(
    emulator: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")
    call(emulator, f"{FRENCH} {ADMINISTRATIF} hangup")
    voicemail = session.scalar(select(Voicemail))
    assert voicemail.recording_sid
    assert voicemail.callback_consent is None
    assert voicemail.status == VoicemailStatus.COMPLETED
    assert count(session, Callback) == 0


def test_staff_already_on_a_hotline_call_are_not_rung(
    emulator: Any, phones: PhoneBook, session: Any
) -> None:
    phones[CAMILLE] = Answers()
    first = call(emulator, f"{FRENCH} {NUMERIQUE}")
    ongoing = session.scalar(select(Call).where(Call.call_sid == first.call_sid))
    ongoing.staff_connected = True  # as if the first conversation were still going on
    session.commit()
    second = call(emulator, f"{FRENCH} {NUMERIQUE} hangup", from_="+33600000888")
    assert not second.legs
    assert second.heard_contains(
        fr("nobody_available", theme="le numérique et les démarches en ligne")
    )


@pytest.mark.parametrize("withheld", ["+266696687", "anonymous"])
def test_a_withheld_number_is_never_promised_a_callback(
    emulator: Any, session: Any, clock: Any, withheld: str
) -> None:
    clock.set("2026-12-05 15:00")
    log = call(emulator, f"{FRENCH} {ADMINISTRATIF} # 1", from_=withheld)
    assert log.heard_contains(fr("callback_impossible"))
    assert not log.heard_contains(fr("callback_consent"))
    assert session.scalar(select(Voicemail)) is not None  # the message is kept
    assert count(session, Callback) == 0
