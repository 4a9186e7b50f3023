"""Scheduled group phone calls (PRODUCT.md §3, issue 8): the domain services.

Models: `hotline.models.groupcalls`. Services flush, the request or job commits. `db` below is
a SQLAlchemy `Session`; `now` an aware datetime (`clock.now()`); ids are row ids. Every
function the dashboard or the API calls takes the `structure_id` the staff member may see and
raises `GroupCallError` (a French `reason`) when the row is not theirs or the action is not
possible now — show `reason` as is. The phone side works from a call leg found by the id the
webhook URL carries (signed by Twilio), so it needs no structure id.

Series and sessions (`series.py`, `recurrence.py`, `sessions.py`)
- `rule_error(text) -> str | None` — why an RRULE cannot be used (French), for forms.
- `save_series(db, structure_id, form: SeriesForm, now, series_id=None) -> GroupSeries` —
  create or edit a series from the dashboard, checked like the structure file (French
  `GroupCallError.reason`); applies from the sessions planned next.
- `occurrences(series, tz: str, start: datetime, end: datetime) -> list[datetime]` — UTC
  instants of the rule between start and end (local wall-clock time kept across DST).
- `invitees(db, series) -> list[Invitee]` — who the series invites today (hosts first),
  opt-outs excluded; `Invitee(role, staff_id, person_id, phone_e164, name)`.
- `plan_sessions(db, now, horizon=timedelta(days=8)) -> int` — create the session rows of
  every active series up to `now + horizon` (idempotent: unique per occurrence).
- `upcoming_sessions(db, structure_id, now, limit=20) -> list[GroupSession]`;
  `get_session(db, structure_id, session_id) -> GroupSession` (scoped, or GroupCallError).
- `cancel_session(db, structure_id, session_id, note="") -> GroupSession` — this occurrence only.
- `move_session(db, structure_id, session_id, starts_at: datetime) -> GroupSession`.
- `set_opt_out(db, series_id, *, person_id=None, staff_id=None, calls_off: bool, now)`;
  `set_reminders_off(db, series_id, *, person_id=None, staff_id=None, off: bool)`.

Starting exactly once (`starting.py`)
- `finish_over_sessions(db, now)`, `stuck_starting(db, now)` — for the sweep.
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
- `claim_leg(db, leg_id, now) -> LegOrder | None`, then (after the caller's commit and the
  gateway's answer) `leg_placed(db, leg_id, call_sid)` or `leg_refused(db, leg_id, reason,
  code, now)`: a leg is placed at most once (`workers.group_jobs.place_leg` does the three).
  On an account limit (16021) the leg is REFUSED and the session's `refusal` says so in French.
- `legs_to_place(db, session_id) -> list[int]` — in dialling order; the start job places them
  each at its `dial_at` (`1 / calls_per_second` apart; `PACE_SLEEP` simulates the wait).
- `due_legs(db, now) -> list[int]` — legs (retries, redials) due now, for the sweep;
  `close_lost_legs(db, now)` ends legs a killed worker claimed but never placed (FAILED,
  with a French reason: the host may redial).
- `note_leg_status(db, leg_id, call_sid, status, now) -> GroupCallLeg | None` — the status
  callback of a leg; an unanswered first leg gets one retry leg after the series' delay while
  the session runs. `reached` means a key pressed or a join, never a voicemail's answer.

The phone side (`phone.py`, `dialin.py`, `attendance.py`) — used by `hotline.telephony`
- `leg_context(db, leg_id) -> LegContext | None` — the leg with its participant, session and
  series (`.host`, `.running`); `has_host(session)`.
- `answer_screen(db, ctx, digits, now) -> str` — "join" (1), "opt_out" (9), "over", "no_key".
- `keypad(db, ctx, digit, now) -> KeypadResult` — the `*` menu: 1 mute/unmute, 2 how many are
  here, 3 back, 0 leave; the host adds 4 lock/unlock, 5 mute all, 6 end. `after_room(db, ctx)`
  says whether the Dial ended by `*` ("menu"), removal or the end of the session.
- `session_offered_to(db, structure_id, phone, now) -> GroupSession | None` — a running
  session where this caller is invited (the offer before the menu).
- `join_by_pin(db, structure_id, *, call_sid, phone, pin, attempt, now) -> JoinResult` and
  `join_offered(db, structure_id, *, session_id, call_sid, phone, now) -> JoinResult`
  (outcome "joined", "locked", "wrong_pin", "gave_up" after 3, "over").
- `record_conference_event(db, session_id, form: Mapping[str, str], now) -> bool` — a
  conference status callback (join, leave, mute, end), idempotent on (ConferenceSid,
  SequenceNumber); False for a repeat.
- `close_session(db, session, now)` — ENDED, unplaced legs cancelled (no provider call);
  `end_if_host_left(db, leg, now) -> bool` — a host's call ended in a series that ends with
  its host (not `endConferenceOnExit`, which `*` would trigger): True → end the room.

Host controls (`controls.py`) — the same from the dashboard and from the host's keypad
- `mute_participant(db, structure_id, participant_id, muted: bool) -> None`
- `remove_participant(db, structure_id, participant_id) -> None`
- `redial_participant(db, structure_id, participant_id, now) -> int` (the new leg's id; the
  caller enqueues `tasks.PLACE_GROUP_LEG` for it)
- `lock_session(db, structure_id, session_id, locked: bool) -> None`
- `mute_all(db, structure_id, session_id) -> int` (how many were muted; hosts stay unmuted)
- `end_session(db, structure_id, session_id, now) -> None` (and `end_room(session)`)
- `tell_host_of_refusal(session) -> bool` — play the account-limit sentence to hosts in the room
- `live_state(db, structure_id, session_id, now) -> LiveState` — for the live page: the
  session (status, locked, started), and each participant's name, role, state
  (`in_room`, `muted`, `waiting` for the host, `calling`, `not_reached`, `opted_out`,
  `left`), minutes in the room, last failure reason; plus `refusal` (account limit).

Attendance (`attendance.py`)
- `STATE_WORDS` — the French word for each participant state (live page, summary, CSV).
- `session_summary(db, structure_id, session_id) -> Summary` — invited, reached, joined,
  minutes, who left early (before the last quarter of the session), per participant rows.
"""

