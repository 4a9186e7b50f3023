"""The record of one simulated call: what the caller heard, pressed, and what the app was asked.

Tests assert on it (`heard_text`, `ended_by`, `legs`…) and `hotline call` prints `transcript()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

# What the caller hears; staff-side events are kept apart so prompts never mix.
HEARD_KINDS = frozenset({"say", "play", "pause", "beep"})

# kind -> (terminal label, ASCII-only label)
LABELS: dict[str, tuple[str, str]] = {
    "say": ("🔊", "[say]"),
    "play": ("🎵", "[play]"),
    "pause": ("…", "[pause]"),
    "beep": ("🔔", "[beep]"),
    "input": ("⌨", "[keys]"),  # the caller's keys; a staff phone's call shows STAFF_KEYS
    "request": ("→", "[http]"),
    "dial": ("📞", "[dial]"),
    "leg": ("  ↳", "  ->"),
    "staff": ("  👂", "  [staff]"),
    "record": ("⏺", "[rec]"),
    "conference": ("👥", "[conf]"),
    "voicemail-bridge": ("‼", "[!!]"),
    "note": ("·", "[note]"),
    "error": ("✖", "[error]"),
    "end": ("■", "[end]"),
}

STAFF_KEYS = ("☎", "[staff keys]")  # what a staff phone pressed, in its own call's transcript


@dataclass(frozen=True)
class Event:
    """One thing that happened during the call, in order."""

    kind: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)
    at: float | None = None  # simulated seconds since the emulator's simulation started


class WebhookCall(NamedTuple):
    """One request the emulator sent to the app."""

    url: str
    params: dict[str, str]
    status: int


@dataclass
class LegLog:
    """A staff phone dialed by <Dial><Number>: what it did and what its owner heard."""

    number: str
    behaviour: str
    call_sid: str
    status: str = "initiated"
    answered: bool = False
    bridged: bool = False
    heard: list[str] = field(default_factory=list)
    pressed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DialOutcome:
    """How one <Dial> ended, as reported to its action URL."""

    status: str
    dial_call_sid: str
    duration: int
    bridged_number: str | None
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class RecordingLog:
    """A <Record> result as Twilio would report it."""

    sid: str
    url: str
    duration: int
    status: str  # "completed" | "absent"
    digits: str | None


@dataclass(frozen=True)
class StoredRecording:
    """A recording kept by the emulator, so the REST fake can serve and delete it like Twilio."""

    call_sid: str | None
    recording: RecordingLog
    created_at: datetime
    conference_sid: str | None = None  # a conference's recording (source "Conference")


@dataclass
class CallLog:
    """Everything observable about one simulated call."""

    call_sid: str
    from_: str
    to: str
    events: list[Event] = field(default_factory=list)
    requests: list[WebhookCall] = field(default_factory=list)
    ended_by: str | None = None
    dial_outcomes: list[DialOutcome] = field(default_factory=list)
    legs: list[LegLog] = field(default_factory=list)
    recordings: list[RecordingLog] = field(default_factory=list)
    # Reads the simulated clock (seconds) to time-stamp events; set by the emulator.
    clock: Callable[[], float] | None = field(default=None, repr=False, compare=False)

    def add(self, kind: str, text: str, **data: Any) -> None:
        self.events.append(Event(kind, text, data, self.clock() if self.clock else None))

    @property
    def heard(self) -> list[str]:
        """Texts the caller heard, in order (Say text, "[audio URL]", "[pause N s]", "[beep]")."""
        return [e.text for e in self.events if e.kind in HEARD_KINDS]

    @property
    def heard_text(self) -> str:
        return "\n".join(self.heard)

    def heard_contains(self, fragment: str) -> bool:
        """Whether the caller heard `fragment`, ignoring case and runs of whitespace."""
        needle = " ".join(fragment.split()).casefold()
        return any(needle in " ".join(t.split()).casefold() for t in self.heard)

    def search_heard(self, pattern: str | re.Pattern[str]) -> list[str]:
        """Heard texts matching a regular expression (case-insensitive when given as str)."""
        regex = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
        return [t for t in self.heard if regex.search(t)]

    def events_of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    @property
    def bridged_to_personal_voicemail(self) -> bool:
        """True when a <Dial> connected the caller to a staff member's own voicemail."""
        return bool(self.events_of("voicemail-bridge"))

    def transcript(
        self,
        *,
        ascii_only: bool = False,
        show_requests: bool = False,
        times: bool = False,
        staff_phone: bool = False,
    ) -> str:
        """A readable account of the call for the terminal, one event per line.

        `times=True` prefixes each line with its simulated time (`[mm:ss]`). `staff_phone=True`
        marks the keys with the staff phone's sign (☎), never the caller's (⌨).
        """
        labels = {**LABELS, "input": STAFF_KEYS} if staff_phone else LABELS
        lines = [f"Appel {self.call_sid}  {self.from_} -> {self.to}"]
        for event in self.events:
            if event.kind == "request" and not show_requests:
                continue
            fancy, plain = labels.get(event.kind, ("·", f"[{event.kind}]"))
            stamp = f"{sim_time(event.at)} " if times else ""
            lines.append(f"{stamp}{plain if ascii_only else fancy} {event.text}")
        lines.append(f"Fin de l'appel : {self.ended_by}")
        return "\n".join(lines)


def sim_time(seconds: float | None) -> str:
    """Simulated seconds as `[mm:ss]` (`[h:mm:ss]` past an hour)."""
    if seconds is None:
        return "[--:--]"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"[{hours}:{minutes:02d}:{secs:02d}]" if hours else f"[{minutes:02d}:{secs:02d}]"
