"""provider value sizes: SIP addresses, long call and recording ids

Revision ID: 0003_provider_value_sizes
Revises: 0002

A SIP `From` over 32 characters or a CallSid over 64 made every webhook of the
call fail on PostgreSQL (SQLite does not enforce VARCHAR lengths). Widening a
VARCHAR on PostgreSQL is a catalogue change: no table rewrite. Downgrading
fails if a longer value has been stored since, which is the point.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_provider_value_sizes"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, old length, new length, nullable)
WIDENED = (
    ("call", "call_sid", 64, 128, False),
    ("call", "from_e164", 32, 255, False),
    ("call", "to_e164", 32, 255, False),
    ("voicemail", "recording_sid", 64, 128, True),
    ("voicemail", "recording_url", 300, 1024, True),
    ("callback", "phone_e164", 32, 255, False),
    ("callback_attempt", "staff_call_sid", 64, 128, True),
    ("callback_attempt", "caller_call_sid", 64, 128, True),
)


def _resize(grow: bool) -> None:
    for table in dict.fromkeys(table for table, *_ in WIDENED):
        with op.batch_alter_table(table) as batch_op:
            for name, column, old, new, nullable in WIDENED:
                if name != table:
                    continue
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(old if grow else new),
                    type_=sa.String(new if grow else old),
                    existing_nullable=nullable,
                )


def upgrade() -> None:
    _resize(grow=True)


def downgrade() -> None:
    _resize(grow=False)
