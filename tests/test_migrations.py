"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.extensions import db
from hotline.models import Base

# Alembic opens its own connections to inspect and upgrade the schema.
pytestmark = pytest.mark.commits


def test_migrations_match_the_models(app: Any) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_twice_changes_nothing(app: Any) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    from hotline import migrate

    head = ScriptDirectory.from_config(migrate.alembic_config("")).get_current_head()
    before = sorted(inspect(db.engine).get_table_names())
    migrate.upgrade(app)
    migrate.upgrade(app)
    with db.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [row[0] for row in versions] == [head]
    assert sorted(inspect(db.engine).get_table_names()) == before


def test_the_sort_key_migration_ranks_the_entries_already_queued(tmp_path: Any) -> None:
    """0019_queue_sort_key backfills each listed entry under its structure's policy of the day
    (a scratch SQLite file: the shared test database stays at head)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from hotline import migrate

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    config = migrate.alembic_config(url)
    command.upgrade(config, "0018_callback_caller_indexes")
    engine = create_engine(url)
    weighted = '{"callbacks": {"policy": {"kind": "weighted", "weights": {"risk": 2}}}}'
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO structure (id, slug, name, timezone, script, languages,"
                " close_on_holidays, alsace_moselle, voicemail_retention_days, settings)"
                " VALUES (1, 'a', 'A', 'Europe/Paris', 'default', '[]', 0, 0, 30, :risk),"
                " (2, 'b', 'B', 'Europe/Paris', 'default', '[]', 0, 0, 30, '{}')"
            ),
            {"risk": weighted},
        )
        connection.execute(
            text(
                "INSERT INTO person (id, structure_id, key, name, isolated, has_convention, risk)"
                " VALUES (1, 1, 'p', 'P', 1, 0, 3)"
            )
        )
        for callback_id, structure_id, status in (
            (1, 1, "waiting"),
            (2, 1, "done"),
            (3, 2, "waiting"),
        ):
            _insert_callback(connection, callback_id, structure_id, status, person_id=1)
    command.upgrade(config, "head")
    with engine.connect() as connection:
        ranks = dict(connection.execute(text("SELECT id, queue_rank FROM callback")).all())
    engine.dispose()
    assert ranks == {1: -6.0, 2: 0.0, 3: 0.0}  # risk 3 × 2; a closed entry; "oldest"


def _insert_callback(
    connection: Any, callback_id: int, structure_id: int, status: str, **more: Any
) -> None:
    """An entry as an older revision's table holds it (raw SQL: the models are at head)."""
    from sqlalchemy import text

    values = {"person_id": None, "due_at": None, **more}
    connection.execute(
        text(
            "INSERT INTO callback (id, structure_id, source, status, phone_e164, created_at,"
            " attempts, person_id, due_at) VALUES (:id, :sid, 'manual', :status,"
            " '+33612345678', '2026-12-01 10:00:00.000000', 1, :person_id, :due_at)"
        ),
        {"id": callback_id, "sid": structure_id, "status": status, **values},
    )


def test_the_ledger_migration_counts_what_is_queued_and_goes_back(tmp_path: Any) -> None:
    """0021_free_entry_counts fills its ledger from the entries already there; its downgrade
    leaves no table nor trigger behind, and upgrading again counts afresh."""
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from hotline import migrate

    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    config = migrate.alembic_config(url)
    command.upgrade(config, "0020_callback_attempt_open")
    engine = create_engine(url)
    ledger = "SELECT structure_id, theme_id, sum(n) FROM callback_free_count GROUP BY 1, 2"
    triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO structure (id, slug, name, timezone, script, languages,"
                " close_on_holidays, alsace_moselle, voicemail_retention_days, settings)"
                " VALUES (1, 'a', 'A', 'Europe/Paris', 'default', '[]', 0, 0, 30, '{}')"
            )
        )
        for callback_id, status in enumerate(("waiting", "waiting", "claimed", "done"), 1):
            _insert_callback(connection, callback_id, 1, status)
        later = "2026-12-02 10:00:00.000000"
        _insert_callback(connection, 5, 1, "retry_scheduled", due_at=later)
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(text(ledger)).all() == [(1, None, 2)]
    command.downgrade(config, "0020_callback_attempt_open")
    with engine.begin() as connection:
        assert "callback_free_count" not in inspect(connection).get_table_names()
        assert connection.scalar(text(triggers)) == 0
        _insert_callback(connection, 6, 1, "waiting")  # no trigger writes to a missing table
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(text(ledger)).all() == [(1, None, 3)]
    engine.dispose()
