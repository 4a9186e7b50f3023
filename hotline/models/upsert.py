"""Insert-if-absent, the building block of idempotent webhooks.

Twilio retries a webhook and two web processes may receive the same one at
once; `INSERT ... ON CONFLICT DO NOTHING` lets the database decide, with no
savepoint dance and no second row.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(
    session: Session, model: type[Any], values: Mapping[str, Any], unique_on: Sequence[str]
) -> bool:
    """Insert a row unless one with the same `unique_on` columns exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    statement = _statement(dialect, model.__table__, tuple(sorted(values)), tuple(unique_on))
    result = session.execute(statement, dict(values))
    return bool(getattr(result, "rowcount", 0))


@functools.lru_cache(maxsize=64)
def _statement(
    dialect: str, table: Any, columns: tuple[str, ...], unique_on: tuple[str, ...]
) -> Any:
    """One compiled-once statement per shape: values travel as bound parameters.

    Building `.values(**row)` anew on every webhook cost more than the query itself.
    """
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - we support the two databases above
        raise NotImplementedError(f"unsupported database: {dialect}")
    # SQLAlchemy 2.1 reports rowcount -1 for an INSERT on psycopg unless asked to keep it:
    # without this every insert looked new on PostgreSQL, a conflict included.
    return statement.on_conflict_do_nothing(index_elements=list(unique_on)).execution_options(
        preserve_rowcount=True
    )
