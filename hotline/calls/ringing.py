"""Ringing staff for an inbound call: the caller waits in a room while each phone is called.

Why not one `<Dial>` with a `<Number>` per staff member: Twilio documents that "the first
call to pick up is connected to the current call and the rest are hung up", so a personal
voicemail that picks up in two seconds would end every colleague's ring before its press-1
screen has even run. Instead the caller waits in a conference of their own, a job calls each
free staff member through the gateway with the screen, the first to press 1 joins the room
(`connect_staff`, one conditional UPDATE: exactly one wins) and the other legs are cancelled.
When every leg has ended and nobody joined, the caller is taken out of the room to the
voicemail, as with an unanswered `<Dial>` before.

The ring is kept as history lines of the caller's call (`CallEvent`), deduplicated like
every webhook: `ring-leg:<staff id>` with the leg's CallSid once a leg is placed (one leg
per staff member and caller), `ring-end:<staff id>` with its final status, and `ring`
"placed" (every leg the job meant to place was placed) or "released" (the caller was sent
to the voicemail). Services flush; the webhook or the job commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from hotline.calls import records
from hotline.calls.routing import RouteKind, route_call
from hotline.directory import StructureInfo
from hotline.models import Call, CallEvent

LEG_PLACED = "ring-leg:"
LEG_ENDED = "ring-end:"
RING = "ring"
ALL_PLACED = "placed"
RELEASED = "released"
FINAL_LEG_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
# Longest honest wait: a ring (about 25 s), two screens (about 25 s) and the account's pacing.
# A caller still waiting this long after the legs were placed lost a leg's end report.
LONGEST_WAIT = timedelta(minutes=3)
# A release normally follows the last leg's end within a second; one not done after this
# was lost with its job.
RELEASE_GRACE = timedelta(seconds=20)
# A ringing job normally runs within a second of the menu's commit; one not started after
# this was lost (a Redis that restarted empty forgets what it held).
RING_JOB_GRACE = timedelta(seconds=20)


@dataclass(frozen=True)
class Leg:
    """One staff phone called for this caller."""

    staff_id: int
    call_sid: str
    ended: bool


def room_name(call: Call) -> str:
    """The conference of this caller: an opaque id, never a name or a number."""
    return f"accueil-{call.call_sid}"


def legs(session: Session, call: Call) -> list[Leg]:
    """The staff legs placed for this caller, in the order they were placed."""
    rows = session.execute(
        select(CallEvent.kind, CallEvent.detail)
        .where(CallEvent.call_id == call.id, CallEvent.kind.like("ring-%:%"))
        .order_by(CallEvent.id)
    ).all()
    ended = {kind.removeprefix(LEG_ENDED) for kind, _ in rows if kind.startswith(LEG_ENDED)}
    return [
        Leg(int(staff), sid, staff in ended)
        for kind, sid in rows
        if kind.startswith(LEG_PLACED) and (staff := kind.removeprefix(LEG_PLACED)).isdigit()
    ]


def _has(session: Session, call: Call, detail: str) -> bool:
    found = session.scalar(
        select(CallEvent.id).where(
            CallEvent.call_id == call.id, CallEvent.kind == RING, CallEvent.detail == detail
        )
    )
    return found is not None


def is_waiting(session: Session, call: Call) -> bool:
    """The caller is still in the room waiting for someone: not gone, answered or released."""
    return (
        call.status not in records.FINAL_STATUSES
        and call.answered_at is None
        and not _has(session, call, RELEASED)
    )


def staff_to_ring(
    session: Session, call: Call, structure: StructureInfo, now: datetime
) -> list[tuple[int, str]]:
    """(staff id, phone) of the free staff on duty now not yet called for this caller.

    Decided again when the job runs, with the same rule as the menu (on duty for the
    caller's theme, not already on a hotline call), so a colleague who took another call
    in between is not rung.
    """
    theme = next((t for t in structure.themes if t.id == call.theme_id), None)
    decision = route_call(session, structure, theme, now)
    if decision.kind != RouteKind.RING:
        return []
    called = {leg.staff_id for leg in legs(session, call)}
    return [(staff_id, phone) for staff_id, phone in decision.staff if staff_id not in called]


def note_leg_placed(
    session: Session, call: Call, staff_id: int, leg_sid: str, now: datetime
) -> None:
    records.note_event(session, call, f"{LEG_PLACED}{staff_id}", leg_sid, now)
    session.flush()


def note_all_placed(session: Session, call: Call, now: datetime) -> None:
    """The job placed every leg it meant to: from now on, no leg left means nobody came."""
    records.note_event(session, call, RING, ALL_PLACED, now)
    session.flush()


def note_leg_ended(
    session: Session, call: Call, staff_id: int, leg_sid: str, status: str, now: datetime
) -> bool:
    """A staff leg reported a final status; True when that left the caller with nobody.

    Nobody: every leg the job meant to place was placed and has ended, no one joined the
    room, and the caller is still waiting (a second report of the same end says True again:
    the release it asks for is idempotent).
    """
    if status not in FINAL_LEG_STATUSES:
        return False
    if (staff_id, leg_sid) not in {(leg.staff_id, leg.call_sid) for leg in legs(session, call)}:
        return False  # not a leg of this call (a leg placed twice, or a misrouted report)
    records.note_event(session, call, f"{LEG_ENDED}{staff_id}", status, now)
    session.flush()
    return nobody_came(session, call)


def nobody_came(session: Session, call: Call) -> bool:
    """Ringing is over and nobody joined: the caller should go to the voicemail."""
    if not is_waiting(session, call) or not _has(session, call, ALL_PLACED):
        return False
    return all(leg.ended for leg in legs(session, call))


def mark_released(session: Session, call: Call, now: datetime) -> bool:
    """The caller is taken out of the room; False when that was already done."""
    new = records.note_event(session, call, RING, RELEASED, now)
    session.flush()
    return new


def legs_to_cancel(session: Session, call: Call) -> list[Leg]:
    """Legs still open that nobody needs any more.

    While the caller is on the line, every leg but the one that took the call. Once the
    caller has hung up, every leg: the one that took it may have pressed 1 in the instant
    the caller left, and would otherwise wait alone in a room of its own.
    """
    gone = call.status in records.FINAL_STATUSES
    winner = None if gone else call.staff_id if call.answered_at is not None else None
    return [leg for leg in legs(session, call) if not leg.ended and leg.staff_id != winner]


def waited_too_long(session: Session, call: Call, now: datetime) -> bool:
    """Still waiting well after every leg was placed: a leg's end report was lost."""
    placed_at = session.scalar(
        select(CallEvent.at).where(
            CallEvent.call_id == call.id, CallEvent.kind == RING, CallEvent.detail == ALL_PLACED
        )
    )
    return is_waiting(session, call) and placed_at is not None and placed_at <= now - LONGEST_WAIT


def _waiting_calls(now: datetime) -> Select[Any]:
    """Calls still on the line, unanswered, begun in the last hours: the sweeps' candidates.

    Read from the live calls first (`ix_call_live`: a handful of rows, whatever the history),
    their events then found by call through the (call, kind, detail) index: the sweeps run
    every 20 s and must not read every event ever written.
    """
    return select(Call).where(
        Call.status.in_(records.LIVE_STATUSES),
        Call.started_at > now - records.STALE_STAFF_LEG,
        Call.answered_at.is_(None),
    )


def _event(kind: str, detail: Any, before: datetime | None = None) -> Any:
    """EXISTS an event of the call of this kind whose detail passes `detail` (and, with
    `before`, written no later than that)."""
    mark = aliased(CallEvent)
    clauses = [mark.call_id == Call.id, mark.kind == kind, detail(mark)]
    if before is not None:
        clauses.append(mark.at <= before)
    return exists().where(*clauses)


def forgotten_waits(session: Session, now: datetime) -> list[int]:
    """Callers still in the room whose release never came (ids, for the sweep).

    Either every leg ended with nobody `RELEASE_GRACE` ago and the release job was lost (a
    Redis that restarted empty, a worker killed), or the caller has waited past
    `LONGEST_WAIT` because a leg's end report was lost.
    """
    candidates = session.scalars(
        _waiting_calls(now).where(
            _event(RING, lambda e: e.detail == ALL_PLACED, before=now - RELEASE_GRACE),
            ~_event(RING, lambda e: e.detail == RELEASED),
        )
    )
    return [
        call.id
        for call in candidates
        if nobody_came(session, call) or waited_too_long(session, call, now)
    ]


def unrung_waits(session: Session, now: datetime) -> list[int]:
    """Callers waiting in the room for whom no ringing job ever finished (ids, for the sweep).

    The menu hands the ringing job to RQ once it commits; a Redis server that restarts empty
    before a worker takes the job forgets it, and the caller would hear the waiting tone
    until they give up. The job is safe to run again: it rings only staff not yet called.
    """
    routed = _event(
        "route",
        lambda e: e.detail.like(f"%:{RouteKind.RING.value}"),
        before=now - RING_JOB_GRACE,
    )
    rung = _event(RING, lambda e: e.detail.in_((ALL_PLACED, RELEASED)))
    query = _waiting_calls(now).where(routed, ~rung)
    return list(session.scalars(query.with_only_columns(Call.id)))
