"""Simulated staff phones reached by <Dial><Number>: who answers, after how long, and how.

A mobile's own voicemail is modelled explicitly because it is the classic way a hotline
"answers" a caller with nobody there; tests use it to prove the whisper screens it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from hotline.emulator.callers import Caller, ScriptedCaller, VoicemailCaller
from hotline.emulator.rest_faults import RestFault
from hotline.emulator.twiml_rules import E164

RING_SECONDS = 6


class PhoneBehaviour(Protocol):
    """How one simulated phone reacts when dialed."""

    @property
    def network_result(self) -> str | None:
        """Either "busy" or "failed" when the call never rings, else None."""
        ...

    @property
    def answer_after(self) -> int | None:
        """Seconds of ringing before pick-up, or None if nobody ever picks up."""
        ...

    @property
    def talk_seconds(self) -> int: ...

    @property
    def is_voicemail(self) -> bool: ...

    def whisper_caller(self) -> Caller:
        """How the person (or machine) who picked up reacts to the whisper TwiML."""
        ...


def hangup_after(behaviour: PhoneBehaviour) -> float | None:
    """Seconds after pick-up when this phone hangs up on its own, wherever the call is."""
    value = getattr(behaviour, "hangup_after", None)
    return None if value is None else float(value)


@dataclass(frozen=True)
class Answers:
    """Someone who picks up after `rings` rings and presses `press` at the whisper.

    `press` is one token per <Gather> (or conference stay) in `ScriptedCaller` syntax: "1",
    or "1 2#" / ("1", "2#") for a person who answers several menus, "1 wait:60 *" for one who
    joins a room, listens a minute and presses `*`. `pickup_seconds` overrides the ring count
    with an exact delay; `hangup_after` makes them hang up that many seconds after picking up,
    wherever the call is (a menu, a room). Once in a room with nothing left to press, they talk
    `talk_seconds` and hang up (a staff member who took a caller's call).
    """

    press: str | tuple[str, ...] = "1"
    rings: int = 1
    talk_seconds: int = 60
    pickup_seconds: int | None = None
    hangup_after: int | None = None
    network_result: str | None = field(default=None, init=False, repr=False)
    is_voicemail: bool = field(default=False, init=False, repr=False)

    @property
    def answer_after(self) -> int | None:
        return self.pickup_seconds if self.pickup_seconds is not None else self.rings * RING_SECONDS

    def whisper_caller(self) -> Caller:
        """Presses `press`; in a room once done, talks `talk_seconds` and hangs up."""
        return ScriptedCaller(self.press, then_talk=self.talk_seconds)


@dataclass(frozen=True)
class PersonalVoicemail:
    """A mobile whose voicemail picks up after `rings` rings and then listens silently.

    `pickup_seconds=2` models a phone that is off or declines: the voicemail answers at once.
    It never presses a key; put in a conference it records `talk_seconds`, then hangs up.
    """

    rings: int = 4
    talk_seconds: int = 30
    pickup_seconds: int | None = None
    network_result: str | None = field(default=None, init=False, repr=False)
    is_voicemail: bool = field(default=True, init=False, repr=False)

    @property
    def answer_after(self) -> int | None:
        return self.pickup_seconds if self.pickup_seconds is not None else self.rings * RING_SECONDS

    def whisper_caller(self) -> Caller:
        return VoicemailCaller(listen_seconds=self.talk_seconds)


@dataclass(frozen=True)
class _Unanswered:
    network_result: str | None = field(default=None, init=False, repr=False)
    talk_seconds: int = field(default=0, init=False, repr=False)
    is_voicemail: bool = field(default=False, init=False, repr=False)

    @property
    def answer_after(self) -> int | None:
        return None

    def whisper_caller(self) -> Caller:
        return ScriptedCaller([])


@dataclass(frozen=True)
class NoAnswer(_Unanswered):
    """Rings until the <Dial> timeout."""


@dataclass(frozen=True)
class Busy(_Unanswered):
    """The line is busy: never rings."""

    network_result: str | None = field(default="busy", init=False, repr=False)


@dataclass(frozen=True)
class Fails(_Unanswered):
    """The network cannot reach the phone."""

    network_result: str | None = field(default="failed", init=False, repr=False)


class PhoneBook:
    """Maps E.164 numbers to behaviours; any unknown number rings out (`NoAnswer`)."""

    def __init__(
        self,
        phones: Mapping[str, PhoneBehaviour] | None = None,
        default: PhoneBehaviour | None = None,
    ) -> None:
        self._phones: dict[str, PhoneBehaviour] = {}
        self._rest_errors: dict[str, RestFault] = {}
        self.default: PhoneBehaviour = default or NoAnswer()
        for number, behaviour in (phones or {}).items():
            self[number] = behaviour

    def __setitem__(self, number: str, behaviour: PhoneBehaviour) -> None:
        if not E164.match(number):
            raise ValueError(f"phone numbers are E.164 (+33…), got {number!r}")
        self._phones[number] = behaviour

    def add(
        self,
        number: str,
        behaviour: PhoneBehaviour | None = None,
        *,
        rest_error: RestFault | None = None,
    ) -> None:
        """A phone, and the REST error Twilio answers to any call or SMS to it (or None)."""
        self[number] = behaviour or self.behaviour(number)
        if rest_error is None:
            self._rest_errors.pop(number, None)
        else:
            self._rest_errors[number] = rest_error

    def rest_error(self, number: str) -> RestFault | None:
        return self._rest_errors.get(number)

    def behaviour(self, number: str) -> PhoneBehaviour:
        return self._phones.get(number, self.default)
