"""`models.plain.read_plain` sees what `Session.execute` would: pending changes, unless the
session does not autoflush."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.models import Person
from hotline.models.plain import read_plain
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")


def people(session: Any) -> int:
    return int(read_plain(session, select(func.count()).select_from(Person)).scalar_one())


def test_a_pending_change_is_read_as_execute_reads_it(session: Any) -> None:
    before = people(session)
    session.add(Person(structure_id=factories.structure(session).id, key="p-plain", name="P"))
    assert people(session) == session.scalar(select(func.count()).select_from(Person)) == before + 1


def test_no_autoflush_is_kept(session: Any) -> None:
    before = people(session)
    with session.no_autoflush:
        session.add(Person(structure_id=factories.structure(session).id, key="p-kept", name="K"))
        assert people(session) == before
    assert people(session) == before + 1
