"""optional recording of a group-call series: purpose, retention, objections, recordings

Revision ID: 0014_group_recording
Revises: 0013_call_caller_index
Create Date: 2026-12-03 17:10:00

A series may record only with a purpose (formation, évaluation, qualité) and a retention of
at most 183 days; each participant's answer to the announcement (objected or not) is kept on
their row; `group_recording` holds what the provider recorded until the purge sweep deletes
it there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0014_group_recording"
down_revision = "0013_call_caller_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_series") as batch:
        batch.add_column(
            sa.Column("recording_purpose", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("recording_days", sa.Integer(), nullable=False, server_default="30")
        )
    with op.batch_alter_table("group_participant") as batch:
        batch.add_column(sa.Column("recording_objection", sa.Boolean(), nullable=True))
    op.create_table(
        "group_recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("recording_sid", sa.String(length=128), nullable=False),
        sa.Column("recording_url", sa.String(length=500), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("purge_after", UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_recording_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_group_recording_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_recording")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_group_recording_recording_sid")),
    )
    with op.batch_alter_table("group_recording") as batch:
        batch.create_index(batch.f("ix_group_recording_structure_id"), ["structure_id"])
        batch.create_index(batch.f("ix_group_recording_session_id"), ["session_id"])
        batch.create_index(batch.f("ix_group_recording_purge_after"), ["purge_after"])


def downgrade() -> None:
    op.drop_table("group_recording")
    with op.batch_alter_table("group_participant") as batch:
        batch.drop_column("recording_objection")
    with op.batch_alter_table("group_series") as batch:
        batch.drop_column("recording_days")
        batch.drop_column("recording_purpose")
