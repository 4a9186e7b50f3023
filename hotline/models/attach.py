"""A row a Core statement returned, made the ORM object the rest of the code reads.

The hot statements (a call's first webhook, a claim) are sent below the ORM: SQLAlchemy's
ORM-enabled INSERT or UPDATE … RETURNING cost several times what the database did. Their
row still becomes the usual persistent object, attached to the session without a SELECT,
so views and services read and change it as if a query had loaded it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

M = TypeVar("M")


def attach_loaded(session: Session, model: type[M], row: Mapping[str, Any]) -> M:
    """`row` (every column of one row of `model`'s table, by column name) as a persistent
    `model` of `session`, without a SELECT.

    An object of that row already in the session takes the values the statement just read
    (or wrote), and a relationship loaded through a column that changed is expired (loaded
    again when read: the claim's holder must be its new one), as `populate_existing` would;
    but a change not yet flushed is kept, since the flush will write it over them.
    """
    mapped: Any = model  # a mapped class, as the caches below take it
    values = {_attribute_keys(mapped)[column]: value for column, value in row.items()}
    known = session.identity_map.get(session.identity_key(model, (values["id"],)))
    if known is None:
        loaded = model(**values)
        make_transient_to_detached(loaded)
        session.add(loaded)
        return loaded
    state = inspect(known)
    moved = {
        key
        for key, value in values.items()
        if key not in state.committed_state and state.dict.get(key, value) != value
    }
    for key in values.keys() - state.committed_state.keys():
        set_committed_value(known, key, values[key])
    stale = [name for name, columns in _relationship_columns(mapped).items() if columns & moved]
    if stale:
        session.expire(known, stale)
    return known


@functools.cache
def _attribute_keys(model: type[Any]) -> dict[str, str]:
    """Column name → the mapped attribute's name (they differ when a column is renamed)."""
    mapper = inspect(model)
    return {column.name: mapper.get_property_by_column(column).key for column in mapper.columns}


@functools.cache
def _relationship_columns(model: type[Any]) -> dict[str, frozenset[str]]:
    """Each relationship of `model` and the attributes of its own columns it is loaded by."""
    mapper = inspect(model)
    return {
        relationship.key: frozenset(
            mapper.get_property_by_column(column).key for column in relationship.local_columns
        )
        for relationship in mapper.relationships
    }
