"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.extensions import db
from hotline.models import Base


def test_migrations_match_the_models(app: Any) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_twice_changes_nothing(app: Any) -> None:
    from hotline import migrate

    migrate.upgrade(app)
    migrate.upgrade(app)
