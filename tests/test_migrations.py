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
