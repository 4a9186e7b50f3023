"""indexes for the call path and the queue at scale (issue 11)

Revision ID: 0013_call_caller_index
Revises: 0012_group_reminders
Create Date: 2026-12-03 12:30:00

`/voice/incoming` looks up the language this number spoke on its latest call, so a known
caller skips the language menu. Without an index on (structure, number, start) the lookup
scanned every call of the structure: it was most of a webhook's time on a busy structure.
The queue reads one structure's listed entries a page at a time: (structure, status, created).
"""

from __future__ import annotations

from alembic import op

revision = "0013_call_caller_index"
down_revision = "0012_group_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_call_caller_history", "call", ["structure_id", "from_e164", "started_at"])


    op.create_index("ix_callback_queue", "callback", ["structure_id", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_queue", table_name="callback")
    op.drop_index("ix_call_caller_history", table_name="call")
