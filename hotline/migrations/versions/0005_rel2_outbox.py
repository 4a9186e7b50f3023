"""rel2: the job outbox, and why a callback attempt or its SMS failed

Revision ID: 0005_rel2_outbox
Revises: 0004_staff_session_version
Create Date: 2026-12-03 10:00:00

`outbox_job` holds the jobs a transaction asked for, written in that transaction and
relayed to RQ after it (so Redis down at commit loses none). `failure_reason` and
`sms_failure` say in French why an attempt was never placed or an SMS never sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0005_rel2_outbox"
down_revision = "0004_staff_session_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_job")),
        sa.UniqueConstraint("job_id", name=op.f("uq_outbox_job_job_id")),
    )
    op.create_index(op.f("ix_outbox_job_delivered_at"), "outbox_job", ["delivered_at"])
    with op.batch_alter_table("callback_attempt") as batch_op:
        batch_op.add_column(
            sa.Column("failure_reason", sa.String(length=300), server_default="", nullable=False)
        )
    with op.batch_alter_table("callback") as batch_op:
        batch_op.add_column(
            sa.Column("sms_failure", sa.String(length=300), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("callback") as batch_op:
        batch_op.drop_column("sms_failure")
    with op.batch_alter_table("callback_attempt") as batch_op:
        batch_op.drop_column("failure_reason")
    op.drop_index(op.f("ix_outbox_job_delivered_at"), table_name="outbox_job")
    op.drop_table("outbox_job")
