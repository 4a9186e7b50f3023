"""group call SMS reminders: one row per invitee, session and kind (issue 8, item 6)

Revision ID: 0012_group_reminders
Revises: 0010_group_calls
Create Date: 2026-12-03 08:05:00

`group_reminder` is both the schedule of a reminder (`due_at`, swept by the scheduler) and
the proof it went out (`sending_at` claimed before the provider is asked, `sent_at`,
`message_sid`); (session, kind, invitee) is unique so planning twice makes one row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0012_group_reminders"
down_revision = "0010_group_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("day_before", "hour_before", name="reminderkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("invitee", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sending_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_sid", sa.String(length=128), nullable=True),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_group_reminder_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_reminder_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_group_reminder_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_group_reminder_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_reminder")),
        sa.UniqueConstraint(
            "session_id", "kind", "invitee", name=op.f("uq_group_reminder_session_id_kind_invitee")
        ),
    )
    with op.batch_alter_table("group_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_reminder_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_reminder_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_reminder_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_reminder_structure_id"), ["structure_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("group_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_reminder_structure_id"))
        batch_op.drop_index(batch_op.f("ix_group_reminder_session_id"))
        batch_op.drop_index(batch_op.f("ix_group_reminder_sent_at"))
        batch_op.drop_index(batch_op.f("ix_group_reminder_due_at"))
    op.drop_table("group_reminder")
