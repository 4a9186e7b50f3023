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
    voicemail = callback.voicemail
    return {
        "id": callback.id,
        "position": position,
        "why": why,
        "reasons": list(reasons),
        "status": str(callback.status),
        "source": str(callback.source),
        "theme": callback.theme.key if callback.theme else None,
        "person": callback.person.name if callback.person else None,
        "phone": masked(callback.phone_e164),
        "created_at": _iso(callback.created_at),
        "due_at": _iso(callback.due_at),
        "attempts": callback.attempts,
        "claimed_by": callback.claimed_by.name if callback.claimed_by else None,
        "claim_expires_at": _iso(callback.claim_expires_at),
        "outcome": str(callback.outcome) if callback.outcome else None,
        "has_recording": bool(voicemail and voicemail.recording_sid),
        "message_seconds": voicemail.duration_seconds if voicemail else 0,
        "version": callback.version,
    }


def queue_entry_json(entry: QueueEntry) -> dict[str, Any]:
    """A line of the queue, as `callback_json` writes its entry (read from plain rows)."""
    row = entry.callback
    return {
        "id": row.id,
        "position": entry.position,
        "why": entry.why,
        "reasons": list(entry.reasons),
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
        "has_recording": row.has_recording,
        "message_seconds": row.message_seconds,
        "version": row.version,
    }
