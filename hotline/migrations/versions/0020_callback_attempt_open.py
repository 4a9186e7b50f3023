"""the tries still open, indexed apart: the busy staff are asked at every theme chosen

Revision ID: 0020_callback_attempt_open
Revises: 0019_queue_sort_key
Create Date: 2026-12-04 04:00:00

Which staff are calling someone back now is part of every ringing decision
(`hotline.calls.records.busy_staff_select`). Without an index it read every try ever made
(a sequential scan that grows with the history until retention deletes it); the open tries
are a handful, kept in a partial index by when they started.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_callback_attempt_open"
down_revision = "0019_queue_sort_key"
branch_labels = None
depends_on = None

OPEN = "ended_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_callback_attempt_open",
        "callback_attempt",
        ["started_at"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_callback_attempt_open", table_name="callback_attempt")
