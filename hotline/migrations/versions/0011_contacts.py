"""contacts: the contact record, and what check-ins need to know about a person

Revision ID: 0011_contacts
Revises: 0009_retention_audit
Create Date: 2026-12-03 08:00:00

`check_in_run` is the daily check-in sweep's schedule row per structure.
`contact` holds one row per kept link (answered inbound call, callback that reached the
person, group-call attendance, check-in), keyed by `source_key` so a retried webhook adds
nothing; no content, no note. `person` gains who manages the row (the structure file or the
dashboard), the contract end, the objection to proactive calls, allowed call hours, the
contact frequency and when the person was added.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0011_contacts"
down_revision = "0009_retention_audit"
branch_labels = None
depends_on = None


def _person_columns() -> list[sa.Column]:
    return [
        sa.Column("managed_by", sa.String(length=20), server_default="file", nullable=False),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("objects_to_calls", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("call_from", sa.Time(), nullable=True),
        sa.Column("call_to", sa.Time(), nullable=True),
        sa.Column("contact_every_days", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("phone_e164", sa.String(length=255), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "inbound",
                "callback",
                "group_call",
                "check_in",
                name="contactkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_contact_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_contact_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_contact_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_contact_theme_id_theme"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("source_key", name=op.f("uq_contact_source_key")),
    )
    op.create_index(op.f("ix_contact_structure_id"), "contact", ["structure_id"])
    op.create_index(op.f("ix_contact_person_id"), "contact", ["person_id"])
    op.create_index(op.f("ix_contact_started_at"), "contact", ["started_at"])
    op.create_table(
        "check_in_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"],
            name=op.f("fk_check_in_run_structure_id_structure"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_run")),
        sa.UniqueConstraint("structure_id", name=op.f("uq_check_in_run_structure_id")),
    )
    with op.batch_alter_table("person") as batch:
        for column in _person_columns():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for column in reversed(_person_columns()):
            batch.drop_column(column.name)
    op.drop_table("check_in_run")
    op.drop_index(op.f("ix_contact_started_at"), table_name="contact")
    op.drop_index(op.f("ix_contact_person_id"), table_name="contact")
    op.drop_index(op.f("ix_contact_structure_id"), table_name="contact")
    op.drop_table("contact")
