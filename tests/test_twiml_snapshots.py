"""TwiML snapshots: each script node and call step renders exactly as reviewed.

A change to a prompt or to the rendering shows up here as a diff to read.
Regenerate deliberately with `UPDATE_SNAPSHOTS=1 make test`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from twilio.twiml.voice_response import VoiceResponse

from hotline.directory import directory
from hotline.emulator import parse_twiml
from hotline.voice import render
from hotline.voice.render import Voice
from tests.inbound_helpers import DEMO_NUMBER, default_script

SNAPSHOTS = Path(__file__).parent / "snapshots"


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
    "ring_staff": lambda v: render.ring_staff(
        v,
        VoiceResponse(),
        v.structure.themes[2],
        [(3, "+33600000003"), (1, "+33600000001")],
        DEMO_NUMBER,
    ),
    "whisper": lambda v: render.whisper(v, 3, v.structure.themes[2]),
    "whisper_accepted": render.whisper_accepted,
    "whisper_refused": render.whisper_refused,
    "record_message": lambda v: render.record_message(v, VoiceResponse()),
    "ask_consent": lambda v: render.ask_consent(v, VoiceResponse(), 1),
    "goodbye": lambda v: render.hang_up(v, VoiceResponse()),
}


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


def test_every_snapshot_is_still_rendered() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.xml")} == set(RENDERINGS)
