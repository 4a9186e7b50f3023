"""How many entries are free (open, no due time) per theme, read from the database's ledger.

The triggers of migration 0021 add +1 / -1 rows to `callback_free_count` as entries become
free or stop being free; the count of a theme is the sum of its rows. Summing a structure's
rows costs what its recent changes cost, not what its queue holds; the fold, run by a sweep
every minute, keeps one row per structure and theme. Once a day the recount writes the ledger
again from the entries themselves: whatever changed them without the triggers (a restore, a
hand-made fix with triggers disabled) is then counted right again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, text
from sqlalchemy.orm import Session

from hotline.callbacks.common import is_free
from hotline.models import Callback, FreeEntryCount

# Taken by the fold and the recount (PostgreSQL): each rewrites rows it read, and a rewrite
# of rows the other has just rewritten would count them twice. The triggers never wait on it.
LEDGER_LOCK = 0x68_6F_74_6C_69_6E_65  # "hotline"

ledger: Table = FreeEntryCount.__table__  # type: ignore[assignment]  # a declared Table


def free_per_theme() -> Select[Any]:
    """One row per theme of the structure bound as `structure_id`: (theme_id, free entries)."""
    n = func.sum(ledger.c.n)
    return (
        select(ledger.c.theme_id, n.label("n"))
        .where(ledger.c.structure_id == bindparam("structure_id"))
        .group_by(ledger.c.theme_id)
        .having(n != 0)
    )


def fold_free_counts(session: Session) -> int:
    """Fold the ledger of each structure with changes into one row per theme; returns how
    many rows went away.

    The DELETE returns exactly the rows it removed, and the sums of those rows go back in
    the same transaction: a row another transaction adds meanwhile is neither deleted nor
    summed, and a fold running twice at once finds the rows the first one took already gone.
    A theme whose rows sum to zero (its entries all taken, or its structure deleted) keeps
    no row.
    """
    if not _rewrite_alone(session, wait=False):
        return 0  # a recount is writing the ledger again: the next minute's fold will do
    changed = (
        select(ledger.c.structure_id)
        .group_by(ledger.c.structure_id, ledger.c.theme_id)
        .having(func.count() > 1)
    )
    taken = session.execute(
        delete(ledger)
        .where(ledger.c.structure_id.in_(changed))
        .returning(ledger.c.structure_id, ledger.c.theme_id, ledger.c.n)
    ).all()
    sums: Counter[tuple[int, int | None]] = Counter()
    for structure_id, theme_id, n in taken:
        sums[(structure_id, theme_id)] += n
    kept = [
        {"structure_id": structure_id, "theme_id": theme_id, "n": n}
        for (structure_id, theme_id), n in sums.items()
        if n
    ]
    if kept:
        session.execute(insert(ledger), kept)
    return len(taken) - len(kept)


def recount_free_entries(session: Session) -> int:
    """Write the ledger again from the entries, one row per structure and theme; returns how
    many rows it holds now.

    The old rows go and the count is made from one snapshot: on PostgreSQL one statement
    (the DELETE a CTE of the INSERT), after the lock; on SQLite the DELETE takes the only
    write lock first. A change committed later keeps its own row, which adds to a count that
    did not see it.
    """
    _rewrite_alone(session, wait=True)
    places = (
        select(Callback.structure_id, Callback.theme_id, func.count())
        .where(is_free())
        .group_by(Callback.structure_id, Callback.theme_id)
    )
    fill = insert(ledger).from_select(["structure_id", "theme_id", "n"], places)
    if session.get_bind().dialect.name == "postgresql":
        # One pass over every free entry: more than the 2 s a request may take, at a few
        # hundred thousand entries (74 ms for 20,000); it runs once a day, on a worker.
        session.execute(text("SET LOCAL statement_timeout = '120s'"))
        fill = fill.add_cte(delete(ledger).cte("gone"))
    else:
        session.execute(delete(ledger))
    return len(session.execute(fill.returning(ledger.c.id)).all())


def _rewrite_alone(session: Session, wait: bool) -> bool:
    """One fold or recount at a time (PostgreSQL; SQLite lets one writer at a time anyway).

    The fold does not wait for the lock (it runs every minute: a long recount would make it
    fail on the lock timeout); the recount waits for a fold, which is short. False: the lock
    was taken by the other one.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(LEDGER_LOCK)))
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(LEDGER_LOCK))))
