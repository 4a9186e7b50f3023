"""Apply the Alembic migrations to the configured database (the `release` step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the app's database to `revision`; running it twice does nothing."""
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)


def make_revision(app: Flask, message: str) -> None:  # pragma: no cover - a developer tool
    command.revision(alembic_config(app.config["DATABASE_URL"]), message=message, autogenerate=True)
