"""What a queue page and a claim cost the database, counted statement by statement (issue 11).

Two sync workers serve every staff member: each round trip of a page or a claim is waited
for by the requests queued behind it. The counts here are facts to keep, not timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from hotline import callbacks
from hotline.models import CallbackStatus, Person

pytestmark = pytest.mark.usefixtures("demo")


class Statements(list[str]):
    """The first word of every statement the app sends, the test's savepoints left out;
    `every` keeps them (in a request, they stand for its BEGIN and COMMIT)."""

    def __init__(self) -> None:
        super().__init__()
        self.every: list[str] = []

    def note(self, *args: Any) -> None:
        word = args[2].split()[0].upper()
        self.every.append(word)
        if word not in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            self.append(word)

    def clear(self) -> None:
        super().clear()
        self.every.clear()


@pytest.fixture
def statements(app: Any) -> Iterator[Statements]:
    seen = Statements()
    bind = app.extensions["hotline.sessionmaker"].kw["bind"]  # the test's connection
    engine = bind.engine
    event.listen(engine, "before_cursor_execute", seen.note)
    yield seen
    event.remove(engine, "before_cursor_execute", seen.note)


def waiting(session: Any, staff: Any, now: Any, who: tuple[str, ...]) -> list[int]:
    """Entries for these persons (by key) or numbers."""
    ids = []
    for key in who:
        person = session.scalar(select(Person).where(Person.key == key))
        callback = callbacks.create_manual_callback(
            session,
            structure_id=staff.structure_id,
            staff=staff,
            phone="" if person else key,
            theme_id=None,
            person_id=person.id if person else None,
            note="",
            now=now,
        )
        ids.append(callback.id)
    session.commit()
    return ids


def test_a_queue_page_is_four_selects(
    sign_in: Any, session: Any, clock: Any, statements: Statements
) -> None:
    amina = sign_in("amina")
    waiting(session, amina.staff, clock(), ("p-001", "p-002", "+33612345678"))
    statements.clear()
    page = amina.get("/api/queue?limit=2")
    assert page.status_code == 200
    assert len(page.get_json()["entries"]) == 2
    # Who is signed in (with their structure), the page's ids (the callable entries fill
    # it: the later groups are not read), their rows, the counts.
    assert statements == ["SELECT"] * 4


def test_a_claim_is_its_update_and_a_refusal_reads_the_entry_once(
    sign_in: Any, session: Any, clock: Any, statements: Statements
) -> None:
    amina, karim = sign_in("amina"), sign_in("karim")
    [entry] = waiting(session, amina.staff, clock(), ("p-001",))
    statements.clear()
    assert amina.post_json(f"/api/callbacks/{entry}/claim").status_code == 200
    # Who is signed in, the claim itself, the person its answer names.
    assert statements == ["SELECT", "UPDATE", "SELECT"]
    statements.clear()
    refused = karim.post_json(f"/api/callbacks/{entry}/claim")
    assert refused.get_json()["claimed_by"] == "Amina Diallo"
    # Who is signed in, the claim that matched nothing, the entry with its holder.
    assert statements == ["SELECT", "UPDATE", "SELECT"]


def test_a_won_claim_reads_its_answer_before_its_commit(
    sign_in: Any, session: Any, clock: Any, statements: Statements
) -> None:
    """One transaction: read after the commit, the entry's person (theme, message) loaded in
    a transaction begun for them, a BEGIN and a COMMIT more (here, a savepoint and its
    release); the winner holds the row a PK read or three longer instead."""
    amina = sign_in("amina")
    [entry] = waiting(session, amina.staff, clock(), ("p-001",))
    statements.clear()
    assert amina.post_json(f"/api/callbacks/{entry}/claim").get_json()["person"]
    assert statements.every == ["SAVEPOINT", "SELECT", "UPDATE", "SELECT", "RELEASE"]


def test_the_queue_statements_bind_no_status() -> None:
    """The statuses are written into the queue's SQL (`callbacks.common.status_in`): bound,
    PostgreSQL could not plan the statements once for any values with the partial indexes
    (whose predicates name them), and planned them again at every page. Measured on 19,000
    entries; a test database is too small for PostgreSQL to choose otherwise, so this checks
    the statements themselves."""
    from hotline.callbacks.listing import _counts_statement
    from hotline.callbacks.queue_order import _groups

    statements = [_counts_statement()]
    for shape in ((False, False, True), (True, True, True), (False, True, False)):
        statements += [part for group in _groups(*shape) for part in (group.ids, group.count)]
    for statement in statements:
        bound = statement.compile().params.values()
        assert not [value for value in bound if isinstance(value, CallbackStatus)]
        assert "'waiting'" in str(statement.compile()) or "'claimed'" in str(statement.compile())
