"""Readable accounts of what happened in simulated time, for tests and the terminal.

- `conference_transcript(room)`: one timeline of a conference: the room's events (start, joins,
  leaves with their reason, mutes, holds, end) and, per participant, what they heard and
  pressed, each line stamped with its simulated time (`[mm:ss]`).
- `participant_summaries(room)`: per participant: number, label, joined/left times, why they
  left, what they heard and pressed (a `hotline conference start-now` can print these).
- `timeline(emulator)`: every call of the emulator interleaved by simulated time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.emulator.log import HEARD_KINDS, LABELS, CallLog, sim_time

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator
    from hotline.emulator.conference import Conference

ROOM_LABELS = {
    "start": "▶",
    "end": "■",
    "join": "+",
    "leave": "-",
    "mute": "🔇",
    "unmute": "🔈",
    "hold": "⏸",
    "unhold": "⏵",
}
SHOWN_KINDS = HEARD_KINDS | {"input", "conference", "leg", "end", "error", "dial"}


@dataclass(frozen=True)
class ParticipantSummary:
    call_sid: str
    number: str
    label: str | None
    joined_at: float | None
    left_at: float | None
    leave_reason: str | None
    call_status: str | None
    heard: tuple[str, ...]
    pressed: tuple[str, ...]


def _pressed(log: CallLog) -> list[str]:
    keys = []
    for event in log.events_of("input"):
        for prefix in ("keys: ", "keys in the conference: "):
            if event.text.startswith(prefix):
                keys.append(event.text[len(prefix) :])
    return keys


def participant_summaries(room: Conference) -> list[ParticipantSummary]:
    """Everyone who was ever in (or dialled into) the room, in order of arrival."""
    return [
        ParticipantSummary(
            p.call_sid,
            p.number,
            p.label,
            p.joined_at,
            p.left_at,
            p.leave_reason,
            p.call_status_at_leave,
            tuple(p.log.heard),
            tuple(_pressed(p.log)),
        )
        for p in room.history
    ]


def conference_transcript(room: Conference, *, ascii_only: bool = False) -> str:
    """The room's timeline with what each participant heard and pressed."""
    names = {p.call_sid: room.who(p) for p in room.history}
    lines: list[tuple[float, int, str]] = []
    for order, event in enumerate(room.events):
        mark = ROOM_LABELS.get(event.kind, "·")
        mark = f"[{event.kind}]" if ascii_only else mark
        lines.append((event.at, order, f"{sim_time(event.at)} {mark} {event.text}"))
    seen: set[int] = set()
    for p in room.history:
        if id(p.log) in seen:  # the same call back in the room after a keypad menu
            continue
        seen.add(id(p.log))
        for order, heard in enumerate(p.log.events):
            if heard.kind not in SHOWN_KINDS or heard.at is None:
                continue
            fancy, plain = LABELS.get(heard.kind, ("·", f"[{heard.kind}]"))
            mark = plain if ascii_only else fancy
            who = names[p.call_sid]
            lines.append((heard.at, order, f"{sim_time(heard.at)}   {who}: {mark} {heard.text}"))
    lines.sort(key=lambda line: (line[0], line[1]))
    head = f"Conférence {room.friendly_name} ({room.sid}) : {room.status}"
    return "\n".join([head, *(text for _, _, text in lines)])


def timeline(emulator: Emulator, *, ascii_only: bool = False) -> str:
    """Every call's events, interleaved by simulated time, each prefixed with its call."""
    lines: list[tuple[float, int, int, str]] = []
    for index, log in enumerate(emulator.call_logs):
        who = f"{log.to}" if log.from_ == log.to else f"{log.from_}->{log.to}"
        for order, event in enumerate(log.events):
            if event.kind == "request" or event.at is None:
                continue
            fancy, plain = LABELS.get(event.kind, ("·", f"[{event.kind}]"))
            mark = plain if ascii_only else fancy
            text = f"{sim_time(event.at)} {who}: {mark} {event.text}"
            lines.append((event.at, index, order, text))
    lines.sort(key=lambda line: line[:3])
    return "\n".join(text for *_, text in lines)
