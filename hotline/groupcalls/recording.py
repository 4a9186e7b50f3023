"""Recorded group calls: each participant's choice, the recordings kept, and their purge.

Recording is never the default and never systematic (CNIL, ../shared/reference/conferences.md
§4): a series records only with a purpose and a retention of at most six months. Everyone
who enters a recorded session first hears why it is recorded and for how long, and may press
2 to object; an objector listens with their microphone off for the whole session (their voice
is not in the one-channel conference recording), and neither the keypad nor the host can
open it. Services flush; the webhook or the job commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import gateway
from hotline.groupcalls.phone import NOTICE_OBJECT_KEY, LegContext
from hotline.groupcalls.series import person_named
from hotline.models import (
    DEFAULT_RECORDING_DAYS,
    AuditAction,
    GroupParticipant,
    GroupRecording,
    GroupSession,
)
from hotline.models.calls import is_storable_sid
from hotline.models.upsert import insert_if_absent
from hotline.retention import audit

PURGE_BATCH = 200


def must_hear_notice(ctx: LegContext) -> bool:
    """The participant enters a recorded session and has not answered its notice yet."""
    return ctx.recorded and ctx.participant.recording_objection is None


def answer_notice(db: Session, ctx: LegContext, digits: str) -> bool:
    """Keep the answer to the notice (2 objects; anything else, or nothing, enters as
    announced); an objector is muted for the whole session. True when they objected."""
    objected = digits[:1] == NOTICE_OBJECT_KEY
    ctx.participant.recording_objection = objected
    if objected:
        ctx.participant.muted = True
    db.flush()
    return objected


def save_recording(
    db: Session, session_id: int, params: dict[str, str], now: datetime
) -> GroupRecording | None:
    """The provider's recording callback: one row per RecordingSid, whatever the retries.

    Only a completed recording is kept (an `absent` one made no file). It is kept for the
    days announced when the session started; a file the provider made anyway (a session
    started before its settings were fixed) is kept as briefly as its series allows, so the
    purge sweep still deletes it.
    """
    session = db.get(GroupSession, session_id)
    sid, url = params.get("RecordingSid", ""), params.get("RecordingUrl", "")
    completed = params.get("RecordingStatus") == "completed"
    if session is None or not is_storable_sid(sid) or not url or not completed:
        return None  # a sid no column holds is none of ours, as everywhere (`is_storable_sid`)
    series = session.series
    days = session.recording_days or min(series.recording_days, DEFAULT_RECORDING_DAYS)
    purge_after = now.astimezone(UTC) + timedelta(days=days)  # whole days
    insert_if_absent(
        db,
        GroupRecording,
        {
            "structure_id": session.structure_id,
            "session_id": session.id,
            "recording_sid": sid,
            "recording_url": url[:500],
            "duration_seconds": _seconds(params.get("RecordingDuration", "")),
            "purpose": session.recording_purpose or series.recording_purpose,
            "created_at": now,
            "purge_after": purge_after,
        },
        unique_on=["recording_sid"],
    )
    db.flush()
    return db.scalar(select(GroupRecording).where(GroupRecording.recording_sid == sid))


def _seconds(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 9 else 0


def session_recordings(db: Session, session_id: int, now: datetime) -> list[GroupRecording]:
    """The recordings of a session still kept: not deleted, and not yet due for deletion
    (past its date a recording is never played, even while the sweep has not run)."""
    return list(
        db.scalars(
            select(GroupRecording)
            .where(
                GroupRecording.session_id == session_id,
                GroupRecording.deleted_at.is_(None),
                GroupRecording.purge_after > now,
            )
            .order_by(GroupRecording.created_at)
        )
    )


def objectors(db: Session, session_id: int) -> list[str]:
    """Who objected to the recording of this session, by name, for the coordinator."""
    rows = db.scalars(
        select(GroupParticipant).where(
            GroupParticipant.session_id == session_id,
            GroupParticipant.recording_objection.is_(True),
        )
    )
    return [person_named(db, p.person_id, p.staff_id) for p in rows]


def kept_recording(
    db: Session, structure_id: int, session_id: int, recording_id: int, now: datetime
) -> GroupRecording | None:
    """A recording of this structure's session still kept (see `session_recordings`)."""
    found = db.get(GroupRecording, recording_id)
    if found is None or found.deleted_at is not None or found.purge_after <= now:
        return None
    if (found.structure_id, found.session_id) != (structure_id, session_id):
        return None
    return found


def erase_recording_now(
    db: Session,
    structure_id: int,
    session_id: int,
    recording_id: int,
    *,
    staff_id: int,
    now: datetime,
) -> GroupRecording | None:
    """Make a kept recording due now (someone objected afterwards, or it is not needed),
    written to the audit log as an erasure by `staff_id`.

    Only its date changes here: the caller enqueues `purge_recording` after the commit, and
    should that job be lost the hourly sweep finds the recording due anyway.
    """
    found = kept_recording(db, structure_id, session_id, recording_id, now)
    if found is None:
        return None
    found.purge_after = min(found.purge_after, now)
    audit.record(
        db,
        structure_id,
        AuditAction.ERASE,
        staff_id=staff_id,
        subject=f"group-recording:{found.id}",
        now=now,
    )
    db.flush()
    return found


def purge_recording(db: Session, recording_id: int, now: datetime) -> bool:
    """Delete one recording at the provider if it is due; True once it is gone.

    A recording the provider no longer has (404) counts as deleted; any other refusal
    raises `gateway.GatewayError`, leaving the row due for a retry.
    """
    recording = db.get(GroupRecording, recording_id)
    if recording is None or recording.deleted_at is not None:
        return recording is not None
    if recording.purge_after > now:
        return False
    gateway.delete_recording(recording.recording_sid)
    recording.deleted_at = now
    db.flush()
    return True


def purge_recordings(db: Session, now: datetime) -> int:
    """Delete at the provider every recording past its retention; mark it deleted.

    Safe to run twice: a recording the provider no longer has counts as deleted; one whose
    deletion failed stays due and is tried at the next sweep.
    """
    due = db.scalars(
        select(GroupRecording.id)
        .where(GroupRecording.deleted_at.is_(None), GroupRecording.purge_after <= now)
        .order_by(GroupRecording.purge_after)
        .limit(PURGE_BATCH)
    ).all()
    deleted = 0
    for recording_id in due:
        try:
            deleted += purge_recording(db, recording_id, now)
        except gateway.GatewayError:
            continue  # the next sweep tries again
    return deleted
