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

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from hotline.callbacks.common import HELD, is_free, status_in
from hotline.models import OPEN_STATUSES, Callback
from hotline.models.plain import read_plain

ORDER = ("queue_rank", "created_at", "id")


def group_of(now: Any) -> ColumnElement[Any]:
    """0: callable now, 1: a retry not yet due, 2: held by someone (a lapsed claim is free)."""
    held = and_(
        status_in(HELD),
        or_(Callback.claim_expires_at.is_(None), Callback.claim_expires_at >= now),
    )
    return case((held, 2), (Callback.due_at > now, 1), else_=0)


def _parts(now: Any, only_takeable: bool) -> list[tuple[tuple[str, ...], list[Any]]]:
    """Each group's parts (the WHERE of each) and the columns that order the group."""
    is_open = status_in(OPEN_STATUSES)
    free = is_free()  # ix_callback_queue_free's predicate
    timed = and_(is_open, Callback.due_at.isnot(None))  # ix_callback_queue_timed's
    lapsed = and_(status_in(HELD), Callback.claim_expires_at < now)
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
                    status_in(HELD),
                    or_(Callback.claim_expires_at.is_(None), Callback.claim_expires_at >= now),
                )
            ],
        ),
    ]


@dataclass(frozen=True)
class _Group:
    """One group's statements: its ids in order from `:skip` (`:upto` = skip + want rows
    read from each part), and how many entries it holds."""

    ids: Select[Any]
    count: Select[Any]


@functools.cache
def _groups(only_takeable: bool, themed: bool, paged: bool) -> tuple[_Group, ...]:
    """The statements of each group, built once per shape: a request only binds its
    structure, theme, instant and window (building them took more than running them)."""
    now = bindparam("now", type_=Callback.due_at.type)
    scope = [Callback.structure_id == bindparam("structure_id")]
    if themed:
        scope.append(Callback.theme_id == bindparam("theme_id"))
    groups = []
    for order, wheres in _parts(now, only_takeable):
        columns = [getattr(Callback, name) for name in order]
        branches = []
        for where in wheres:
            branch = select(*columns).where(*scope, where).order_by(*columns)
            if paged:
                branch = branch.limit(bindparam("upto", type_=Integer))
            branches.append(select(branch.subquery()))
        merged = union_all(*branches).subquery()
        query = select(merged.c.id).order_by(*(merged.c[name] for name in order))
        query = query.offset(bindparam("skip", type_=Integer))
        if paged:
            query = query.limit(bindparam("want", type_=Integer))
        count = select(func.count()).where(*scope, or_(*wheres))
        groups.append(_Group(query, count))
    return tuple(groups)


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
    values: dict[str, Any] = {"structure_id": structure_id, "theme_id": theme_id, "now": now}
    ids: list[int] = []
    skip, want = offset, limit
    for group in _groups(only_takeable, theme_id is not None, limit is not None):
        if want is not None and want <= 0:
            break
        window = {"skip": skip, "want": want, "upto": skip + (want or 0)}
        found = list(read_plain(session, group.ids, {**values, **window}).scalars())
        ids += found
        if want is not None:
            want -= len(found)
        if not found and skip:
            skip = max(0, skip - int(read_plain(session, group.count, values).scalar() or 0))
        else:
            skip = 0
    return ids


def in_order(callbacks: Sequence[Callback], ids: Sequence[int]) -> list[Callback]:
    by_id = {callback.id: callback for callback in callbacks}
    return [by_id[callback_id] for callback_id in ids if callback_id in by_id]
