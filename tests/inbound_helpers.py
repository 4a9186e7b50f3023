"""Shared words for the inbound-call tests: the demo's numbers and its French prompts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hotline.voice.script import Script, load_script, scripts_root

DEMO_NUMBER = "+33184880000"
CALLER = "+33600000999"
AMINA = "+33600000001"  # administratif, weekdays 9:00-12:30 and 14:00-17:00
KARIM = "+33600000002"  # social, Tuesday and Thursday 9:00-17:00
CAMILLE = "+33600000003"  # numérique, around the clock

FRENCH = "1"  # the language menu comes first: the demo offers French and English
ADMINISTRATIF, SOCIAL, NUMERIQUE = "1", "2", "3"


@cache
def default_script() -> Script:
    return load_script(scripts_root() / "default")


def fr(key: str, **params: object) -> str:
    """The French text of a prompt, as the caller hears it."""
    return default_script().prompt("fr", key, **params).text


def en(key: str, **params: object) -> str:
    return default_script().prompt("en", key, **params).text


@dataclass(frozen=True)
class StaffLeg:
    """A staff phone the `ring_staff` job called for a caller, and whether it got the call."""

    number: str
    log: Any  # the emulator's CallLog of that call
    bridged: bool  # joined the caller's room

    @property
    def heard(self) -> list[str]:
        return list(self.log.heard)

    @property
    def pressed(self) -> list[str]:
        keys = [e.text for e in self.log.events_of("input") if e.text.startswith("keys: ")]
        return [text.removeprefix("keys: ") for text in keys]


def staff_legs(emulator: Any, caller_log: Any) -> list[StaffLeg]:
    """The staff legs rung for this caller, in the order they were placed."""
    room = next(
        (c for c in emulator.conferences if c.friendly_name == f"accueil-{caller_log.call_sid}"),
        None,
    )
    joined = {p.number for p in room.history} if room is not None else set()
    return [
        StaffLeg(log.to, log, log.to in joined)
        for log in emulator.call_logs
        if log.call_sid != caller_log.call_sid
        and any(f"call={caller_log.call_sid}" in r.url for r in log.requests)
    ]
