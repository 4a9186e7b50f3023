"""Scheduled group phone calls (PRODUCT.md §3, issue 8): the domain services.

Models: `hotline.models.groupcalls`. Services flush, the request or job commits. `db` below is
a SQLAlchemy `Session`; `now` an aware datetime (`clock.now()`); ids are row ids. Every
function that acts on a session or participant takes the `structure_id` the caller is allowed
to see and raises `GroupCallError` (a French `reason`) when the row is not theirs or the
action is not possible now — the dashboard and the API show `reason` as is.

Series and sessions (`series.py`, `recurrence.py`, `sessions.py`)
- `occurrences(series, tz: str, start: datetime, end: datetime) -> list[datetime]` — UTC
  instants of the rule between start and end (local wall-clock time kept across DST).
- `invitees(db, series) -> list[Invitee]` — who the series invites today (hosts first),
  opt-outs excluded; `Invitee(role, staff_id, person_id, phone_e164, name)`.
- `plan_sessions(db, now, horizon=timedelta(days=8)) -> int` — create the session rows of
  every active series up to `now + horizon` (idempotent: unique per occurrence).
- `upcoming_sessions(db, structure_id, now, limit=20) -> list[GroupSession]`.
- `cancel_session(db, structure_id, session_id, note="") -> GroupSession` — this occurrence only.
- `move_session(db, structure_id, session_id, starts_at: datetime) -> GroupSession`.
- `set_opt_out(db, series_id, *, person_id=None, staff_id=None, calls_off: bool, now)`;
  `set_reminders_off(db, series_id, *, person_id=None, staff_id=None, off: bool)`.

Starting exactly once (`starting.py`)
- `claim_due_sessions(db, now) -> list[int]` — SCHEDULED sessions due now move to STARTING by
  a conditional UPDATE (one winner per session whatever the number of schedulers); those
  past their duration become MISSED. The caller enqueues `tasks.START_GROUP_SESSION` for each.
- `start_session(db, session_id, now) -> list[int]` — copies the invitees into participants,
  gives each a first call leg paced at the account's calls per second (hosts first), marks the
  session RUNNING; returns the leg ids in dialling order. Safe to re-run (returns the legs not
  placed yet).
- `start_now(db, structure_id, series_id, now) -> GroupSession` — a session starting now
  (the CLI's `conference start-now`, a coordinator's "Lancer maintenant").

Dialling (`dialling.py`)
- `place_leg(db, leg_id, now) -> str | None` — place one leg through the gateway (conditional
  claim, so never twice); the CallSid, or None when nothing was placed. On an account limit
  (16021…) the leg is REFUSED and the session's `refusal` says so in French.
- `dial_due_legs(db, session_id, now, pace: Callable[[float], None]) -> int` — place every due
  leg in order, waiting `1 / calls_per_second` between two (simulated in tests).
- `due_retry_legs(db, now) -> list[int]` — legs (retries, redials) due now, for the sweep.
- `note_leg_status(db, call_sid, status, now) -> None` — the status callback of a leg; an
  unanswered first leg gets one retry leg after the series' delay while the session runs.

The phone side (`screening.py`, `room.py`, `dialin.py`) — used by `hotline.telephony`
- `screen_for(db, call_sid) -> Screen | None` — what a dialled participant hears.
- `answer_screen(db, call_sid, digits, now) -> ScreenResult` — "1" joins, "9" opts out.
- `room_for_leg(db, call_sid) -> Room` — the `<Dial><Conference>` settings for this leg.
- `keypad(db, call_sid, digit, now) -> KeypadResult` — the `*` menu: 1 mute/unmute, 2 how
  many are here, 3 back, 0 leave; host adds 4 lock/unlock, 5 mute all, 6 end.
- `session_offered_to(db, structure_id, phone, now) -> GroupSession | None` — a running
  session where this caller is invited (the offer before the menu).
- `join_by_pin(db, structure_id, call_sid, phone, pin, now) -> JoinResult` and
  `join_offered(db, structure_id, call_sid, phone, session_id, now) -> JoinResult`.
- `record_conference_event(db, form: Mapping[str, str], now) -> bool` — a conference status
  callback (join, leave, mute, end), idempotent on (ConferenceSid, SequenceNumber).

Host controls (`controls.py`) — the same from the dashboard and from the host's keypad
- `mute_participant(db, structure_id, participant_id, muted: bool) -> None`
- `remove_participant(db, structure_id, participant_id) -> None`
- `redial_participant(db, structure_id, participant_id, now) -> int` (the new leg's id; the
  caller enqueues `tasks.PLACE_GROUP_LEG` for it)
- `lock_session(db, structure_id, session_id, locked: bool) -> None`
- `mute_all(db, structure_id, session_id) -> int` (how many were muted; hosts stay unmuted)
- `end_session(db, structure_id, session_id, now) -> None`
- `live_state(db, structure_id, session_id, now) -> LiveState` — for the live page: the
  session (status, locked, started), and each participant's name, role, state
  (`in_room`, `muted`, `waiting` for the host, `calling`, `not_reached`, `opted_out`,
  `left`), minutes in the room, last failure reason; plus `refusal` (account limit).

Attendance (`attendance.py`)
- `session_summary(db, structure_id, session_id) -> Summary` — invited, reached, joined,
  minutes, who left early (before the last quarter of the session), per participant rows.
"""

