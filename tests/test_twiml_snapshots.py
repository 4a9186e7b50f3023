"""TwiML snapshots: each script node and call step renders exactly as reviewed.

A change to a prompt or to the rendering shows up here as a diff to read.
Regenerate deliberately with `UPDATE_SNAPSHOTS=1 make test`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from twilio.twiml.voice_response import VoiceResponse

from hotline.directory import directory
from hotline.emulator import parse_twiml
from hotline.voice import render, render_callback, render_group, render_ring
from hotline.voice.render import Voice
from tests.inbound_helpers import DEMO_NUMBER, default_script

SNAPSHOTS = Path(__file__).parent / "snapshots"
CALLER_SID = "CA" + "0" * 31 + "7"
NOTICE = {"retention_days": 90, "contact_months": 24}
GROUP_ROOM = render_group.Room(12, 7, "g-abc", "p3", False, True, True, False, True, 250)


@pytest.fixture
def voice(demo: Any, session: Any) -> Voice:
    structure = directory().by_number(session, DEMO_NUMBER)
    return Voice(default_script(), "fr", structure, "https://hotline.test")


def _node(voice: Voice, node_id: str) -> Any:
    return voice.script.nodes[node_id]


RENDERINGS: dict[str, Callable[[Voice], str]] = {
    "unknown_number": lambda v: render.unknown_number(Voice(v.script, "fr")),
    "main_menu": lambda v: render.menu(v, VoiceResponse(), _node(v, "main_menu"), 1),
    "main_menu_en": lambda v: render.menu(
        v.in_language("en"), VoiceResponse(), _node(v, "main_menu"), 2
    ),
    "choose_language": lambda v: render.language_menu(
        v, VoiceResponse(), _node(v, "choose_language"), v.structure.languages, 1
    ),
    # The first answer: what comes before the menu is said inside its <Gather> (barge-in).
    "greeting_language_known": lambda v: render.menu(
        v, VoiceResponse(), _node(v, "main_menu"), 1, [("welcome", {}), ("privacy_notice", NOTICE)]
    ),
    "greeting_language_asked": lambda v: render.language_menu(
        v, VoiceResponse(), _node(v, "choose_language"), v.structure.languages, 1, [("welcome", {})]
    ),
    # Ringing staff while the caller waits in a room (hotline.voice.render_ring).
    "ring_staff": lambda v: render_ring.wait_for_staff(
        v, VoiceResponse(), v.structure.themes[2], f"accueil-{CALLER_SID}"
    ),
    "ring_wait": render_ring.wait_music,
    "whisper": lambda v: render_ring.screen(v, CALLER_SID, 3, v.structure.themes[2]),
    "ring_join": lambda v: render_ring.join_caller(v, f"accueil-{CALLER_SID}"),
    "whisper_taken": lambda v: render_ring.too_late(v, taken=True),
    "whisper_caller_gone": lambda v: render_ring.too_late(v, taken=False),
    "whisper_refused": render.whisper_refused,
    "record_message": lambda v: render.record_message(v, VoiceResponse()),
    "ask_consent": lambda v: render.ask_consent(v, VoiceResponse(), 1),
    "goodbye": lambda v: render.hang_up(v, VoiceResponse()),
    # Calling people back (hotline.voice.render_callback): the staff member's side.
    "callback_staff_intro": lambda v: render_callback.staff_intro(
        v, 7, v.theme_label(v.structure.themes[1]), "Jean Martin"
    ),
    "callback_bridge": lambda v: render_callback.bridge(
        v, VoiceResponse(), 7, "+33600000101", DEMO_NUMBER, "/voice/staff/outcome?attempt=7"
    ),
    "callback_refused": lambda v: render_callback.say_and_hang_up(v, "staff_pin_refused"),
    "staff_pin": lambda v: render_callback.ask_pin(
        v, VoiceResponse(), "Amina", "/voice/staff/pin?try=1"
    ),
    "staff_menu": lambda v: render_callback.staff_menu(
        v, VoiceResponse(), "/voice/staff/menu", "/voice/staff/menu?silent=1"
    ),
    "staff_counts": lambda v: _counts(v, [("l'accompagnement social", 2), ("le numérique", 1)]),
    "staff_counts_none": lambda v: _counts(v, [("l'accompagnement social", 0)]),
    "staff_outcome": lambda v: render_callback.ask_outcome(
        v, VoiceResponse(), "/voice/staff/outcome?attempt=7"
    ),
    # Group calls (hotline.voice.render_group): an unrecorded room is exactly as before
    # recording existed; a recorded one adds record + its callback, after the notice.
    "group_room": lambda v: render_group.room(v, GROUP_ROOM, ("group_joining",)),
    "group_room_recorded": lambda v: render_group.room(
        v, replace(GROUP_ROOM, recording=True), ("group_recording_objected", "group_joining")
    ),
    "group_recording_notice": lambda v: render_group.recording_notice(v, 7, "formation", 30),
    "group_keypad_menu_recorded": lambda v: render_group.keypad_menu(
        v, 7, False, (), may_object=True
    ),
}


def _counts(voice: Voice, counts: list[tuple[str, int]]) -> str:
    response = VoiceResponse()
    render_callback.speak_counts(voice, response, counts)
    return str(response)


@pytest.mark.parametrize("name", sorted(RENDERINGS))
def test_twiml_matches_its_snapshot(voice: Voice, name: str) -> None:
    xml = RENDERINGS[name](voice)
    parse_twiml(xml)  # the emulator's strict rules: no unknown verb, attribute or value
    snapshot = SNAPSHOTS / f"{name}.xml"
    pretty = xml.replace("><", ">\n<") + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(pretty, encoding="utf-8")
    assert snapshot.exists(), f"missing snapshot {snapshot.name}: run with UPDATE_SNAPSHOTS=1"
    assert pretty == snapshot.read_text(encoding="utf-8")


def _matches_snapshot(text: str, snapshot: Path) -> None:
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.exists(), f"missing snapshot {snapshot.name}: run with UPDATE_SNAPSHOTS=1"
    assert text == snapshot.read_text(encoding="utf-8")


SMS_CASES = {
    # The demo's numérique line is open around the clock, so its union is the whole week.
    "sms_last_attempt_fr": ("fr", lambda duties: duties),
    "sms_last_attempt_en": ("en", lambda duties: duties),
    # Amina's duty alone: weekday mornings and afternoons, said as ranges.
    "sms_weekday_hours_fr": ("fr", lambda duties: duties[:1]),
}


@pytest.mark.parametrize("name", sorted(SMS_CASES))
def test_the_last_attempt_sms_matches_its_snapshot(voice: Voice, name: str) -> None:
    """The SMS after the last try: weekly hours, folded to GSM-7, kept to one SMS."""
    lang, duties = SMS_CASES[name]
    structure = voice.structure
    slots = [slot for duty in duties(structure.duties) for slot in duty.slots]
    text = render_callback.sms_text(voice.script, lang, structure.name, "01 84 88 00 00", slots)
    assert render_callback.septets(text) <= render_callback.SMS_SEGMENT
    _matches_snapshot(text + "\n", SNAPSHOTS / f"{name}.txt")


def test_every_snapshot_is_still_rendered() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.xml")} == set(RENDERINGS)
    assert {p.stem for p in SNAPSHOTS.glob("*.txt")} == set(SMS_CASES)
