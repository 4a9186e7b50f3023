"""the queue's free entries counted by a ledger the database keeps, not by reading them all

Revision ID: 0021_free_entry_counts
Revises: 0020_callback_attempt_open
Create Date: 2026-12-04 06:30:00

Every queue page shows how many entries wait, per theme. Counted from an index, that cost
grew with the queue (2-3 ms of PostgreSQL for 19,000 entries, at every page). Triggers now
write +1 / -1 rows to `callback_free_count` when an entry becomes free (open, no due time) or
stops being free; the page sums a few rows, and a sweep folds them
(`hotline.callbacks.free_counts`). Inserting a row never waits for another writer, where
one counter row per theme would make every claim of a structure wait for the previous one.
The entries with a due time (retries) are few and still counted from their index, which now
holds only them: whether they are callable depends on the instant. The queue filtered by theme
read its free entries from that index too; they get one of their own, in queue order, so a
theme's first page is a range with a LIMIT again (16 ms → about 1 ms for one theme's 200
entries among 19,200).

SQLite rebuilds a table for most ALTERs (`batch_alter_table`), and the rebuild drops its
triggers: a later migration that rebuilds `callback` must create them again (with a copy of
`_sqlite_triggers`); `tests/test_free_counts.py` fails if it does not.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_free_entry_counts"
down_revision = "0020_callback_attempt_open"
branch_labels = None
depends_on = None

OPEN = "status IN ('waiting', 'retry_scheduled')"
FREE = "status IN ('waiting', 'retry_scheduled') AND due_at IS NULL"
TIMED = "status IN ('waiting', 'retry_scheduled') AND due_at IS NOT NULL"


def _free(row: str) -> str:
    return f"{row}.status IN ('waiting', 'retry_scheduled') AND {row}.due_at IS NULL"


def _same_place() -> str:
    """The entry stays counted where it was: same structure, same theme (NULL included)."""
    return "NEW.structure_id = OLD.structure_id AND NEW.theme_id IS NOT DISTINCT FROM OLD.theme_id"


def _ledger(row: str, n: int) -> str:
    return (
        "INSERT INTO callback_free_count (structure_id, theme_id, n) "
        f"VALUES ({row}.structure_id, {row}.theme_id, {n});"
    )


POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION callback_free_count_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF {_free("NEW")} THEN {_ledger("NEW", 1)} END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF {_free("OLD")} THEN {_ledger("OLD", -1)} END IF;
  ELSIF ({_free("OLD")}) IS DISTINCT FROM ({_free("NEW")}) OR NOT ({_same_place()}) THEN
    IF {_free("OLD")} THEN {_ledger("OLD", -1)} END IF;
    IF {_free("NEW")} THEN {_ledger("NEW", 1)} END IF;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def _sqlite_triggers() -> list[str]:
    """The same rules as four SQLite triggers (no procedural language there)."""
    moved = f"NOT ({_free('OLD')} AND {_free('NEW')} AND {_same_place()})".replace(
        "IS NOT DISTINCT FROM", "IS"
    )
    return [
        f"CREATE TRIGGER callback_free_count_insert AFTER INSERT ON callback "
        f"WHEN {_free('NEW')} BEGIN {_ledger('NEW', 1)} END",
        f"CREATE TRIGGER callback_free_count_delete AFTER DELETE ON callback "
        f"WHEN {_free('OLD')} BEGIN {_ledger('OLD', -1)} END",
        f"CREATE TRIGGER callback_free_count_leave AFTER UPDATE ON callback "
        f"WHEN {_free('OLD')} AND {moved} BEGIN {_ledger('OLD', -1)} END",
        f"CREATE TRIGGER callback_free_count_enter AFTER UPDATE ON callback "
        f"WHEN {_free('NEW')} AND {moved} BEGIN {_ledger('NEW', 1)} END",
    ]


SQLITE_TRIGGER_NAMES = ("insert", "delete", "leave", "enter")


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(
            "CREATE TRIGGER callback_free_count AFTER INSERT OR UPDATE OR DELETE ON callback "
            "FOR EACH ROW EXECUTE FUNCTION callback_free_count_change()"
        )
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS callback_free_count ON callback")
        op.execute("DROP FUNCTION IF EXISTS callback_free_count_change()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS callback_free_count_{name}")


QUEUE_ORDER_BY_THEME = ["structure_id", "theme_id", "queue_rank", "created_at", "id"]
COUNTED_BY = ["structure_id", "theme_id", "due_at"]


def _partial_index(name: str, columns: list[str], where: str) -> None:
    """An index of `callback` on the rows `where` holds, alike on both databases."""
    clause = sa.text(where)
    op.create_index(name, "callback", columns, postgresql_where=clause, sqlite_where=clause)


def upgrade() -> None:
    op.create_table(
        "callback_free_count",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
        ),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_callback_free_count"),
    )
    op.create_index(
        "ix_callback_free_count_structure_id", "callback_free_count", ["structure_id"]
    )
    create_triggers()
    op.execute(
        "INSERT INTO callback_free_count (structure_id, theme_id, n) "
        "SELECT structure_id, theme_id, count(*) FROM callback "
        f"WHERE {FREE} GROUP BY structure_id, theme_id"
    )
    _partial_index("ix_callback_queue_free_theme", QUEUE_ORDER_BY_THEME, FREE)
    # The index that counted every open entry now holds the retries with a due time only.
    op.drop_index("ix_callback_queue_counts", table_name="callback")
    _partial_index("ix_callback_queue_counts", COUNTED_BY, TIMED)


def downgrade() -> None:
    op.drop_index("ix_callback_queue_free_theme", table_name="callback")
    op.drop_index("ix_callback_queue_counts", table_name="callback")
    _partial_index("ix_callback_queue_counts", COUNTED_BY, OPEN)
    drop_triggers()
    op.drop_index("ix_callback_free_count_structure_id", table_name="callback_free_count")
    op.drop_table("callback_free_count")
