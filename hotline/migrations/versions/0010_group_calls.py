"""group calls: series, sessions, participants, call legs and attendance (issue 8)

Revision ID: 0010_group_calls
Revises: 0011_contacts
Create Date: 2026-12-03 07:46:25

`group_series` holds the plan (RRULE in the structure's timezone), `group_session` one row per
occurrence with its own status, `group_participant` who a started session invites (copied at
the start), `group_call_leg` each call placed or received for them, `group_attendance_event`
the conference callbacks as received, `group_preference` the opt-outs per series, and
`person_group(_member)` the groups of salariés a series may invite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime


revision = "0010_group_calls"
down_revision = "0011_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_person_group_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_group")),
        sa.UniqueConstraint("structure_id", "key", name=op.f("uq_person_group_structure_id_key")),
    )
    with op.batch_alter_table("person_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_group_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "group_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("staff", "group", name="audience", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("person_group_id", sa.Integer(), nullable=True),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("pin", sa.String(length=12), nullable=False),
        sa.Column("muted_on_entry", sa.Boolean(), nullable=False),
        sa.Column("announce_joins", sa.Boolean(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("hold_message", sa.String(length=500), nullable=False),
        sa.Column("end_on_host_exit", sa.Boolean(), nullable=False),
        sa.Column("retry_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("remind_day_before", sa.Boolean(), nullable=False),
        sa.Column("remind_hour_before", sa.Boolean(), nullable=False),
        sa.Column("recording", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_group_id"],
            ["person_group.id"],
            name=op.f("fk_group_series_person_group_id_person_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_group_series_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_series")),
        sa.UniqueConstraint("structure_id", "key", name=op.f("uq_group_series_structure_id_key")),
    )
    with op.batch_alter_table("group_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_series_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "person_group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["person_group.id"],
            name=op.f("fk_person_group_member_group_id_person_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_person_group_member_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_group_member")),
        sa.UniqueConstraint(
            "group_id", "person_id", name=op.f("uq_person_group_member_group_id_person_id")
        ),
    )
    with op.batch_alter_table("person_group_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_group_member_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "group_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("calls_off_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminders_off", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_group_preference_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["group_series.id"],
            name=op.f("fk_group_preference_series_id_group_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_group_preference_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_preference")),
        sa.UniqueConstraint(
            "series_id", "person_id", name=op.f("uq_group_preference_series_id_person_id")
        ),
        sa.UniqueConstraint(
            "series_id", "staff_id", name=op.f("uq_group_preference_series_id_staff_id")
        ),
    )
    op.create_table(
        "group_series_host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["group_series.id"],
            name=op.f("fk_group_series_host_series_id_group_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_group_series_host_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_series_host")),
        sa.UniqueConstraint(
            "series_id", "staff_id", name=op.f("uq_group_series_host_series_id_staff_id")
        ),
    )
    with op.batch_alter_table("group_series_host", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_series_host_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "group_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "starting",
                "running",
                "ended",
                "cancelled",
                "missed",
                name="sessionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("conference_name", sa.String(length=64), nullable=False),
        sa.Column("conference_sid", sa.String(length=128), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("host_in_room", sa.Boolean(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("refusal", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["group_series.id"],
            name=op.f("fk_group_session_series_id_group_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_group_session_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_session")),
        sa.UniqueConstraint("conference_name", name=op.f("uq_group_session_conference_name")),
        sa.UniqueConstraint(
            "series_id", "occurrence_at", name=op.f("uq_group_session_series_id_occurrence_at")
        ),
    )
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_session_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_session_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_session_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_session_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "group_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "host", "invitee", "guest", name="participantrole", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("phone_e164", sa.String(length=255), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("dial_order", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "calling",
                "screening",
                "joined",
                "left",
                "retry",
                "not_reached",
                "opted_out",
                "refused",
                "cancelled",
                name="legstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("call_status", sa.String(length=20), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("in_room", sa.Boolean(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("first_joined_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_joined_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("seconds_in_room", sa.Integer(), nullable=False),
        sa.Column("leave_reason", sa.String(length=60), nullable=False),
        sa.Column("failure_reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_group_participant_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_participant_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_group_participant_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_participant")),
        sa.UniqueConstraint(
            "session_id", "label", name=op.f("uq_group_participant_session_id_label")
        ),
    )
    with op.batch_alter_table("group_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_participant_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_participant_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_participant_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "group_attendance_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("conference_sid", sa.String(length=128), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("call_sid", sa.String(length=128), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("call_status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["group_participant.id"],
            name=op.f("fk_group_attendance_event_participant_id_group_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_attendance_event_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_attendance_event")),
        sa.UniqueConstraint(
            "session_id",
            "conference_sid",
            "sequence",
            name=op.f("uq_group_attendance_event_session_id_conference_sid_sequence"),
        ),
    )
    with op.batch_alter_table("group_attendance_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_attendance_event_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_attendance_event_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "group_call_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "dial", "retry", "redial", "dial_in", name="legkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("dial_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("placing_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("call_sid", sa.String(length=128), nullable=True),
        sa.Column("call_status", sa.String(length=20), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "joined",
                "opted_out",
                "no_key",
                "no_answer",
                "busy",
                "failed",
                "refused",
                "cancelled",
                name="legoutcome",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("failure_reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["group_participant.id"],
            name=op.f("fk_group_call_leg_participant_id_group_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_session.id"],
            name=op.f("fk_group_call_leg_session_id_group_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_call_leg")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_group_call_leg_call_sid")),
        sa.UniqueConstraint(
            "participant_id", "number", name=op.f("uq_group_call_leg_participant_id_number")
        ),
    )
    with op.batch_alter_table("group_call_leg", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_call_leg_dial_at"), ["dial_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_call_leg_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_call_leg_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("group_call_leg", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_call_leg_session_id"))
        batch_op.drop_index(batch_op.f("ix_group_call_leg_participant_id"))
        batch_op.drop_index(batch_op.f("ix_group_call_leg_dial_at"))

    op.drop_table("group_call_leg")
    with op.batch_alter_table("group_attendance_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_attendance_event_session_id"))
        batch_op.drop_index(batch_op.f("ix_group_attendance_event_participant_id"))

    op.drop_table("group_attendance_event")
    with op.batch_alter_table("group_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_participant_person_id"))
        batch_op.drop_index(batch_op.f("ix_group_participant_status"))
        batch_op.drop_index(batch_op.f("ix_group_participant_session_id"))

    op.drop_table("group_participant")
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_session_structure_id"))
        batch_op.drop_index(batch_op.f("ix_group_session_status"))
        batch_op.drop_index(batch_op.f("ix_group_session_starts_at"))
        batch_op.drop_index(batch_op.f("ix_group_session_series_id"))

    op.drop_table("group_session")
    with op.batch_alter_table("group_series_host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_series_host_staff_id"))

    op.drop_table("group_series_host")
    op.drop_table("group_preference")
    with op.batch_alter_table("person_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_group_member_person_id"))

    op.drop_table("person_group_member")
    with op.batch_alter_table("group_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_series_structure_id"))

    op.drop_table("group_series")
    with op.batch_alter_table("person_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_group_structure_id"))

    op.drop_table("person_group")
