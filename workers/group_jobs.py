"""RQ jobs of group calls: start a session (paced first calls), place one leg, mute, end.

Each takes a row id and is safe to run twice: a session is started under a row lock, a leg
is claimed by a conditional UPDATE committed *before* the provider is asked, so neither a
second job nor a retried one ever rings a participant twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from flask import current_app

from hotline import clock, gateway, groupcalls
from hotline.directory import directory
from hotline.extensions import db
from hotline.models import GroupCallLeg, GroupSession
from hotline.voice.render import callback_url, ring_timeout, voice_url
from workers.context import in_app_context

log = logging.getLogger(__name__)

RING_SECONDS = 30  # a group call rings a little longer: nobody expects it to the second


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def pacer() -> Callable[[float], None]:
    """How the dialling loop waits between two calls: real sleep, or simulated time in tests
    and rehearsals (`PACE_SLEEP`)."""
    given: Callable[[float], None] | None = current_app.config.get("PACE_SLEEP")
    return given or time.sleep


@in_app_context
def start_group_session(session_id: int) -> int:
    """Mark the claimed session running, then place every first call at its paced time."""
    legs = groupcalls.start_session(db.session, session_id, clock.now())
    db.session.commit()
    placed = dial_legs(legs)
    session = db.session.get(GroupSession, session_id)
    if session is not None and session.refusal:
        groupcalls.tell_host_of_refusal(session)
    log.info("group session %d: %d calls placed", session_id, placed)
    return placed


def dial_legs(leg_ids: Iterable[int]) -> int:
    """Place the legs in order, each not before its `dial_at` (the account's CPS)."""
    wait = pacer()
    placed = 0
    for leg_id in leg_ids:
        leg = db.session.get(GroupCallLeg, leg_id)
        if leg is None:
            continue
        ahead = (leg.dial_at - clock.now()).total_seconds()
        if ahead > 0:
            wait(ahead)
        placed += place_leg(leg_id) is not None
        db.session.commit()
    return placed


def place_leg(leg_id: int) -> str | None:
    """Claim the leg (committed), ask the provider, record the CallSid or the refusal."""
    order = groupcalls.claim_leg(db.session, leg_id, clock.now())
    if order is None:
        return None
    db.session.commit()
    structure = directory().by_id(db.session, order.structure_id)
    if structure is None or not structure.numbers:
        groupcalls.leg_refused(db.session, leg_id, "Aucun numéro d'appel.", None, clock.now())
        return None
    try:
        sid = gateway.place_call(
            to=order.phone_e164,
            from_=structure.numbers[0],
            url=public_url(voice_url("group/screen", leg=leg_id)),
            status_callback=public_url(callback_url("group/leg-status", leg=leg_id)),
            timeout=ring_timeout(RING_SECONDS),
        )
    except gateway.GatewayError as error:
        log.warning("group leg %d not placed (%s)", leg_id, error)
        groupcalls.leg_refused(db.session, leg_id, error.reason, error.code, clock.now())
        return None
    groupcalls.leg_placed(db.session, leg_id, sid)
    return sid


@in_app_context
def place_group_leg(leg_id: int) -> str | None:
    """A retry, a redial, or a first call a killed start job left: placed once."""
    return place_leg(leg_id)


@in_app_context
def mute_group(session_id: int) -> int:
    """The host pressed "mute everyone" on their keypad."""
    session = db.session.get(GroupSession, session_id)
    if session is None:
        return 0
    return groupcalls.mute_all(db.session, session.structure_id, session_id)


@in_app_context
def end_group_room(session_id: int) -> None:
    """The host ended the session on their keypad: end the room at the provider."""
    session = db.session.get(GroupSession, session_id)
    if session is not None:
        groupcalls.end_room(session)


@in_app_context
def purge_group_recording(recording_id: int) -> bool:
    """A coordinator erased a recording: delete it at the provider now (raises to retry)."""
    gone = groupcalls.purge_recording(db.session, recording_id, clock.now())
    db.session.commit()
    return gone
