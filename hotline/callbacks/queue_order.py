"""The queue's order written as SQL, so the database sorts and pages it (issue 11).

The same order as `policy.order` and `listing`, which stay the reference: the three groups
(callable now, retries not yet due by their due time, entries someone holds), then the
policy's own criterion, then the longest wait and the smaller id. A structure with 20,000
entries waiting is then one indexed query returning one page, not 20,000 rows sorted in
Python on every page load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, Numeric, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select

from hotline.callbacks.common import HELD
from hotline.callbacks.entries import LISTED
from hotline.callbacks.policy import Policy
from hotline.models import Callback, Person


def group_of(now: datetime) -> ColumnElement[Any]:
    """0: callable now, 1: a retry not yet due, 2: held by someone (a lapsed claim is free)."""
    held = and_(
        Callback.status.in_(HELD),
        or_(Callback.claim_expires_at.is_(None), Callback.claim_expires_at >= now),
    )
    return case((held, 2), (Callback.due_at > now, 1), else_=0)


def _hours_waited(now: datetime, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        seconds = func.extract("epoch", literal(now) - Callback.created_at)
        return func.greatest(0, cast(seconds, Float) / 3600)
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite holds our instants
    days = func.julianday(stamp) - func.julianday(Callback.created_at)
    return func.max(0, days * 24)


def _primary(policy: Policy, now: datetime, dialect: str) -> ColumnElement[Any]:
    """`policy._primary` in SQL: smaller first."""
    isolated = func.coalesce(Person.isolated, False).is_(True)
    convention = func.coalesce(Person.has_convention, False).is_(True)
    risk = func.coalesce(Person.risk, 0)
    if policy.kind == "isolated_first":
        return case((isolated, 0), else_=1)
    if policy.kind == "convention_first":
        return case((convention, 0), else_=1)
    if policy.kind == "risk_first":
        return -risk
    if policy.kind == "weighted":
        values = {
            "isolated": case((isolated, 1.0), else_=0.0),
            "convention": case((convention, 1.0), else_=0.0),
            "risk": cast(risk, Float),
            "waiting_hours": _hours_waited(now, dialect),
            "attempts": cast(Callback.attempts, Float),
        }
        total: Any = literal(0.0)
        for name, weight in policy.weights.items():
            total = total + values[name] * weight
        rounded = func.round(cast(total, _numeric(dialect)), 6)
        return -rounded
    return literal(0)


def _numeric(dialect: str) -> Any:
    """PostgreSQL rounds a NUMERIC to 6 places as Python's round does; SQLite a REAL."""
    return Numeric() if dialect == "postgresql" else Float()


def ordered_entries(
    structure_id: int,
    policy: Policy,
    now: datetime,
    dialect: str,
    *,
    theme_id: int | None = None,
    only_takeable: bool = False,
) -> Select[Any]:
    """The structure's listed entries in queue order (add `.limit`/`.offset` for a page)."""
    group = group_of(now)
    query = (
        select(Callback)
        .outerjoin(Person, Person.id == Callback.person_id)
        .where(Callback.structure_id == structure_id, Callback.status.in_(LISTED))
    )
    if theme_id is not None:
        query = query.where(Callback.theme_id == theme_id)
    if only_takeable:
        query = query.where(group == 0)
    due_order = case((group == 1, Callback.due_at), else_=None)
    return query.order_by(
        group,
        due_order,
        _primary(policy, now, dialect),
        Callback.created_at,
        Callback.id,
    )
