"""a version of the structures' directory, so a process reloads it only when it changed

Revision ID: 0016_directory_version
Revises: 0015_call_live_index
Create Date: 2026-12-03 17:50:00

Every web and job process keeps a snapshot of the structures (numbers, themes, staff and
their hours). It used to reload it — seven statements — every ten seconds, inside whatever
webhook came then; now it reads this one row and reloads only when a change bumped it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_directory_version"
down_revision = "0015_call_live_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("directory_version")
