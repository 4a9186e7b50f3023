"""When a <Record>'s callbacks arrive: in the documented order, or shuffled by a seed.

Twilio documents no order between a <Record>'s action request, its recordingStatusCallback
and the call's own status callback: they are separate HTTP requests, and the recording
file "may not yet be accessible when the action callback is sent". With
`callback_order="documented"` the emulator keeps the order the docs describe (action, then
recording status, then call status); with `callback_order="seeded"` each <Record> draws an
order from the emulator's seeded random generator, so a failing order is reproducible
from its seed. A callback drawn "after the call" is sent after the call's status callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

CALLBACK_ORDERS = ("documented", "seeded")
Send = Callable[[], None]


def seeded(leg: Leg) -> bool:
    return leg.emulator.callback_order == "seeded"


def status_moment(leg: Leg) -> str:
    """For a caller still on the line: "before-action", "after-action" or "after-call"."""
    if not seeded(leg):
        return "after-action"
    return leg.emulator.rng.choice(("before-action", "after-action", "after-call"))


def after_the_call(leg: Leg, send: Send) -> None:
    """Send `send` once the call has ended and its status callback was sent."""
    leg.note("note", "a <Record> callback is delayed until after the call's status callback")
    leg.state.after_end.append(send)


def after_hangup(leg: Leg, sends: list[Send]) -> None:
    """The caller hung up: `sends` (the action, the recording status) in some order.

    Documented: all now, in the given order, before the call's status. Seeded: shuffled,
    and a drawn number of them delayed until after the call's status callback.
    """
    if not seeded(leg):
        for send in sends:
            send()
        return
    order = list(sends)
    leg.emulator.rng.shuffle(order)
    now = leg.emulator.rng.randint(0, len(order))
    for send in order[:now]:
        send()
    for send in order[now:]:
        after_the_call(leg, send)
