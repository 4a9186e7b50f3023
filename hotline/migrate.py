"""Apply the Alembic migrations to the configured database (the `release` step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the app's database to `revision`; running it twice does nothing."""
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)


def is_current(app: Flask) -> bool:
    """Whether the database is migrated to the latest revision.

    Commands ask before touching a table, so an unprepared database gets one sentence
    saying what to run, not a traceback about a missing table. A database that cannot be
    reached raises SQLAlchemy's error: that is not the same advice.
    """
    heads = set(ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"])).get_heads())
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current == heads


def check_reachable(app: Flask) -> None:
    """Open and close one connection to the app's database; SQLAlchemy's error if it can't."""
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def make_revision(app: Flask, message: str) -> None:  # pragma: no cover - a developer tool
    command.revision(alembic_config(app.config["DATABASE_URL"]), message=message, autogenerate=True)
