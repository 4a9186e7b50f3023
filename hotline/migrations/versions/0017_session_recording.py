"""a session's recording settings, fixed when it starts

Revision ID: 0017_session_recording
Revises: 0016_directory_version
Create Date: 2026-12-03 17:45:00

A series' recording could be turned on, off or changed while one of its sessions runs: the
room (whose first participant fixed `record`) went on recording people who then joined
without hearing the notice, or kept a file longer than announced. The session now keeps the
purpose and retention it started with ("" = not recorded); every join path and the recording
callback read them there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_session_recording"
down_revision = "0016_directory_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_session") as batch:
        batch.add_column(
            sa.Column("recording_purpose", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("recording_days", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("group_session") as batch:
        batch.drop_column("recording_days")
        batch.drop_column("recording_purpose")
