"""Each entry's place under its structure's policy, stored on the row (`callback.queue_rank`).

The queue page reads 50 entries of 20,000: it must be an index range scan with a LIMIT, not
a sort of every waiting row by expressions computed at read time (issue 11). So the part of
the order that does not depend on the instant is written when it changes, by two UPDATEs
(entries joined to their person, and entries without one):

- an entry is created, or its attempts, person, creation time or status change (the ORM
  hook below, for every service that writes through the session; `rank_entries` for the
  few Core inserts and updates);
- a person's traits change (isolated, convention, risk): that person's listed entries;
- the structure's policy changes: all its listed entries (`rank_structure`; 19,200 entries
  take 0.3 s under `isolated_first`, 0.6 s under a weighted policy, on the bench machine).

`queue_rank` is `policy._primary` without the instant: smaller first. The only policy term
that moves with time is the weighted wait, `w × (now − created_at)`; it is the same shift
`w × now` for every entry, so `w × created_at − the other terms` orders them as the
reference does. Both are rounded to 6 places (so float noise never splits a tie); two
scores closer than a millionth may then round differently from the reference at some
instants, and an entry created after `now` (clock skew) is not clamped to a zero wait.
The grouping by the instant (due, held, lapsed) stays at read time: see `queue_order`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Numeric,
    case,
    cast,
    event,
    func,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql import ColumnElement

from hotline.callbacks.common import HELD
from hotline.callbacks.policy import Policy
from hotline.callbacks.settings import normalise_callback_settings
from hotline.models import OPEN_STATUSES, Callback, Person, Structure

LISTED = (*OPEN_STATUSES, *HELD)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # waits count in hours from here: small floats
# What a stored rank reads; a change to any of them ranks the entry again.
CALLBACK_FACTS = ("attempts", "person_id", "created_at", "status", "structure_id")
PERSON_FACTS = ("isolated", "has_convention", "risk")


def _flag(column: Any, with_person: bool) -> ColumnElement[Any]:
    """1.0 when the person has the trait, else 0.0 (no person: 0.0)."""
    return case((column.is_(True), 1.0), else_=0.0) if with_person else literal(0.0)


def _risk(with_person: bool) -> ColumnElement[Any]:
    return cast(Person.risk, Float) if with_person else literal(0.0)


def _hours_since_epoch(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        seconds = func.extract("epoch", Callback.created_at - literal(EPOCH))
        return cast(seconds, Float) / 3600
    stamp = EPOCH.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite holds our instants
    return (func.julianday(Callback.created_at) - func.julianday(stamp)) * 24


def _weighted(policy: Policy, dialect: str, with_person: bool) -> ColumnElement[Any]:
    values = {
        "isolated": _flag(Person.isolated, with_person),
        "convention": _flag(Person.has_convention, with_person),
        "risk": _risk(with_person),
        "waiting_hours": -_hours_since_epoch(dialect),  # a later arrival has waited less
        "attempts": cast(Callback.attempts, Float),
    }
    total: Any = literal(0.0)
    for name, weight in policy.weights.items():
        total = total + values[name] * weight
    rounded = func.round(cast(-total, Numeric() if dialect == "postgresql" else Float()), 6)
    return cast(rounded, Float)


def rank_expression(policy: Policy, dialect: str, with_person: bool) -> ColumnElement[Any]:
    """`policy._primary` of an entry, without the instant, as SQL over its row (joined to its
    person's when `with_person`): smaller first."""
    if policy.kind == "isolated_first":
        return 1 - _flag(Person.isolated, with_person)
    if policy.kind == "convention_first":
        return 1 - _flag(Person.has_convention, with_person)
    if policy.kind == "risk_first":
        return -_risk(with_person)
    if policy.kind == "weighted":
        return _weighted(policy, dialect, with_person)
    return cast(literal(0.0), Float)


def _policy(connection: Connection, structure_id: int) -> Policy:
    settings = connection.scalar(select(Structure.settings).where(Structure.id == structure_id))
    data = normalise_callback_settings((settings or {}).get("callbacks"))["policy"]
    return Policy(data["kind"], data.get("weights", {}))


def _rank(connection: Connection, structure_id: int, *where: Any) -> None:
    """Two UPDATEs: the entries of a known person (joined to it: `UPDATE … FROM person`, not a
    subquery per row) and the others."""
    policy, dialect = _policy(connection, structure_id), connection.dialect.name
    scope = (Callback.structure_id == structure_id, Callback.status.in_(LISTED), *where)
    for joined, whose in (
        (True, Person.id == Callback.person_id),
        (False, Callback.person_id.is_(None)),
    ):
        connection.execute(
            update(Callback)
            .where(*scope, whose)
            .values(queue_rank=rank_expression(policy, dialect, joined))
            .execution_options(synchronize_session=False)
        )


def rank_structure(connection: Connection, structure_id: int) -> None:
    """Every listed entry of the structure (two UPDATEs, with and without a person): after
    its policy changed."""
    _rank(connection, structure_id)


def rank_entries(session: Session, structure_id: int, callback_ids: Iterable[int]) -> None:
    """These entries of the structure: after a Core insert or update the hook cannot see."""
    ids = sorted(set(callback_ids))
    if ids:
        _rank(session.connection(), structure_id, Callback.id.in_(ids))


def rank_everything(connection: Connection) -> None:
    """Every structure's listed entries (the migration's backfill, a bulk load)."""
    for structure_id in connection.scalars(select(Structure.id)).all():
        _rank(connection, structure_id)


# -- the ORM hook ---------------------------------------------------------------------------


def _changed(state_object: Any, names: Iterable[str]) -> bool:
    state = inspect(state_object)
    return any(state.attrs[name].history.has_changes() for name in names)


def _policy_changed(structure: Structure) -> bool:
    history = inspect(structure).attrs["settings"].history
    if not history.has_changes():
        return False
    before = [(old or {}).get("callbacks") for old in history.deleted] or [None]
    after = (structure.settings or {}).get("callbacks")
    policy = normalise_callback_settings(after)["policy"]
    return normalise_callback_settings(before[0])["policy"] != policy


def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    """Note what the flush changes that a stored rank reads (ids exist only after it)."""
    entries = [
        item
        for item in (*session.new, *session.dirty)
        if isinstance(item, Callback) and (item in session.new or _changed(item, CALLBACK_FACTS))
    ]
    people = {
        item.id
        for item in (*session.dirty, *session.deleted)
        if isinstance(item, Person)
        and item.id is not None
        and (item in session.deleted or _changed(item, PERSON_FACTS))
    }
    structures = {
        item.id
        for item in session.dirty
        if isinstance(item, Structure) and item.id is not None and _policy_changed(item)
    }
    pending = session.info.setdefault("queue_rank_pending", {"entries": [], "people": set()})
    pending["entries"].extend(entries)
    if people:  # a deleted person's entries lose their person: find them before they do
        rows = session.connection().execute(
            select(Callback.id).where(Callback.person_id.in_(people))
        )
        pending["people_entries"] = [*pending.get("people_entries", []), *rows.scalars()]
    pending.setdefault("structures", set()).update(structures)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    """Write the ranks the flush made stale, in one UPDATE per structure."""
    pending = session.info.pop("queue_rank_pending", None)
    if not pending:
        return
    connection = session.connection()
    structures: set[int] = set(pending.get("structures", ()))
    for structure_id in structures:
        rank_structure(connection, structure_id)
    by_structure: dict[int, set[int]] = {}
    for entry in pending["entries"]:
        if entry.id is not None and entry.structure_id not in structures:
            by_structure.setdefault(entry.structure_id, set()).add(entry.id)
    ids = pending.get("people_entries", [])
    if ids:
        rows = connection.execute(
            select(Callback.structure_id, Callback.id).where(Callback.id.in_(ids))
        )
        for structure_id, callback_id in rows:
            if structure_id not in structures:
                by_structure.setdefault(structure_id, set()).add(callback_id)
    for structure_id, callback_ids in by_structure.items():
        _rank(connection, structure_id, Callback.id.in_(sorted(callback_ids)))
    session.info["queue_rank_written"] = pending["entries"]


def _after_flush_postexec(session: Session, _context: UOWTransaction) -> None:
    """The ranks in memory are stale now: read again if anyone looks."""
    for entry in session.info.pop("queue_rank_written", ()):
        if entry in session and entry.id is not None:
            session.expire(entry, ["queue_rank"])


def init_app(_app: Any = None) -> None:
    """Keep stored ranks current on every session's flush (registered once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
