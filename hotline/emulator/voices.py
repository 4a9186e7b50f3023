"""Which text-to-speech voice may speak which language, and how much text one <Say> may hold.

Twilio's <Say> page and its text-to-speech voice list pair every voice with the languages it
speaks; a pair outside the list is refused (an invalid combination), and error 13521 bounds the
text: 3000 characters for Amazon Polly (SSML tags not counted), 5000 for Google, 4096 for the
basic `man`/`woman` voices. The table covers the languages a hotline script offers (French,
English) and a few neighbours; a language missing here is refused, so adding a language to a
script means adding its voices here first, from Twilio's list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

DEFAULT_VOICE = "man"
DEFAULT_LANGUAGE = "en-US"
POLLY_LIMIT = 3000
GOOGLE_LIMIT = 5000
BASIC_LIMIT = 4096
BASIC_VOICES = frozenset({"man", "woman"})
BASIC_LANGUAGES = frozenset({"en-US", "en-GB", "es-ES", "fr-FR", "de-DE"})


def _polly(*names: str) -> set[str]:
    return {f"Polly.{name}" for name in names}


def _google(language: str, kinds: Mapping[str, str]) -> set[str]:
    """Google voices as Twilio names them: Google.<lang>-<kind>-<letter>."""
    return {
        f"Google.{language}-{kind}-{letter}"
        for kind, letters in kinds.items()
        for letter in letters
    }


def _neural(*names: str) -> set[str]:
    return {f"Polly.{name}-Neural" for name in names}


VOICES: Mapping[str, frozenset[str]] = {
    "fr-FR": frozenset(
        _polly("Celine", "Mathieu", "Lea")
        | _neural("Lea", "Remi")
        | _google("fr-FR", {"Standard": "ABCDE", "Wavenet": "ABCDE", "Neural2": "ABCDE"})
    ),
    "fr-CA": frozenset(
        _polly("Chantal")
        | _neural("Gabrielle", "Liam")
        | _google("fr-CA", {"Standard": "ABCD", "Wavenet": "ABCD", "Neural2": "ABCD"})
    ),
    "en-GB": frozenset(
        _polly("Amy", "Brian", "Emma")
        | _neural("Amy", "Brian", "Emma", "Arthur")
        | _google("en-GB", {"Standard": "ABCDF", "Wavenet": "ABCDF", "Neural2": "ABCDF"})
    ),
    "en-US": frozenset(
        _polly("Ivy", "Joanna", "Joey", "Justin", "Kendra", "Kimberly", "Matthew", "Salli")
        | _neural(
            "Ivy",
            "Joanna",
            "Joey",
            "Justin",
            "Kendra",
            "Kimberly",
            "Matthew",
            "Salli",
            "Kevin",
            "Ruth",
            "Stephen",
            "Danielle",
            "Gregory",
        )
        | _google("en-US", {"Standard": "ABCDEFGHIJ", "Wavenet": "ABCDEFGHIJ"})
        | _google("en-US", {"Neural2": "ACDEFGHIJ"})
    ),
    "es-ES": frozenset(
        _polly("Conchita", "Enrique", "Lucia")
        | _neural("Lucia", "Sergio")
        | _google("es-ES", {"Standard": "ABCD", "Wavenet": "BCD", "Neural2": "ABCDEF"})
    ),
    "de-DE": frozenset(
        _polly("Marlene", "Vicki", "Hans")
        | _neural("Vicki", "Daniel")
        | _google("de-DE", {"Standard": "ABCDEF", "Wavenet": "ABCDEF", "Neural2": "ABCDF"})
    ),
}


def languages_of(voice: str) -> frozenset[str]:
    """Every language `voice` speaks, per the table."""
    if voice in BASIC_VOICES:
        return BASIC_LANGUAGES
    return frozenset(language for language, voices in VOICES.items() if voice in voices)


def voice_problem(voice: str | None, language: str | None) -> str | None:
    """Why Twilio would refuse this voice/language pair, or None when it speaks it.

    Without `language` a voice speaks its own; without `voice` Twilio uses `man`.
    """
    voice = voice or DEFAULT_VOICE
    spoken = languages_of(voice)
    if not spoken:
        return f"unknown voice {voice!r} (not among Twilio's Polly, Google or basic voices)"
    if language is not None and language not in spoken:
        return (
            f"voice {voice!r} does not speak {language!r} (it speaks {', '.join(sorted(spoken))})"
        )
    return None


def text_limit(voice: str | None) -> int:
    """Error 13521: the most characters one <Say> may hold with this voice."""
    voice = voice or DEFAULT_VOICE
    if voice.startswith("Polly."):
        return POLLY_LIMIT
    if voice.startswith("Google."):
        return GOOGLE_LIMIT
    return BASIC_LIMIT


def say_problem(voice: str | None, language: str | None, text: str) -> str | None:
    """Why Twilio would refuse this <Say>: an invalid voice pair or too long a text (13521)."""
    problem = voice_problem(voice, language)
    if problem:
        return problem
    limit = text_limit(voice)
    if len(text) > limit:
        return f"text of {len(text)} characters exceeds {limit} for this voice (error 13521)"
    return None


def unspoken(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """The problems of several (voice, language) pairs, for `hotline scripts check`."""
    return [problem for voice, lang in pairs if (problem := voice_problem(voice, lang))]
