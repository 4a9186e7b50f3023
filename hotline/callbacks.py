"""The callback queue: every message whose author asked to be called back.

This is the minimal entry; ordering, claiming and calling back come with the
callback-queue issue. One voicemail gives at most one callback, enforced by a
unique column, so a retried webhook cannot queue a second one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Call, Callback, CallbackSource, CallbackStatus, Voicemail
from hotline.models.upsert import insert_if_absent


def queue_for_voicemail(
    session: Session, voicemail: Voicemail, call: Call, now: datetime
) -> Callback:
    """The callback for this message, created the first time only."""
    insert_if_absent(
        session,
        Callback,
        {
            "structure_id": voicemail.structure_id,
            "source": CallbackSource.VOICEMAIL.value,
            "status": CallbackStatus.WAITING.value,
            "call_id": call.id,
            "voicemail_id": voicemail.id,
            "theme_id": voicemail.theme_id,
            "person_id": call.person_id,
            "phone_e164": call.from_e164,
            "created_at": now,
        },
        unique_on=["voicemail_id"],
    )
    callback = session.scalar(select(Callback).where(Callback.voicemail_id == voicemail.id))
    assert callback is not None
    return callback


def waiting_callbacks(session: Session, structure_id: int) -> list[Callback]:
    """The waiting entries of one structure, oldest first."""
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.structure_id == structure_id,
                Callback.status == CallbackStatus.WAITING,
            )
            .order_by(Callback.created_at, Callback.id)
        )
    )
