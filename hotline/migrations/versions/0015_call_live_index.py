"""index of the calls still on the line, for the sweeps that look after waiting callers

Revision ID: 0015_call_live_index
Revises: 0014_group_recording
Create Date: 2026-12-03 17:20:00

Two sweeps run every 20 s over the callers waiting in a room (a ringing or release job lost
with Redis or a killed worker). They start from the calls still on the line — a handful,
whatever the history — instead of reading every event ever written.
"""

from __future__ import annotations

from alembic import op

revision = "0015_call_live_index"
down_revision = "0014_group_recording"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_call_live", "call", ["status", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_call_live", table_name="call")
