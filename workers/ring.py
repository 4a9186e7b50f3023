"""RQ jobs that ring staff for a caller waiting in a room (see `hotline.calls.ringing`).

Each takes the caller's Call id, runs in an app context (committing at its end) and is safe
to run twice: the call's history says which legs exist, and a Redis key per staff member
covers the moment between the provider creating a leg and our commit, so a retried job
never rings a phone twice for the same caller.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from hotline import clock, gateway
from hotline.calls import ringing
from hotline.directory import StructureInfo, directory
from hotline.extensions import db, redis_store
from hotline.models import Call
from hotline.voice.render import callback_url, ring_timeout, voice_url
from hotline.voice.scripts_cache import script_named
from workers.context import in_app_context
from workers.jobs import GUARD_SECONDS, public_url

log = logging.getLogger(__name__)


def _guard_key(call: Call, staff_id: int) -> str:
    return f"hotline:ring-leg:{call.id}:{staff_id}"


def _waiting_call(session: Session, call_id: int) -> tuple[Call, StructureInfo] | None:
    call = session.get(Call, call_id)
    if call is None or call.structure_id is None or not ringing.is_waiting(session, call):
        return None
    structure = directory().by_id(session, call.structure_id)
    return (call, structure) if structure is not None else None


@in_app_context
def ring_staff(call_id: int) -> list[str]:
    """Call every free staff member on duty for this caller, each with the press-1 screen.

    Returns the CallSids placed by this run. When no leg could be placed (nobody free any
    more, or the provider refused them all), the caller goes to the voicemail at once.
    """
    session = db.session
    found = _waiting_call(session, call_id)
    if found is None:
        return []
    call, structure = found
    placed: list[str] = []
    for staff_id, phone in ringing.staff_to_ring(session, call, structure, clock.now()):
        sid = _place_leg(call, structure, staff_id, phone)
        if sid is not None:
            ringing.note_leg_placed(session, call, staff_id, sid, clock.now())
            session.commit()  # a leg placed is never forgotten, whatever happens next
            placed.append(sid)
        session.refresh(call)
        if not ringing.is_waiting(session, call):
            break  # someone took it, or the caller left, while the others were placed
    ringing.note_all_placed(session, call, clock.now())
    if ringing.nobody_came(session, call):
        _release(session, call)
    return placed


def _place_leg(call: Call, structure: StructureInfo, staff_id: int, phone: str) -> str | None:
    if not redis_store.connection.set(_guard_key(call, staff_id), "1", nx=True, ex=GUARD_SECONDS):
        return None  # another run is placing (or placed) this very leg
    theme = next((t.key for t in structure.themes if t.id == call.theme_id), None)
    seconds = script_named(structure.script).settings.dial_timeout
    screen = voice_url("ring/staff", call=call.call_sid, staff=staff_id, theme=theme)
    try:
        return gateway.place_call(
            to=phone,
            from_=call.to_e164,
            url=public_url(screen),
            status_callback=public_url(
                callback_url("ring/leg-status", call=call.call_sid, staff=staff_id)
            ),
            timeout=ring_timeout(seconds),
        )
    except gateway.GatewayError as error:
        log.warning("call %d: a staff leg was not placed (%s)", call.id, error)
        if error.answered:  # refused: no leg exists, a retry may try again
            redis_store.connection.delete(_guard_key(call, staff_id))
        return None


@in_app_context
def cancel_ring_legs(call_id: int) -> int:
    """Hang up the staff legs nobody needs: the call was taken, or the caller left."""
    session = db.session
    call = session.get(Call, call_id)
    if call is None:
        return 0
    ended = 0
    for leg in ringing.legs_to_cancel(session, call):
        if gateway.end_call(leg.call_sid):
            ended += 1
    return ended


@in_app_context
def release_caller(call_id: int) -> bool:
    """Take a caller nobody came for out of the room, to 'nobody is free' and the voicemail.

    Nobody came: every leg ended without a 1, or (a leg's end report was lost) the caller
    has waited far longer than any ring; the legs still open are then hung up first.
    """
    session = db.session
    call = session.get(Call, call_id)
    if call is None:
        return False
    if ringing.waited_too_long(session, call, clock.now()):
        for leg in ringing.legs_to_cancel(session, call):
            gateway.end_call(leg.call_sid)
    elif not ringing.nobody_came(session, call):
        return False
    return _release(session, call)


def _release(session: Session, call: Call) -> bool:
    theme = call.theme.key if call.theme is not None else None
    url = public_url(voice_url("ring/nobody", theme=theme, lang=call.language))
    if not gateway.redirect_call(call.call_sid, url):
        return False  # the caller already hung up: their status callback did the rest
    ringing.mark_released(session, call, clock.now())
    return True
