"""Recordings of group calls: kept only for a stated purpose, announced, and purged on time.

A series records only when a coordinator gives a purpose the CNIL accepts (formation,
évaluation, qualité) and a retention of at most six months (../shared/reference/conferences.md
§4). Each recording the provider reports becomes one row (`recording_sid` is unique, so the
same callback twice makes one row); `purge_after` is fixed when it arrives and a sweep
deletes the file at the provider, then sets `deleted_at`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime
from hotline.models.calls import PROVIDER_SID
from hotline.models.groupcalls import GroupSession

RECORDING_PURPOSES = ("formation", "evaluation", "qualite")
MAX_RECORDING_DAYS = 183  # six months at most
DEFAULT_RECORDING_DAYS = 30


class GroupRecording(Base):
    __tablename__ = "group_recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    recording_sid: Mapped[str] = mapped_column(String(PROVIDER_SID), unique=True)
    recording_url: Mapped[str] = mapped_column(String(500))
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    session: Mapped[GroupSession] = relationship()
