"""Shared words for the inbound-call tests: the demo's numbers and its French prompts."""

from __future__ import annotations

from functools import cache

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
