"""Insert-if-absent, the building block of idempotent webhooks.

Twilio retries a webhook and two web processes may receive the same one at
once; `INSERT ... ON CONFLICT DO NOTHING` lets the database decide, with no
savepoint dance and no second row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(
    session: Session, model: type[Any], values: Mapping[str, Any], unique_on: Sequence[str]
) -> bool:
    """Insert a row unless one with the same `unique_on` columns exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(model)
    elif dialect == "sqlite":
        statement = sqlite.insert(model)
    else:  # pragma: no cover - we support the two databases above
        raise NotImplementedError(f"unsupported database: {dialect}")
    statement = statement.values(**values).on_conflict_do_nothing(index_elements=list(unique_on))
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
