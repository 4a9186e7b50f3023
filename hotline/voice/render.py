"""Pure functions that turn a voice script and a call's state into TwiML.

No database, no Flask: given the same script, structure snapshot and URLs,
they return the same XML, which is what the snapshot tests pin down.
Every response they build ends by speaking, gathering, dialling, recording,
redirecting or hanging up on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.directory import StructureInfo, ThemeInfo
from hotline.voice.script import Node, Script

WHISPER_TIMEOUT_SECONDS = 8
SILENCE_BEFORE_END_OF_MESSAGE = 5
# Twilio adds 5 s to every ring timeout it is given (<Dial timeout>, the Calls resource's
# Timeout): ask for 5 s less than the ring we mean, or a personal voicemail has time to answer.
TWILIO_RING_BUFFER_SECONDS = 5
MIN_RING_TIMEOUT = 5
# Connection overrides on every status callback we give Twilio: without them Twilio never
# retries one, and a lost final status leaves a call or an attempt open until a sweep. It is
# part of the URL Twilio signs (see `hotline.telephony.signature`); the handlers are idempotent.
CALLBACK_RETRIES = "rc=3&rp=5xx,rt"

# A prompt said before a menu's own lines (the greeting, the privacy notice, "we did not hear
# your choice"): its key and the placeholders it is given.
Spoken = tuple[str, Mapping[str, object]]


def voice_url(name: str, **params: object) -> str:
    """A webhook URL under /voice/, parameters in a stable order (they are signed)."""
    query = urlencode(sorted((k, str(v)) for k, v in params.items() if v is not None))
    return f"/voice/{name}" + (f"?{query}" if query else "")


def callback_url(name: str, **params: object) -> str:
    """A status callback URL: a `voice_url` that asks Twilio to retry it (`CALLBACK_RETRIES`)."""
    return f"{voice_url(name, **params)}#{CALLBACK_RETRIES}"


def ring_timeout(seconds: int) -> int:
    """The timeout to give Twilio for a ring of about `seconds`, its 5-second buffer included."""
    return max(MIN_RING_TIMEOUT, seconds - TWILIO_RING_BUFFER_SECONDS)


@dataclass(frozen=True)
class Voice:
    """What is needed to speak to one caller: the script, its language, the structure."""

    script: Script
    lang: str
    structure: StructureInfo | None = None
    audio_base: str = ""

    def speak(self, target: VoiceResponse | Gather, key: str, **params: object) -> None:
        """Say (or play) one prompt of the script in this voice's language."""
        if self.structure is not None:
            params.setdefault("structure", self.structure.name)
        prompt = self.script.prompt(self.lang, key, **params)
        if prompt.audio:
            target.play(f"{self.audio_base}/voice/audio/{self.script.name}/{prompt.audio}")
            return
        language = self.script.languages[self.lang]
        target.say(_sentence(prompt.text), voice=language.voice, language=language.say_language)

    def key_name(self, digit: str) -> str:
        return self.script.key_name(self.lang, digit)

    def theme_label(self, theme: ThemeInfo | None) -> str:
        if theme is None:
            return self.script.prompt(self.lang, "any_theme_label").text
        default = self.structure.default_language if self.structure else self.lang
        return theme.label(self.lang, default)

    def in_language(self, lang: str) -> Voice:
        return Voice(self.script, lang, self.structure, self.audio_base)


def _sentence(text: str) -> str:
    """A capital to start: "{theme} : tapez 1" may begin with a label written in lower case."""
    return text[:1].upper() + text[1:]


def hang_up(voice: Voice, response: VoiceResponse, key: str = "goodbye", **params: object) -> str:
    """Say a last sentence and hang up."""
    voice.speak(response, key, **params)
    response.hangup()
    return str(response)


def unknown_number(voice: Voice) -> str:
    return hang_up(voice, VoiceResponse(), "unknown_number")


