"""daily2: several messages per callback entry

Revision ID: 0008_daily_messages
Revises: 0005_rel2_outbox
Create Date: 2026-12-08 10:00:00

One waiting entry per person or number: a new message joins the open entry through
`callback_message` instead of queueing a second one. Existing entries keep their message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_daily_messages"
down_revision = "0005_rel2_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("voicemail_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callback.id"],
            name=op.f("fk_callback_message_callback_id_callback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voicemail_id"],
            ["voicemail.id"],
            name=op.f("fk_callback_message_voicemail_id_voicemail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_message")),
        sa.UniqueConstraint("voicemail_id", name=op.f("uq_callback_message_voicemail_id")),
    )
    op.create_index(
        op.f("ix_callback_message_callback_id"), "callback_message", ["callback_id"]
    )
    op.execute(
        "INSERT INTO callback_message (callback_id, voicemail_id) "
        "SELECT id, voicemail_id FROM callback WHERE voicemail_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_message_callback_id"), table_name="callback_message")
    op.drop_table("callback_message")
