"""The person calling: a script of key presses for tests and demos, or a human at a terminal.

The interpreter asks the caller what it does at each <Gather> and <Record>; the caller never
sees TwiML, only what a person on the phone would perceive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

DIGITS = re.compile(r"^[0-9*#]+$")
# Keys pressed while the N-th prompt nested in the next <Gather> plays (barge-in): "3@2".
BARGE_IN = re.compile(r"^([0-9*#]+)@([1-9][0-9]*)$")
SPEECH_CONFIDENCE = "0.9"
DEFAULT_SPEAK_SECONDS = 8
GATHER_HELP = "Tapez des touches puis Entrée (rien = silence, q = raccrocher, say:mot = parole)"
RECORD_HELP = (
    "Enregistrement : Entrée = fin par silence, une touche = fin avec la touche,"
    " v = enregistrement vide, q = raccrocher"
)


@dataclass(frozen=True)
class Keys:
    """DTMF keys pressed, in order (the interpreter applies numDigits/finishOnKey)."""

    keys: str


@dataclass(frozen=True)
class Speech:
    text: str
    confidence: str = SPEECH_CONFIDENCE


@dataclass(frozen=True)
class Silence:
    pass


@dataclass(frozen=True)
class HangUp:
    reason: str = "the caller hung up"


GatherInput = Keys | Speech | Silence | HangUp


@dataclass(frozen=True)
class Stay:
    """In a conference: stay and listen for `seconds` (None = until the room lets you go)."""

    seconds: float | None = None


# What a person does in a conference: stay a while, press keys (`*` leaves with hangupOnStar),
# or hang up.
ConferenceInput = Stay | Keys | HangUp


@dataclass(frozen=True)
class ConferencePrompt:
    """What a participant knows in a room: its name and whether `*` takes them out."""

    name: str
    hangup_on_star: bool


@dataclass(frozen=True)
class RecordInput:
    """The caller speaks for `seconds` (0 = an empty recording), then `end` stops the recording."""

    seconds: int
    end: Keys | Silence | HangUp


@dataclass(frozen=True)
class GatherPrompt:
    """What a <Gather> waits for, as the caller could perceive or need it."""

    modes: frozenset[str]
    num_digits: int | None
    finish_on_key: str
    timeout: int


@dataclass(frozen=True)
class RecordPrompt:
    finish_on_key: str
    timeout: int
    max_length: int


class Caller(Protocol):
    """Whoever is on the line, answering the app's prompts."""

    def hear(self, text: str) -> None: ...

    def gather(self, prompt: GatherPrompt) -> GatherInput: ...

    def record(self, prompt: RecordPrompt) -> RecordInput: ...


def _check_token(token: str) -> str:
    if DIGITS.match(token) or BARGE_IN.match(token) or token in ("-", "hangup", "silent"):
        return token
    if re.fullmatch(r"(rec|wait):\d+", token) or (token.startswith("say:") and token[4:].strip()):
        return token
    raise ValueError(
        f"unknown caller token {token!r}: use digits (1, 12#, *), digits@N (pressed during"
        " the N-th prompt of a menu), say:words, -, hangup, silent, rec:N or wait:N"
    )


def conference_input(caller: Caller, prompt: ConferencePrompt) -> ConferenceInput:
    """Ask a caller what they do in a room; callers without a `conference` method just stay."""
    ask = getattr(caller, "conference", None)
    return Stay() if ask is None else ask(prompt)


