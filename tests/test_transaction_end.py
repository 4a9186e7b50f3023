"""A request's transaction that only read ends with a COMMIT, anything else with a ROLLBACK.

Why (`hotline.transaction_end`): psycopg forgets its prepared statements on every ROLLBACK,
so read-only pages were planned afresh on every request. What must never happen: a write the
request did not commit being committed by the teardown. Each case below runs on a session of
its own, in the test's transaction (a COMMIT there releases a savepoint).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, event, false, func, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline import transaction_end
from hotline.extensions import db
from hotline.models import Structure


@pytest.fixture
def side(app: Any) -> Iterator[Session]:
    """A session beside the test's, as a request has; closed by the test through `close`."""
    session = db.new_session()
    yield session
    session.close()


@contextmanager
def ends_seen(engine: Any) -> Iterator[list[str]]:
    """How the database saw each transaction end meanwhile: "commit" (or, in the test's
    transaction, a savepoint released) or "rollback" (or rolled back to one)."""
    seen: list[str] = []
    listeners = {
        "commit": lambda *_: seen.append("commit"),
        "release_savepoint": lambda *_: seen.append("commit"),
        "rollback": lambda *_: seen.append("rollback"),
        "rollback_savepoint": lambda *_: seen.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def ended_by(session: Session, error: BaseException | None = None) -> str:
    """How `transaction_end.close` ended the session's transaction."""
    with ends_seen(session.get_bind().engine) as seen:
        transaction_end.close(session, error)
    return seen[0] if seen else "nothing"


def add_structure(session: Session, slug: str) -> Structure:
    structure = Structure(slug=slug, name=slug, settings={})
    session.add(structure)
    return structure


def slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Structure.slug).order_by(Structure.slug)))


def test_a_transaction_that_only_read_commits(side: Session) -> None:
    side.scalar(select(func.count()).select_from(Structure))
    assert ended_by(side) == "commit"


def test_an_update_that_matched_nothing_is_not_a_write_on_postgresql(side: Session) -> None:
    """A refused claim: its conditional UPDATE changed no row. SQLite does not say so of a
    RETURNING statement before its rows are read, so there every UPDATE is a write."""
    side.execute(update(Structure).where(Structure.id == -1).values(name="x"))
    postgresql = side.get_bind().dialect.name == "postgresql"
    assert ended_by(side) == ("commit" if postgresql else "rollback")


def test_a_won_claim_left_uncommitted_is_rolled_back(side: Session, session: Any) -> None:
    """An UPDATE … RETURNING that changed a row (SQLite counts its rows only once read)."""
    kept = add_structure(session, "reclamee")
    session.commit()
    statement = update(Structure).where(Structure.id == kept.id).values(name="prise")
    side.execute(statement.returning(Structure.id))
    assert ended_by(side) == "rollback"
    assert session.scalar(select(Structure.name).where(Structure.id == kept.id)) == "reclamee"


def test_a_flushed_write_left_uncommitted_is_rolled_back(side: Session, session: Any) -> None:
    add_structure(side, "oubliee")
    side.flush()
    assert ended_by(side) == "rollback"
    assert "oubliee" not in slugs(session)


def test_an_update_that_changed_a_row_is_rolled_back(side: Session, session: Any) -> None:
    kept = add_structure(session, "gardee")
    session.commit()
    side.execute(update(Structure).where(Structure.id == kept.id).values(name="changé"))
    assert ended_by(side) == "rollback"
    assert session.scalar(select(Structure.name).where(Structure.id == kept.id)) == "gardee"


def test_a_change_not_even_flushed_is_rolled_back_not_flushed(side: Session, session: Any) -> None:
    side.scalar(select(func.count()).select_from(Structure))
    add_structure(side, "en-attente")
    assert ended_by(side) == "rollback"
    assert "en-attente" not in slugs(session)


def test_textual_sql_counts_as_a_write(side: Session) -> None:
    """What a string of SQL does is not read: it is rolled back, as before."""
    side.execute(text("SELECT 1"))
    assert ended_by(side) == "rollback"


def test_an_error_rolls_back(side: Session) -> None:
    side.scalar(select(func.count()).select_from(Structure))
    assert ended_by(side, RuntimeError("boom")) == "rollback"


def test_work_promised_after_the_commit_is_not_done_by_the_teardown(side: Session) -> None:
    side.scalar(select(func.count()).select_from(Structure))
    side.info[transaction_end.AFTER_COMMIT_WORK] = ["a job to hand to RQ"]
    assert ended_by(side) == "rollback"


