"""retention and rights: the append-only audit log and the anonymous daily counts

Revision ID: 0009_retention_audit
Revises: 0008_daily_messages
Create Date: 2026-12-10 10:00:00

`audit_entry` records who listened to a message, exported or erased a person's data and
changed settings (ids and counts only: it outlives the data). `activity_count` keeps, per
structure, local day, theme and metric, the counts of the person-level rows the retention
purge or an erasure deleted, so reports keep their numbers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0009_retention_audit"
down_revision = "0008_daily_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "listen", "export", "erase", "settings", "policy",
                name="auditaction", native_enum=False, length=20,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"],
            name=op.f("fk_audit_entry_structure_id_structure"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_at"), "audit_entry", ["at"])
    op.create_index(op.f("ix_audit_entry_structure_id"), "audit_entry", ["structure_id"])
    op.create_table(
        "activity_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("theme_key", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"],
            name=op.f("fk_activity_count_structure_id_structure"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_count")),
        sa.UniqueConstraint(
            "structure_id", "day", "theme_key", "metric",
            name=op.f("uq_activity_count_structure_id_day_theme_key_metric"),
        ),
    )


def downgrade() -> None:
    op.drop_table("activity_count")
    op.drop_index(op.f("ix_audit_entry_structure_id"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_at"), table_name="audit_entry")
    op.drop_table("audit_entry")
