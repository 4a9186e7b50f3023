"""The database fixtures themselves: a test's writes never reach the next test.

Every other test relies on this silently; if the rollback broke, these say so first.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.models import Person, Structure
from tests import factories


def _people_named(connection: Any, key: str) -> int:
    return connection.scalar(select(func.count()).select_from(Person).where(Person.key == key))


def test_what_a_test_commits_stays_in_its_own_transaction(
    session: Any, demo: Any, baseline: Any
) -> None:
    factories.make_person(session, factories.structure(session).id, "p-rolled-back")
    session.commit()
    session.rollback()  # a later rollback keeps what was committed before it
    assert session.scalar(select(func.count()).where(Person.key == "p-rolled-back")) == 1
    with baseline.engine.connect() as elsewhere:
        assert _people_named(elsewhere, "p-rolled-back") == 0


def test_a_test_without_the_demo_starts_from_empty_tables(session: Any) -> None:
    assert session.scalar(select(func.count()).select_from(Structure)) == 0


def test_the_demo_is_there_for_the_tests_that_ask(session: Any, demo: Any) -> None:
    assert demo.created
    assert factories.structure(session).slug == "demo"


@pytest.mark.commits
def test_a_commits_test_is_seen_by_other_connections(
    session: Any, demo: Any, baseline: Any
) -> None:
    factories.make_person(session, factories.structure(session).id, "p-committed")
    session.commit()
    with baseline.engine.connect() as elsewhere:
        assert _people_named(elsewhere, "p-committed") == 1


def test_after_a_commits_test_only_the_demo_is_left(session: Any, demo: Any) -> None:
    assert session.scalar(select(func.count()).where(Person.key == "p-committed")) == 0
    assert session.scalar(select(func.count()).select_from(Structure)) == 1