@dataclass
class ScriptedCaller:
    """Plays a fixed sequence of tokens, one per <Gather> or <Record>.

    Tokens: digits (`1`, `12#`, `*`), `say:words` (speech), `-` (silence), `hangup`,
    `3@2` (press 3 while the 2nd prompt nested in the <Gather> plays: barge-in; pressed
    after the prompts when the <Gather> has fewer),
    `silent`/`rec:0` (empty recording), `rec:N` (speak N seconds) and, in a conference,
    `wait:N` (stay N seconds, then take the next token: `wait:30 *` presses `*` after 30 s,
    `wait:30 hangup` hangs up). A string is split on spaces; pass a list to keep spaces inside
    a `say:` token. Once the script is exhausted the caller stays silent, gives up after
    `patience` silent menus (None = never), and stays in a conference until it ends.
    A `wait:N` token met at a <Gather> counts as silence.
    """

    keys: str | Sequence[str] = ""
    speak_seconds: int = DEFAULT_SPEAK_SECONDS
    patience: int | None = 3
    # In a room once the script is exhausted: stay this long, then hang up (None: stay).
    then_talk: int | None = None
    tokens: list[str] = field(init=False)
    silent_menus: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        raw = self.keys.split() if isinstance(self.keys, str) else list(self.keys)
        self.tokens = [_check_token(t) for t in raw]

    def hear(self, text: str) -> None:
        """A script does not react to what it hears."""

    def _next(self) -> str | None:
        return self.tokens.pop(0) if self.tokens else None

    def barge_in(self, prompt: GatherPrompt, index: int) -> GatherInput | None:
        """Keys pressed during the `index`-th nested prompt, when the next token says so."""
        found = BARGE_IN.match(self.tokens[0]) if self.tokens else None
        if found is None or int(found.group(2)) != index:
            return None
        self.tokens.pop(0)
        return Keys(found.group(1))

    def gather(self, prompt: GatherPrompt) -> GatherInput:
        token = self._next()
        if token is not None and (late := BARGE_IN.match(token)):
            token = late.group(1)  # the prompts ended before the N-th: pressed after them
        if token is None:
            self.silent_menus += 1
            if self.patience is not None and self.silent_menus > self.patience:
                return HangUp(f"the caller gave up after {self.patience} silent menus")
            return Silence()
        if token == "hangup":
            return HangUp()
        if token.startswith("say:"):
            return Speech(token[4:])
        if DIGITS.match(token):
            return Keys(token)
        return Silence()

    def conference(self, prompt: ConferencePrompt) -> ConferenceInput:
        token = self._next()
        if token is None and self.then_talk is not None:
            talk, self.then_talk = self.then_talk, None
            self.tokens = ["hangup"]
            return Stay(talk)
        if token is None:
            return Stay()
        if token == "hangup":
            return HangUp()
        if token.startswith("wait:"):
            return Stay(int(token[5:]))
        if DIGITS.match(token):
            return Keys(token)
        return Stay(0)

    def record(self, prompt: RecordPrompt) -> RecordInput:
        token = self._next()
        if token in ("silent", "rec:0"):
            return RecordInput(0, Silence())
        if token is not None and token.startswith("rec:"):
            return RecordInput(int(token[4:]), Silence())
        if token == "hangup":
            return RecordInput(self.speak_seconds, HangUp())
        if token is not None and DIGITS.match(token):
            return RecordInput(self.speak_seconds, Keys(token))
        return RecordInput(self.speak_seconds, Silence())


@dataclass
class VoicemailCaller:
    """A voicemail that picked up: silent at every menu, records, never presses a key.

    In a conference it records for `listen_seconds` (None = until dropped), then hangs up.
    """

    listen_seconds: float | None = None
    speak_seconds: int = DEFAULT_SPEAK_SECONDS
    _asked: bool = field(default=False, init=False)

    def hear(self, text: str) -> None:
        """A greeting plays over whatever the app says."""

    def gather(self, prompt: GatherPrompt) -> GatherInput:
        return Silence()

    def record(self, prompt: RecordPrompt) -> RecordInput:
        return RecordInput(self.speak_seconds, Silence())

    def conference(self, prompt: ConferencePrompt) -> ConferenceInput:
        if self.listen_seconds is None:
            return Stay()
        if self._asked:
            return HangUp("the voicemail stops recording and hangs up")
        self._asked = True
        return Stay(self.listen_seconds)


class InteractiveCaller:
    """A human at the terminal: prints what is heard and reads key presses."""

    def __init__(
        self,
        read: Callable[[str], str] = input,
        write: Callable[[str], None] = print,
        speak_seconds: int = DEFAULT_SPEAK_SECONDS,
    ) -> None:
        self._read = read
        self._write = write
        self._speak_seconds = speak_seconds

    def hear(self, text: str) -> None:
        self._write(f"🔊 {text}")

    def _ask(self, help_text: str) -> str | None:
        try:
            return self._read(f"{help_text}\n> ").strip()
        except EOFError:
            return None

    def gather(self, prompt: GatherPrompt) -> GatherInput:
        while True:
            answer = self._ask(GATHER_HELP)
            if answer is None or answer == "q":
                return HangUp()
            if answer in ("", "-"):
                return Silence()
            if answer.startswith("say:") and answer[4:].strip():
                return Speech(answer[4:].strip())
            if DIGITS.match(answer):
                return Keys(answer)
            self._write("Touches possibles : 0-9, * et #.")

    def record(self, prompt: RecordPrompt) -> RecordInput:
        while True:
            answer = self._ask(RECORD_HELP)
            if answer is None or answer == "q":
                return RecordInput(self._speak_seconds, HangUp())
            if answer in ("", "-"):
                return RecordInput(self._speak_seconds, Silence())
            if answer == "v":
                return RecordInput(0, Silence())
            if DIGITS.match(answer):
                return RecordInput(self._speak_seconds, Keys(answer))
            self._write("Touches possibles : 0-9, * et #.")
