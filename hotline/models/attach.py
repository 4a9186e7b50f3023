"""A row a Core statement returned, made the ORM object the rest of the code reads.

The hot statements (a call's first webhook, a claim) are sent below the ORM: SQLAlchemy's
ORM-enabled INSERT or UPDATE … RETURNING cost several times what the database did. Their
row still becomes the usual persistent object, attached to the session without a SELECT,
so views and services read and change it as if a query had loaded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

M = TypeVar("M")


def attach_loaded(session: Session, model: type[M], values: Mapping[str, Any]) -> M:
    """`values` (every column of one row, by attribute key) as a persistent `model` of
    `session`. An object of that row already in the session takes the values the statement
    just read (or wrote), as with `populate_existing`, but keeps a change not yet flushed:
    the flush will write it over them."""
    identity = session.identity_key(model, (values["id"],))
    known = session.identity_map.get(identity)
    if known is not None:
        changed = inspect(known).committed_state
        for key, value in values.items():
            if key not in changed:
                set_committed_value(known, key, value)
        return known
    loaded = model(**values)
    make_transient_to_detached(loaded)
    session.add(loaded)
    return loaded
