"""How queue entries look in JSON: what staff need, and no more personal data than that."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
