"""The queue as staff see it: ordered by the structure's policy, each entry with its reasons.

Three groups, in this order: entries that can be called now (waiting, and retries whose time
has come, in policy order: these get positions 1, 2, 3...), then retries not yet due (by due
time, with "rappel prévu lun. 9 h"), then entries someone holds ("pris par Amina Diallo").
A claim whose lease lapsed counts as free even before the sweep frees it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from hotline import phones
from hotline.callbacks import wording as french
from hotline.callbacks.common import HELD, claim_expired, due_later, status_in
from hotline.callbacks.free_counts import free_per_theme
from hotline.callbacks.policy import Policy, reasons
from hotline.callbacks.queue_order import group_of, page_ids
from hotline.callbacks.queue_rows import QueueRow, queue_rows
from hotline.callbacks.settings import callback_settings
from hotline.models import (
    OPEN_STATUSES,
    Callback,
    CallbackSource,
    CallbackStatus,
    Structure,
    Theme,
)
from hotline.models.plain import read_plain

SEPARATOR = " · "


@dataclass(frozen=True)
class QueueEntry:
    """One line of the queue: the entry, its place, and why it is there (French)."""

    callback: QueueRow
    position: int
    reasons: tuple[str, ...]
    why: str
    detail: str  # which entry this is: "+33 6 •• •• •• 78 · 3 messages, le dernier mardi 10 h 12"
    due_later: bool = False  # a retry not due yet: shown, not takeable before its time


def describe(callback: Callback | QueueRow, now: datetime, tz: ZoneInfo) -> str:
    """What tells two entries apart: the number's last digits, the messages or the call."""
    heard = [message for message in callback.messages if message.status != "empty"]
    if heard:
        last = heard[-1]
        what = french.messages(len(heard), last.created_at, last.duration_seconds, now, tz)
    elif callback.source == CallbackSource.MISSED_CALL:
        what = f"appel manqué {french.day_and_time(callback.created_at, now, tz)}"
    elif callback.source == CallbackSource.CHECK_IN:
        what = f"appel de suivi, ajouté {french.day_and_time(callback.created_at, now, tz)}"
    elif callback.messages:
        what = f"message vide {french.day_and_time(callback.created_at, now, tz)}"
    else:
        what = f"ajouté {french.day_and_time(callback.created_at, now, tz)}"
    return f"{phones.masked(callback.phone_e164)}{SEPARATOR}{what}"


def _group(callback: Callback | QueueRow, now: datetime) -> int:
    """0: callable now, 1: retry not yet due, 2: held by someone."""
    if callback.status in HELD and not claim_expired(callback, now):
        return 2
    if callback.due_at is not None and callback.due_at > now:
        return 1
    return 0


def _held_by(callback: QueueRow) -> str:
    name = callback.claimed_by.name if callback.claimed_by is not None else "?"
    if callback.status == CallbackStatus.CALLING:
        return f"appel en cours ({name})"
    return f"pris par {name}"


def _lines(
    policy: Policy, tz: ZoneInfo, callbacks: Sequence[QueueRow], now: datetime, first: int
) -> list[QueueEntry]:
    """The page's entries, already in queue order, with their places and French reasons."""
    entries = []
    for index, callback in enumerate(callbacks):
        group = _group(callback, now)
        found = reasons(policy, callback, now)
        if group == 1 and callback.due_at is not None:
            found = (*found, f"rappel prévu {french.moment(callback.due_at, now, tz)}")
        if group == 2:
            found = (_held_by(callback), *found)
        detail = describe(callback, now, tz)
        later = due_later(callback, now)
        why = SEPARATOR.join(found)
        entries.append(QueueEntry(callback, first + index, found, why, detail, later))
    return entries


