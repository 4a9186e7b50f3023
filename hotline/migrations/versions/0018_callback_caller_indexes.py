"""indexes for "is this caller already waiting?", asked at every consent and new entry

Revision ID: 0018_callback_caller_indexes
Revises: 0017_session_recording
Create Date: 2026-12-03 18:45:00

One entry per caller: before a callback is filed, the structure's listed entries are searched
for the same number or the same person. Without an index that read every entry of the
structure (2.3 ms at 20,000, growing with the queue) inside the caller's consent webhook.
"""

from __future__ import annotations

from alembic import op

revision = "0018_callback_caller_indexes"
down_revision = "0017_session_recording"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_callback_caller", "callback", ["structure_id", "phone_e164"])
    op.create_index("ix_callback_person", "callback", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_person", table_name="callback")
    op.drop_index("ix_callback_caller", table_name="callback")
