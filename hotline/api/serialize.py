"""How queue entries look in JSON: what staff need, and no more personal data than that."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.callbacks import QueueEntry
from hotline.models import Callback
from hotline.phones import masked


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def callback_json(
    callback: Callback, position: int | None = None, why: str = "", reasons: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An entry read as a `Callback` (what a claim, an outcome or an addition answers)."""
    voicemail = callback.voicemail
    has_recording = bool(voicemail and voicemail.recording_sid)
    seconds = voicemail.duration_seconds if voicemail else 0
    return _entry_json(callback, has_recording, seconds, position, why, reasons)


def queue_entry_json(entry: QueueEntry) -> dict[str, Any]:
    """A line of the queue page, read as plain rows (`callbacks.queue_rows`): the same keys."""
    row = entry.callback
    return _entry_json(
        row, row.has_recording, row.message_seconds, entry.position, entry.why, entry.reasons
    )


def _entry_json(
    row: Any,
    has_recording: bool,
    message_seconds: int,
    position: int | None,
    why: str,
    reasons: tuple[str, ...],
) -> dict[str, Any]:
    """`row` is a `Callback` or a `QueueRow`: both name their fields and relations alike."""
    return {
        "id": row.id,
        "position": position,
        "why": why,
        "reasons": list(reasons),
        "status": str(row.status),
        "source": str(row.source),
        "theme": row.theme.key if row.theme else None,
        "person": row.person.name if row.person else None,
        "phone": masked(row.phone_e164),
        "created_at": _iso(row.created_at),
        "due_at": _iso(row.due_at),
        "attempts": row.attempts,
        "claimed_by": row.claimed_by.name if row.claimed_by else None,
        "claim_expires_at": _iso(row.claim_expires_at),
        "outcome": str(row.outcome) if row.outcome else None,
        "has_recording": has_recording,
        "message_seconds": message_seconds,
        "version": row.version,
    }
