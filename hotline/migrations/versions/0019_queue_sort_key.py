"""each queue entry's stored place under its structure's policy, and the indexes that page it

Revision ID: 0019_queue_sort_key
Revises: 0018_callback_caller_indexes
Create Date: 2026-12-03 18:40:00

The queue page sorted every waiting entry by expressions computed at read time (34 ms in
PostgreSQL alone for 19,000 entries). `callback.queue_rank` holds the policy's criterion
without the instant (hotline.callbacks.queue_keys); with `created_at, id` it orders the
entries free now in one partial index, and the retries with a due time in another, so the
first page is an index range scan with a LIMIT; a third counts the open entries per theme.
The listed entries are ranked here, under their structure's policy of the day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_queue_sort_key"
down_revision = "0018_callback_caller_indexes"
branch_labels = None
depends_on = None

OPEN = "status IN ('waiting', 'retry_scheduled')"
FREE = "status IN ('waiting', 'retry_scheduled') AND due_at IS NULL"
TIMED = "status IN ('waiting', 'retry_scheduled') AND due_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("callback") as batch:
        batch.add_column(sa.Column("queue_rank", sa.Float(), server_default="0", nullable=False))
    op.create_index(
        "ix_callback_queue_free",
        "callback",
        ["structure_id", "queue_rank", "created_at", "id"],
        postgresql_where=sa.text(FREE),
        sqlite_where=sa.text(FREE),
    )
    op.create_index(
        "ix_callback_queue_timed",
        "callback",
        ["structure_id", "due_at", "queue_rank", "created_at", "id"],
        postgresql_where=sa.text(TIMED),
        sqlite_where=sa.text(TIMED),
    )
    op.create_index(
        "ix_callback_queue_counts",
        "callback",
        ["structure_id", "theme_id", "due_at"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    # The backfill uses the application's own ranking, as it stands at this revision: the
    # same SQL the policy change runs, one UPDATE per structure.
    from hotline.callbacks.queue_keys import rank_everything

    rank_everything(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_callback_queue_counts", table_name="callback")
    op.drop_index("ix_callback_queue_timed", table_name="callback")
    op.drop_index("ix_callback_queue_free", table_name="callback")
    with op.batch_alter_table("callback") as batch:
        batch.drop_column("queue_rank")