def list_queue(
    session: Session,
    structure_id: int,
    now: datetime,
    *,
    limit: int | None = None,
    offset: int = 0,
    theme_id: int | None = None,
) -> list[QueueEntry]:
    """The structure's open entries in the order to call them, each with its French reasons.

    The database orders and pages them from stored keys (`queue_order`): `limit` entries
    from `offset`, and only those are read, as plain rows with the columns the page shows
    (`queue_rows`). Positions count from the start of the (filtered) queue.
    """
    structure = session.get(Structure, structure_id)
    if structure is None:
        return []
    policy = callback_settings(structure).policy
    ids = page_ids(session, structure_id, now, limit=limit, offset=offset, theme_id=theme_id)
    page = queue_rows(session, ids)
    return _lines(policy, ZoneInfo(structure.timezone), page, now, offset + 1)


@functools.cache
def _counts_statement() -> Select[Any]:
    """`queue_counts`' statement, built once: a request binds its structure and instant.

    Three parts, each a few rows: the free entries from the ledger the database keeps
    (`free_counts`), the open entries with a due time (retries, callable once due) from
    `ix_callback_queue_counts`, and the held ones (a lapsed claim counts as callable).
    """
    now = bindparam("now", type_=Callback.due_at.type)
    scope = Callback.structure_id == bindparam("structure_id")
    free = free_per_theme().subquery()
    free_rows = select(free.c.theme_id, free.c.n.label("n"), free.c.n.label("free"))
    timed_rows = (
        select(Callback.theme_id, func.count(), func.count().filter(Callback.due_at <= now))
        .where(scope, status_in(OPEN_STATUSES), Callback.due_at.isnot(None))
        .group_by(Callback.theme_id)
    )
    held_rows = (
        select(Callback.theme_id, func.count(), func.count().filter(group_of(now) == 0))
        .where(scope, status_in(HELD))
        .group_by(Callback.theme_id)
    )
    both = union_all(free_rows, timed_rows, held_rows).subquery()
    return select(both.c.theme_id, Theme.key, both.c.n, both.c.free).outerjoin(
        Theme, Theme.id == both.c.theme_id
    )


def queue_counts(session: Session, structure_id: int, now: datetime) -> QueueCounts:
    """How many entries the queue holds: in all, callable now, and per theme (None: no theme).

    One statement, whose cost does not grow with the queue (`_counts_statement`).
    """
    rows = read_plain(session, _counts_statement(), {"structure_id": structure_id, "now": now})
    per_theme: dict[int | None, int] = {}
    callable_per_theme: dict[int | None, int] = {}
    keys: dict[int, str] = {}
    for theme_id, key, count, free_count in rows:
        per_theme[theme_id] = per_theme.get(theme_id, 0) + int(count)
        if free_count:
            callable_per_theme[theme_id] = callable_per_theme.get(theme_id, 0) + int(free_count)
        if theme_id is not None:
            keys[theme_id] = key
    total, callable_now_count = sum(per_theme.values()), sum(callable_per_theme.values())
    return QueueCounts(total, callable_now_count, per_theme, callable_per_theme, keys)


@dataclass(frozen=True)
class QueueCounts:
    """Entries in the queue: all, callable now, and both per theme id (None: no theme)."""

    total: int
    callable_now: int
    per_theme: dict[int | None, int]
    callable_per_theme: dict[int | None, int]
    theme_keys: dict[int, str] = field(default_factory=dict)  # the key of each theme counted


def waiting_callbacks(session: Session, structure_id: int) -> list[Callback]:
    """The waiting entries of one structure, oldest first (no policy: for counts and tests)."""
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.structure_id == structure_id,
                Callback.status == CallbackStatus.WAITING,
            )
            .order_by(Callback.created_at, Callback.id)
        )
    )


def recently_handled(session: Session, structure_id: int, limit: int = 50) -> list[Callback]:
    """Who handled what, most recent first: the coordinator's view of the work done."""
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.structure_id == structure_id,
                Callback.status.in_([CallbackStatus.DONE, CallbackStatus.ABANDONED]),
            )
            .order_by(Callback.closed_at.desc(), Callback.id.desc())
            .limit(limit)
        )
    )