from hotline.groupcalls.attendance import (
    AttendanceRow,
    Summary,
    record_conference_event,
    session_summary,
)
from hotline.groupcalls.controls import (
    LiveParticipant,
    LiveState,
    end_room,
    end_session,
    live_state,
    lock_session,
    mute_all,
    mute_participant,
    redial_participant,
    remove_participant,
    tell_host_of_refusal,
)
from hotline.groupcalls.dialin import (
    JoinResult,
    join_by_pin,
    join_offered,
    session_offered_to,
)
from hotline.groupcalls.dialling import (
    LegOrder,
    account_limit_text,
    claim_leg,
    due_legs,
    leg_placed,
    leg_refused,
    note_leg_status,
    refused_count,
)
from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.phone import (
    KeypadResult,
    LegContext,
    after_room,
    answer_screen,
    close_session,
    has_host,
    keypad,
    leg_context,
)
from hotline.groupcalls.recurrence import occurrences, rule_error
from hotline.groupcalls.series import Invitee, invitees, set_opt_out, set_reminders_off
from hotline.groupcalls.sessions import (
    cancel_session,
    claim_due_sessions,
    finish_over_sessions,
    get_session,
    move_session,
    plan_sessions,
    stuck_starting,
    upcoming_sessions,
)
from hotline.groupcalls.starting import calls_per_second, legs_to_place, start_now, start_session
from hotline.models import GroupSession

__all__ = [
    "AttendanceRow",
    "GroupCallError",
    "GroupSession",
    "Invitee",
    "JoinResult",
    "KeypadResult",
    "LegContext",
    "LegOrder",
    "LiveParticipant",
    "LiveState",
    "Summary",
    "account_limit_text",
    "after_room",
    "answer_screen",
    "calls_per_second",
    "cancel_session",
    "claim_due_sessions",
    "claim_leg",
    "close_session",
    "due_legs",
    "end_room",
    "end_session",
    "finish_over_sessions",
    "get_session",
    "has_host",
    "invitees",
    "join_by_pin",
    "join_offered",
    "keypad",
    "leg_context",
    "leg_placed",
    "leg_refused",
    "legs_to_place",
    "live_state",
    "lock_session",
    "move_session",
    "mute_all",
    "mute_participant",
    "note_leg_status",
    "occurrences",
    "plan_sessions",
    "record_conference_event",
    "redial_participant",
    "refused_count",
    "remove_participant",
    "rule_error",
    "session_offered_to",
    "session_summary",
    "set_opt_out",
    "set_reminders_off",
    "start_now",
    "start_session",
    "stuck_starting",
    "tell_host_of_refusal",
    "upcoming_sessions",
]
