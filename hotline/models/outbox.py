"""The outbox: jobs a transaction asked for, written in that same transaction.

A job queued to Redis after the commit is lost if Redis is down at that instant; a row
written with the change it serves cannot be. The relay (right after the commit, then a
sweep) hands each row to RQ under the job id the row fixes, and notes when it did.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, UTCDateTime


class OutboxJob(Base):
    """One job to hand to RQ; `delivered_at` is set once RQ holds it (or already held it)."""

    __tablename__ = "outbox_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100), unique=True)  # "attempt-12": one per row
    task: Mapped[str] = mapped_column(String(200))  # the job's dotted path
    row_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
