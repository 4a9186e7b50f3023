"""The ledger of free entries the database keeps (migration 0021) agrees with the entries.

Every way an entry becomes free or stops being free goes through the real services or a
plain UPDATE or DELETE, on SQLite and PostgreSQL alike: the triggers see them all. The fold
keeps the sums, and on PostgreSQL a fold running beside an uncommitted change loses nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.callbacks import claim_callback, expire_claims, fold_free_counts, release_callback
from hotline.callbacks.common import is_free
from hotline.callbacks.free_counts import LEDGER_LOCK, ledger
from hotline.extensions import db
from hotline.models import Callback, CallbackStatus, Structure, Theme
from tests import factories
from workers import sweeps

Places = dict[tuple[int, int | None], int]


def ledger_sums(session: Any) -> Places:
    rows = session.execute(
        select(ledger.c.structure_id, ledger.c.theme_id, func.sum(ledger.c.n)).group_by(
            ledger.c.structure_id, ledger.c.theme_id
        )
    )
    return {(structure_id, theme_id): int(n) for structure_id, theme_id, n in rows if n}


def free_entries(session: Any) -> Places:
    rows = session.execute(
        select(Callback.structure_id, Callback.theme_id, func.count())
        .where(is_free())
        .group_by(Callback.structure_id, Callback.theme_id)
    )
    return {(structure_id, theme_id): n for structure_id, theme_id, n in rows}


def assert_agrees(session: Any) -> None:
    session.flush()
    assert ledger_sums(session) == free_entries(session)


@pytest.mark.usefixtures("demo")
def test_the_ledger_follows_every_change_of_an_entry(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    amina, karim = factories.staff(session, "amina"), factories.staff(session, "karim")
    theme = factories.theme(session, "numerique")
    other = Structure(slug="other", name="Autre structure", settings={})
    session.add(other)
    session.flush()
    now = clock()
    entries = [
        factories.make_callback(session, demo.id, now, phone=f"+3361200000{n}") for n in range(6)
    ]
    for entry in entries[:3]:
        entry.theme_id = theme.id
    elsewhere = [
        factories.make_callback(session, other.id, now, phone=f"+3361200001{n}") for n in range(2)
    ]
    assert_agrees(session)

    claim_callback(session, entries[0].id, amina, now)  # free → held
    claim_callback(session, entries[3].id, karim, now)
    assert_agrees(session)
    release_callback(session, entries[3].id, karim, now)  # held → free
    claim_callback(session, entries[0].id, amina, now)  # renewed: no change
    assert_agrees(session)

    entries[1].status = CallbackStatus.RETRY_SCHEDULED  # free → a retry with a due time
    entries[1].due_at = now + timedelta(hours=1)
    entries[2].theme_id = None  # moved to another theme, still free
    entries[4].status = CallbackStatus.DONE  # closed
    assert_agrees(session)

    later = now + timedelta(hours=2)
    assert callbacks.promote_due_retries(session, later) == 1  # due: waiting, due time kept
    assert expire_claims(session, later) == 1  # a lapsed claim goes back to the queue
    assert_agrees(session)
    session.execute(update(Callback).where(Callback.id == entries[1].id).values(due_at=None))
    assert_agrees(session)

    session.execute(delete(Theme).where(Theme.id == theme.id))  # SET NULL on its entries
    session.expire_all()
    assert_agrees(session)
    gone = elsewhere[0].id
    session.execute(delete(Callback).where(Callback.id == entries[5].id))
    session.delete(other)  # its entries go by cascade
    session.flush()
    session.expire_all()
    assert not session.scalars(select(Callback).where(Callback.id == gone)).all()
    assert_agrees(session)

    before = ledger_sums(session)
    assert fold_free_counts(session) > 0
    assert ledger_sums(session) == before == free_entries(session)
    rows = session.execute(select(ledger.c.structure_id, ledger.c.theme_id)).all()
    assert len(rows) == len(set(rows)) == len(before)  # one row per place, none for zeros
    assert fold_free_counts(session) == 0


@pytest.mark.usefixtures("demo")
def test_the_queue_counts_read_the_ledger_and_the_few_other_entries(
    session: Any, clock: Any
) -> None:
    demo = factories.structure(session)
    amina = factories.staff(session, "amina")
    now = clock()
    entries = [
        factories.make_callback(session, demo.id, now, phone=f"+3361200002{n}") for n in range(5)
    ]
    claim_callback(session, entries[0].id, amina, now)
    entries[1].status = CallbackStatus.RETRY_SCHEDULED
    entries[1].due_at = now + timedelta(hours=1)
    session.flush()
    fold_free_counts(session)
    counts = callbacks.queue_counts(session, demo.id, now)
    assert (counts.total, counts.callable_now) == (5, 3)
    counts = callbacks.queue_counts(session, demo.id, now + timedelta(hours=2))
    assert (counts.total, counts.callable_now) == (5, 5)  # the retry is due, the claim lapsed


@pytest.mark.usefixtures("demo")
def test_the_recount_writes_the_ledger_again_from_the_entries(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    theme = factories.theme(session, "numerique")
    for n in range(3):
        factories.make_callback(session, demo.id, clock(), phone=f"+3361200004{n}")
    made = factories.make_callback(session, demo.id, clock(), phone="+33612000050")
    made.theme_id = theme.id
    session.flush()
    session.execute(ledger.insert(), [{"structure_id": demo.id, "theme_id": None, "n": 40}])
    assert ledger_sums(session) != free_entries(session)  # a change the triggers never saw
    assert callbacks.recount_free_entries(session) == 2
    assert (
        ledger_sums(session)
        == free_entries(session)
        == {(demo.id, None): 3, (demo.id, theme.id): 1}
    )
    assert callbacks.recount_free_entries(session) == 2  # again: the same two rows


def test_the_fold_and_the_recount_are_sweeps_of_the_scheduler() -> None:
    functions = {sweep.function for sweep in sweeps.SWEEPS}
    assert {sweeps.fold_queue_counts, sweeps.recount_queue_counts} <= functions


@pytest.mark.commits
@pytest.mark.usefixtures("demo")
def test_a_fold_beside_uncommitted_changes_loses_none_of_them(
    app: Flask, session: Any, clock: Any
) -> None:
    """PostgreSQL only: SQLite lets one writer at a time, so nothing can run beside a fold."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: no fold runs beside another change")
    demo = factories.structure(session)
    now = clock()
    entries = [
        factories.make_callback(session, demo.id, now, phone=f"+3361200003{n}") for n in range(4)
    ]
    session.commit()
    closed = update(Callback).values(status=CallbackStatus.DONE)
    with db.engine.connect() as change, db.engine.connect() as connection:
        change.begin()
        change.execute(closed.where(Callback.id == entries[0].id))  # -1, not committed yet
        fold = Session(bind=connection)
        assert fold_free_counts(fold) == 3  # the four +1 rows made one; the -1 is not seen
        change.commit()  # commits while the fold has not: its row is not the fold's
        change.begin()
        change.execute(closed.where(Callback.id == entries[1].id))
        fold.commit()
        change.commit()
    session.expire_all()
    assert ledger_sums(session) == free_entries(session) == {(demo.id, None): 2}
    fold_free_counts(session)
    session.commit()
    assert ledger_sums(session) == {(demo.id, None): 2}


def test_the_triggers_are_in_the_migrated_schema(session: Any) -> None:
    """A later migration that rebuilds `callback` on SQLite drops them: this says so."""
    if db.engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'callback'::regclass"
        expected = {"callback_free_count"}
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'callback'"
        expected = {
            f"callback_free_count_{name}" for name in ("insert", "delete", "leave", "enter")
        }
    names = set(session.scalars(text(query)))
    assert expected <= names


@pytest.mark.commits
def test_a_fold_while_a_recount_holds_the_ledger_waits_for_the_next_minute(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the lock is PostgreSQL's; SQLite lets one writer at a time")
    with db.engine.begin() as connection:
        connection.execute(ledger.insert(), [{"structure_id": 999_999, "n": 1}] * 2)
    with db.engine.connect() as recount, recount.begin():
        recount.execute(select(func.pg_advisory_xact_lock(LEDGER_LOCK)))
        assert fold_free_counts(db.session) == 0  # did not wait, did nothing
        db.session.rollback()
    assert fold_free_counts(db.session) == 1  # the next one folds the two rows into one
    db.session.commit()
    assert ledger_sums(db.session) == {(999_999, None): 2}