def menu(
    voice: Voice, response: VoiceResponse, node: Node, attempt: int, before: Sequence[Spoken] = ()
) -> str:
    """A menu as one <Gather>, then a redirect that reports silence.

    `before` (the greeting and the notice on the first answer) is said inside the <Gather>
    too: a caller who knows the key can press it at once instead of hearing it all
    (Twilio stops nested <Say>/<Play> at the first key, `bargeIn` defaulting to true).
    """
    settings = voice.script.settings
    structure = voice.structure
    themes = structure.themes if (node.themes and structure) else ()
    language = voice.script.languages[voice.lang]
    gather = response.gather(
        input="dtmf speech" if themes else "dtmf",
        action=voice_url("menu", node=node.id, lang=voice.lang, attempt=attempt),
        method="POST",
        num_digits=1,
        timeout=settings.gather_timeout,
        language=language.speech_language,
        **({"hints": _hints(voice, themes), "speech_timeout": "auto"} if themes else {}),
    )
    _say_before(voice, gather, before)
    for key in node.prompts:
        voice.speak(gather, key)
    for theme in themes:
        voice.speak(
            gather,
            "theme_option",
            theme=voice.theme_label(theme),
            digit=voice.key_name(theme.digit),
        )
    for option in node.options:
        if option.prompt:
            voice.speak(gather, option.prompt, digit=voice.key_name(option.digit))
    response.redirect(
        voice_url("menu", node=node.id, lang=voice.lang, attempt=attempt, silent=1), method="POST"
    )
    return str(response)


def _say_before(voice: Voice, gather: Gather, before: Sequence[Spoken]) -> None:
    for key, params in before:
        voice.speak(gather, key, **params)


def _hints(voice: Voice, themes: Iterable[ThemeInfo]) -> str:
    words: list[str] = []
    for theme in themes:
        words.append(voice.theme_label(theme))
        words.extend(theme.keywords.get(voice.lang, ()))
    return ", ".join(dict.fromkeys(words))


def language_menu(
    voice: Voice,
    response: VoiceResponse,
    node: Node,
    languages: Iterable[str],
    attempt: int,
    before: Sequence[Spoken] = (),
) -> str:
    """Each language offered in its own voice: 'Pour le français, tapez 1. For English...'

    Like `menu`, what comes `before` is said inside the <Gather>, so a key interrupts it.
    """
    gather = response.gather(
        input="dtmf",
        action=voice_url("menu", node=node.id, lang=voice.lang, attempt=attempt),
        method="POST",
        num_digits=1,
        timeout=voice.script.settings.gather_timeout,
    )
    _say_before(voice, gather, before)
    for position, lang in enumerate(languages, start=1):
        own = voice.in_language(lang)
        name = voice.script.prompt(lang, "language_name").text
        own.speak(gather, node.prompts[0], language_name=name, digit=str(position))
    response.redirect(
        voice_url("menu", node=node.id, lang=voice.lang, attempt=attempt, silent=1), method="POST"
    )
    return str(response)


def whisper_refused(voice: Voice) -> str:
    return hang_up(voice, VoiceResponse(), "whisper_not_accepted")


def record_message(voice: Voice, response: VoiceResponse) -> str:
    """The beep, the message, then the consent question (or 'no message heard')."""
    settings = voice.script.settings
    voice.speak(
        response,
        "voicemail_instructions",
        finish_key_name=voice.key_name(settings.record_finish_key),
    )
    response.record(
        action=voice_url("recorded", lang=voice.lang),
        method="POST",
        max_length=settings.record_max_seconds,
        finish_on_key=settings.record_finish_key,
        timeout=SILENCE_BEFORE_END_OF_MESSAGE,
        play_beep=True,
        recording_status_callback=callback_url("recording-status"),
        recording_status_callback_method="POST",
        recording_status_callback_event="completed absent",
    )
    # Reached only when the recording was empty: Twilio skips the action then.
    response.redirect(voice_url("no-message", lang=voice.lang), method="POST")
    return str(response)


def ask_consent(
    voice: Voice,
    response: VoiceResponse,
    attempt: int,
    recording_url: str = "",
    before: Sequence[Spoken] = (),
) -> str:
    """Ask whether to call back at this number: a phone may be shared or borrowed.

    `recording_url` rides along when the message could not be saved when announced:
    the answer then saves it (see `telephony.recovery`). What comes `before` ("your message
    is saved", "we did not hear your choice") is said inside the <Gather>, as in `menu`.
    """
    carried = {"recording": recording_url} if recording_url else {}
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=voice.script.settings.gather_timeout,
        action=voice_url("consent", lang=voice.lang, attempt=attempt, **carried),
        method="POST",
    )
    _say_before(voice, gather, before)
    voice.speak(gather, "callback_consent")
    response.redirect(
        voice_url("consent", lang=voice.lang, attempt=attempt, silent=1, **carried),
        method="POST",
    )
    return str(response)
