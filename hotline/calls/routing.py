"""Who answers a theme right now, and when it next opens.

The decision is pure over the structure snapshot plus one query for the staff
already on a call, so a webhook answers within a few milliseconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.calls import records as calls
from hotline.directory import Duty, StructureInfo, ThemeInfo
from hotline.schedules import is_open, next_opening

MAX_SIMULTANEOUS_NUMBERS = 10  # Twilio rings at most 10 <Number>s in one <Dial>


class RouteKind(enum.StrEnum):
    RING = "ring"  # open and somebody free: ring them all at once
    ALL_BUSY = "all_busy"  # open, but everyone on duty is already on a call
    CLOSED = "closed"  # nobody on duty now


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    theme: ThemeInfo | None  # None: the caller asked for "any theme"
    staff: tuple[tuple[int, str], ...] = ()  # (staff id, private phone) to ring
    opens_at: datetime | None = None  # when CLOSED: the next opening, if any is planned


def duties_for(structure: StructureInfo, theme: ThemeInfo | None) -> list[Duty]:
    if theme is None:
        return list(structure.duties)
    return [d for d in structure.duties if d.theme_id == theme.id]


def on_duty_staff(structure: StructureInfo, theme: ThemeInfo | None, at: datetime) -> list[int]:
    """Staff ids on duty for the theme (or any theme) at `at`, in a stable order."""
    ids: list[int] = []
    for duty in duties_for(structure, theme):
        if duty.staff_id not in ids and is_open(
            duty.slots, duty.exceptions, structure.calendar, at
        ):
            ids.append(duty.staff_id)
    return ids


def next_opening_of(
    structure: StructureInfo, theme: ThemeInfo | None, after: datetime
) -> datetime | None:
    """The earliest moment any staff member's duty for the theme begins."""
    openings = [
        opening
        for duty in duties_for(structure, theme)
        if (opening := next_opening(duty.slots, duty.exceptions, structure.calendar, after))
    ]
    return min(openings, default=None)


def route_call(
    session: Session,
    structure: StructureInfo,
    theme: ThemeInfo | None,
    at: datetime,
    busy: set[int] | None = None,
) -> Route:
    """Decide whom to ring for this theme now, or why nobody can answer.

    `busy`: the staff on the phone, when the webhook already read them with the call.
    """
    on_duty = on_duty_staff(structure, theme, at)
    if not on_duty:
        return Route(RouteKind.CLOSED, theme, opens_at=next_opening_of(structure, theme, at))
    if busy is None:
        busy = calls.busy_staff_ids(session, structure, at)
    free = [
        (staff_id, structure.staff_phones[staff_id])
        for staff_id in on_duty
        if staff_id not in busy and staff_id in structure.staff_phones
    ]
    if not free:
        return Route(RouteKind.ALL_BUSY, theme)
    return Route(RouteKind.RING, theme, staff=tuple(free[:MAX_SIMULTANEOUS_NUMBERS]))
