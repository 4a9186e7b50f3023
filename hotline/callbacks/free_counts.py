"""How many entries are free (open, no due time) per theme, read from the database's ledger.

The triggers of migration 0021 add +1 / -1 rows to `callback_free_count` as entries become
free or stop being free; the count of a theme is the sum of its rows. Summing a structure's
rows costs what its recent changes cost, not what its queue holds; the fold, run by a sweep
every minute, keeps one row per structure and theme.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from hotline.models import FreeEntryCount

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