def test_work_promised_again_after_a_commit_is_not_done_by_the_teardown(
    side: Session,
) -> None:
    """A second job promised in a later transaction of the same session (its outbox row
    already there: nothing written) still keeps the teardown from committing."""
    from hotline import tasks

    structure = add_structure(side, "taches")
    side.flush()
    tasks.enqueue_after_commit(side, tasks.MUTE_GROUP, structure.id)
    side.rollback()  # the outbox row is gone; promise it in a transaction that commits it
    tasks.enqueue_after_commit(side, tasks.MUTE_GROUP, 424242)
    side.commit()
    tasks.enqueue_after_commit(side, tasks.MUTE_GROUP, 424242)  # already in the outbox
    assert ended_by(side) == "rollback"


def test_a_lost_connection_still_closes_the_session(
    side: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view caught the database's error; the teardown must still give the session back."""
    side.scalar(select(func.count()).select_from(Structure))

    def lost(*_: Any, **__: Any) -> Any:
        raise OperationalError("SELECT 1", {}, RuntimeError("server closed the connection"))

    monkeypatch.setattr(side, "connection", lost)
    transaction_end.close(side, None)
    assert not side.in_transaction()


def test_a_statement_with_a_data_changing_cte_is_a_write(side: Session, session: Any) -> None:
    """PostgreSQL only (SQLite has no such CTE): an INSERT of no row whose CTE deleted some."""
    if side.get_bind().dialect.name != "postgresql":
        pytest.skip("data-changing CTEs are PostgreSQL's")
    add_structure(session, "effacee")
    session.commit()
    gone = delete(Structure).where(Structure.slug == "effacee").returning(Structure.id).cte()
    nothing = select(Structure.slug, Structure.name, Structure.settings).where(false())
    insert_none = insert(Structure).from_select(["slug", "name", "settings"], nothing)
    side.execute(insert_none.add_cte(gone))
    assert ended_by(side) == "rollback"
    assert "effacee" in slugs(session)


def test_a_read_after_an_earlier_commit_is_judged_on_its_own(side: Session) -> None:
    """The count of writes is compared with the one when the transaction began."""
    add_structure(side, "ecrite")
    side.commit()
    side.scalar(select(func.count()).select_from(Structure))
    assert ended_by(side) == "commit"


def test_a_session_that_never_touched_the_database_ends_quietly(side: Session) -> None:
    assert ended_by(side) == "nothing"


def test_read_only_pages_keep_their_prepared_statements(app: Any, side: Session) -> None:
    """The point of it all: psycopg prepares a statement seen five times on a connection,
    and drops them all at a ROLLBACK. Six read-only "requests" leave it prepared."""
    if side.get_bind().dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's")
    statement = select(Structure.id).where(Structure.slug == "aucune")
    for _ in range(6):
        request = db.new_session()
        request.execute(statement)
        transaction_end.close(request, None)
    connection = app.extensions["hotline.sessionmaker"].kw["bind"]  # the test's
    prepared = connection.exec_driver_sql(
        "SELECT count(*) FROM pg_prepared_statements WHERE strpos(statement, 'structure.slug') > 0"
    ).scalar()
    assert prepared == 1


def test_an_error_handler_discards_by_commit_only_what_only_read(
    side: Session, session: Any
) -> None:
    """`discard`: a refused claim's handler keeps the prepared statements; a write goes."""
    side.scalar(select(func.count()).select_from(Structure))
    with ends_seen(side.get_bind().engine) as seen:
        transaction_end.discard(side)
        add_structure(side, "jetee")
        side.flush()
        transaction_end.discard(side)
    assert seen == ["commit", "rollback"]
    assert "jetee" not in slugs(session)


@pytest.mark.commits
@pytest.mark.usefixtures("demo")
def test_each_request_of_its_own_ends_by_what_it_did(app: Any, sign_in: Any) -> None:
    """As under gunicorn: each request in an app context of its own (a thread of its own,
    here, since the test holds one), so the teardown ends its session. A page, which only
    read, commits; so does a refused claim on PostgreSQL (SQLite cannot tell its UPDATE
    changed nothing: rolled back there, as before)."""
    import threading

    from tests.callback_helpers import new_callback

    amina, karim = sign_in("amina"), sign_in("karim")
    entry = new_callback(db.session, app.config["CLOCK"]())
    db.session.commit()
    assert amina.post_json(f"/api/callbacks/{entry.id}/claim").status_code == 200
    answers: list[int] = []

    def alone(request: Any) -> None:
        thread = threading.Thread(target=lambda: answers.append(request().status_code))
        thread.start()
        thread.join()

    with ends_seen(db.engine) as ends:
        alone(lambda: karim.get("/api/queue"))
        alone(lambda: karim.post_json(f"/api/callbacks/{entry.id}/claim"))
    assert answers == [200, 409]
    postgresql = db.engine.dialect.name == "postgresql"
    assert ends == ["commit", "commit" if postgresql else "rollback"]
