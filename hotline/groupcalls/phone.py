"""The phone side of a session: the press-1 screen, entering the room, the `*` keypad menu.

Webhooks call these and render the answer; nothing here talks to the provider: what needs
the REST API (mute everyone, end the room) is returned as a job for the view to enqueue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.groupcalls.attendance import settle_time_in_room
from hotline.groupcalls.dialin import forget_running
from hotline.groupcalls.dialling import _settle
from hotline.groupcalls.series import set_opt_out
from hotline.models import (
    GroupCallLeg,
    GroupParticipant,
    GroupSeries,
    GroupSession,
    LegOutcome,
    LegStatus,
    ParticipantRole,
    SessionStatus,
)

OBJECT_KEY = "7"  # in the `*` menu of a recorded session: stop being recorded
NOTICE_OBJECT_KEY = "2"  # at the recording notice, before entering


@dataclass(frozen=True)
class LegContext:
    leg: GroupCallLeg
    participant: GroupParticipant
    session: GroupSession
    series: GroupSeries

    @property
    def host(self) -> bool:
        return self.participant.role is ParticipantRole.HOST

    @property
    def running(self) -> bool:
        return self.session.status is SessionStatus.RUNNING

    @property
    def recorded(self) -> bool:
        """The session records (fixed when it started, see `start_session`)."""
        return bool(self.session.recording_purpose)

    @property
    def may_object(self) -> bool:
        """A recorded session, and this participant has not objected to it yet."""
        return self.recorded and not self.participant.recording_objection


def leg_context(db: Session, leg_id: int) -> LegContext | None:
    leg = db.get(GroupCallLeg, leg_id)
    if leg is None:
        return None
    participant = leg.participant
    return LegContext(leg, participant, participant.session, participant.session.series)


def has_host(session: GroupSession) -> bool:
    """Whether anyone waits for a host: a series with hosts starts its room with them."""
    return any(p.role is ParticipantRole.HOST for p in session.participants)


def answer_screen(db: Session, ctx: LegContext, digits: str, now: datetime) -> str:
    """ "join" (1, session running), "opt_out" (9), "over" (session ended), or "no_key"."""
    leg, participant = ctx.leg, ctx.participant
    if not ctx.running:
        leg.outcome = leg.outcome or LegOutcome.CANCELLED
        db.flush()
        return "over"
    if digits == "1":
        leg.outcome = LegOutcome.JOINED
        participant.reached = True
        participant.status = LegStatus.JOINED
        db.flush()
        return "join"
    if digits == "9":
        leg.outcome = LegOutcome.OPTED_OUT
        participant.status = LegStatus.OPTED_OUT
        set_opt_out(
            db,
            ctx.series.id,
            person_id=participant.person_id,
            staff_id=None if participant.person_id else participant.staff_id,
            calls_off=True,
            now=now,
        )
        db.flush()
        return "opt_out"
    if leg.outcome is None:
        leg.outcome = LegOutcome.NO_KEY  # the status callback may still add the retry
    db.flush()
    return "no_key"


@dataclass(frozen=True)
class KeypadResult:
    """What to do after a key of the `*` menu.

    `then`: "room" (back in, `said` first), "menu" (the menu again, `said` first) or
    "hangup" (`said`, goodbye). `job`: "mute_all" or "end" for the view to enqueue.
    """

    then: str
    said: tuple[tuple[str, dict[str, Any]], ...] = ()
    job: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def people_in_room(db: Session, session_id: int) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(GroupParticipant)
            .where(GroupParticipant.session_id == session_id, GroupParticipant.in_room.is_(True))
        )
        or 0
    )


def keypad(db: Session, ctx: LegContext, digit: str, now: datetime) -> KeypadResult:
    """One key of the `*` menu. A participant's own mute needs no API call: they re-enter
    the room with `muted` set. Unknown keys and silence say the menu again, then go back."""
    participant, session = ctx.participant, ctx.session
    if not ctx.running:
        return KeypadResult("hangup", (("group_session_over", {}),))
    if digit == "1" and participant.recording_objection:  # objected to the recording
        return KeypadResult("room", (("group_recording_stays_muted", {}),))
    if digit == OBJECT_KEY and ctx.may_object:
        participant.recording_objection = True  # from now on: muted, not recorded
        participant.muted = True
        db.flush()
        return KeypadResult("room", (("group_recording_objected", {}),))
    if digit == "1":
        participant.muted = not participant.muted
        db.flush()
        return KeypadResult(
            "room", (("group_muted" if participant.muted else "group_unmuted", {}),)
        )
    if digit == "2":
        count = people_in_room(db, session.id) + (0 if participant.in_room else 1)
        said = ("group_count_one", {}) if count <= 1 else ("group_count", {"count": count})
        return KeypadResult("menu", (said,))
    if digit == "3" or digit == "":
        return KeypadResult("room", (("group_back_in_room", {}),))
    if digit == "0":
        participant.status = LegStatus.LEFT
        participant.leave_reason = "left_from_menu"
        db.flush()
        return KeypadResult("hangup", (("group_left", {}),))
    if ctx.host:
        return _host_key(db, ctx, digit, now)
    return KeypadResult("menu")


def _host_key(db: Session, ctx: LegContext, digit: str, now: datetime) -> KeypadResult:
    session = ctx.session
    if digit == "4":
        session.locked = not session.locked
        session.version += 1
        db.flush()
        key = "group_locked_now" if session.locked else "group_unlocked_now"
        return KeypadResult("room", ((key, {}),))
    if digit == "5":
        return KeypadResult("room", (("group_all_muted", {}),), job="mute_all")
    if digit == "6":
        close_session(db, session, now)
        return KeypadResult("hangup", (("group_ended_by_host", {}),), job="end")
    return KeypadResult("menu")


def close_session(db: Session, session: GroupSession, now: datetime) -> bool:
    """Mark the session ENDED, cancel the legs not placed yet, count who was still in the room
    as leaving now (the room's end callback may never come); False if already ended."""
    if session.status is not SessionStatus.RUNNING and session.status is not (
        SessionStatus.STARTING
    ):
        return False
    session.status = SessionStatus.ENDED
    session.ended_at = now
    session.version += 1
    forget_running()
    for participant in session.participants:
        for leg in participant.legs:
            if leg.placing_at is None and leg.outcome is None:
                leg.outcome = LegOutcome.CANCELLED
        settle_time_in_room(participant, now)
        _settle(participant)
    db.flush()
    return True


def after_room(db: Session, ctx: LegContext) -> str:
    """The Dial action after the room: "menu" (the caller pressed `*`), or "over"/"removed"."""
    if not ctx.running:
        return "over"
    if ctx.participant.leave_reason == "removed_by_host":
        return "removed"
    return "menu"


def end_if_host_left(db: Session, leg: GroupCallLeg, now: datetime) -> bool:
    """A host's call ended (hung up, not `*`) in a series that ends with its host: the session
    ends now; True when the caller must end the room at the provider.

    Not `endConferenceOnExit`: Twilio applies it when the host leaves by `*` too, so the
    host opening their keypad menu would have ended the meeting for everyone.
    """
    participant = leg.participant
    session = participant.session
    if (
        participant.role is not ParticipantRole.HOST
        or not session.series.end_on_host_exit
        or leg.outcome is not LegOutcome.JOINED
        or leg.ended_at is None
        or session.status is not SessionStatus.RUNNING
    ):
        return False
    other_hosts = [
        p
        for p in session.participants
        if p.role is ParticipantRole.HOST and p.id != participant.id and p.in_room
    ]
    return not other_hosts and close_session(db, session, now)