from hotline.groupcalls.attendance import (
    STATE_WORDS,
    AttendanceRow,
    FinishedAttendance,
    Summary,
    finished_attendances,
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
    close_lost_legs,
    due_legs,
    leg_placed,
    leg_refused,
    note_leg_status,
    refused_count,
)
from hotline.groupcalls.editing import SeriesForm, save_series
from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.phone import (
    KeypadResult,
    LegContext,
    after_room,
    answer_screen,
    close_session,
    end_if_host_left,
    has_host,
    keypad,
    leg_context,
)
from hotline.groupcalls.recording import (
    answer_notice,
    erase_recording_now,
    kept_recording,
    must_hear_notice,
    objectors,
    purge_recording,
    purge_recordings,
    save_recording,
    session_recordings,
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
    "erase_recording_now",
    "purge_recording",
    "kept_recording",
    "objectors",
    "must_hear_notice",
    "answer_notice",
    "purge_recordings",
    "save_recording",
    "session_recordings",
    "STATE_WORDS",
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
    "SeriesForm",
    "Summary",
    "account_limit_text",
    "after_room",
    "answer_screen",
    "calls_per_second",
    "cancel_session",
    "claim_due_sessions",
    "claim_leg",
    "close_lost_legs",
    "close_session",
    "due_legs",
    "end_if_host_left",
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
    "finished_attendances",
    "FinishedAttendance",
    "redial_participant",
    "refused_count",
    "remove_participant",
    "rule_error",
    "save_series",
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
