"""The queue's order read from stored keys, a page at a time, by index ranges (issue 11).

The same order as `policy.order` and `listing`, which stay the reference: the three groups
(callable now, retries not yet due by their due time, entries someone holds), then the
policy's own criterion, then the longest wait and the smaller id. The criterion is stored
on each entry (`queue_rank`, kept by `queue_keys`); only the group depends on the instant,
and it splits the entries into a few index ranges, never into a sort of the whole queue:

- callable now: the open entries without a due time (one range of `ix_callback_queue_free`,
  already in order), merged with the retries due by now (the head of `ix_callback_queue_timed`)
  and the claims whose lease lapsed (few);
- not yet due: the rest of `ix_callback_queue_timed`, in due-time order, and lapsed claims
  not yet due (few);
- held: the claimed and calling entries (as many as staff members at work).

Each part reads at most `offset + limit` rows in order; a structure with 20,000 entries waiting
is then a first page of 50 rows read from an index, whatever the policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from hotline.callbacks.common import HELD
from hotline.models import OPEN_STATUSES, Callback

ORDER = ("queue_rank", "created_at", "id")


def group_of(now: datetime) -> ColumnElement[Any]:
    """0: callable now, 1: a retry not yet due, 2: held by someone (a lapsed claim is free)."""
    held = and_(
        Callback.status.in_(HELD),
        or_(Callback.claim_expires_at.is_(None), Callback.claim_expires_at >= now),
    )
    return case((held, 2), (Callback.due_at > now, 1), else_=0)


def _parts(now: datetime, only_takeable: bool) -> list[tuple[tuple[str, ...], list[Any]]]:
    """Each group's parts (the WHERE of each) and the columns that order the group."""
    is_open = Callback.status.in_(OPEN_STATUSES)
    free = and_(is_open, Callback.due_at.is_(None))  # ix_callback_queue_free's predicate
    timed = and_(is_open, Callback.due_at.isnot(None))  # ix_callback_queue_timed's
    lapsed = and_(Callback.status.in_(HELD), Callback.claim_expires_at < now)
    due = or_(Callback.due_at.is_(None), Callback.due_at <= now)
    callable_now = [free, and_(timed, Callback.due_at <= now)]
    if only_takeable:
        return [(ORDER, callable_now)]
    return [
        (ORDER, [*callable_now, and_(lapsed, due)]),
        (("due_at", *ORDER), [and_(timed, Callback.due_at > now), and_(lapsed, ~due)]),
        (
            ORDER,
            [
                and_(
                    Callback.status.in_(HELD),
                    or_(Callback.claim_expires_at.is_(None), Callback.claim_expires_at >= now),
                )
            ],
        ),
    ]


def _group_ids(
    session: Session,
    scope: list[Any],
    order: tuple[str, ...],
    wheres: list[Any],
    skip: int,
    want: int | None,
) -> list[int]:
    """The ids of one group's entries from `skip`, in order: each part read in index order."""
    columns = [getattr(Callback, name) for name in order]
    branches = []
    for where in wheres:
        branch = select(*columns).where(*scope, where).order_by(*columns)
        if want is not None:
            branch = branch.limit(skip + want)
        branches.append(select(branch.subquery()))
    merged = union_all(*branches).subquery()
    query = select(merged.c.id).order_by(*(merged.c[name] for name in order)).offset(skip)
    if want is not None:
        query = query.limit(want)
    return list(session.scalars(query))


def _count(session: Session, scope: list[Any], wheres: list[Any]) -> int:
    return int(session.scalar(select(func.count()).where(*scope, or_(*wheres))) or 0)


def page_ids(
    session: Session,
    structure_id: int,
    now: datetime,
    *,
    limit: int | None = None,
    offset: int = 0,
    theme_id: int | None = None,
    only_takeable: bool = False,
) -> list[int]:
    """The ids of `limit` listed entries from `offset`, in queue order (None: all of them).

    A group is counted only when the page starts after its end, to know where the next
    group's part of the page starts.
    """
    scope: list[Any] = [Callback.structure_id == structure_id]
    if theme_id is not None:
        scope.append(Callback.theme_id == theme_id)
    ids: list[int] = []
    skip, want = offset, limit
    for order, wheres in _parts(now, only_takeable):
        if want is not None and want <= 0:
            break
        found = _group_ids(session, scope, order, wheres, skip, want)
        ids += found
        if want is not None:
            want -= len(found)
        skip = 0 if found or skip == 0 else max(0, skip - _count(session, scope, wheres))
    return ids


def in_order(callbacks: Sequence[Callback], ids: Sequence[int]) -> list[Callback]:
    by_id = {callback.id: callback for callback in callbacks}
    return [by_id[callback_id] for callback_id in ids if callback_id in by_id]
