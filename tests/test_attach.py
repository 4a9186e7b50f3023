"""A row a Core statement returned, attached as the ORM object (`hotline.models.attach`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hotline.models import Callback
from hotline.models.attach import attach_loaded
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")


def test_a_row_becomes_a_persistent_object_and_an_object_in_hand_keeps_its_change(
    session: Any, clock: Any
) -> None:
    made = factories.make_callback(session, factories.structure(session).id, clock())
    session.commit()
    row = session.execute(select(*Callback.__table__.columns).where(Callback.id == made.id))
    values = dict(row.one()._asdict(), attempts=5, note="lu dans la ligne")
    session.expunge_all()
    attached = attach_loaded(session, Callback, values)
    assert (attached.attempts, attached in session, session.is_modified(attached)) == (
        5,
        True,
        False,
    )
    attached.note = "changé, pas encore écrit"
    again = attach_loaded(session, Callback, dict(values, attempts=6))
    assert again is attached
    assert (again.attempts, again.note) == (6, "changé, pas encore écrit")
    assert session.is_modified(again)


def test_a_relationship_loaded_through_a_column_that_moved_is_read_again(
    session: Any, clock: Any
) -> None:
    """The claim's row names a new holder: the holder loaded before is not kept."""
    amina, karim = factories.staff(session, "amina"), factories.staff(session, "karim")
    made = factories.make_callback(session, factories.structure(session).id, clock())
    made.claimed_by_id = amina.id
    session.commit()
    assert made.claimed_by is amina
    row = session.execute(select(*Callback.__table__.columns).where(Callback.id == made.id))
    attached = attach_loaded(session, Callback, dict(row.one()._asdict(), claimed_by_id=karim.id))
    assert attached is made
    assert attached.claimed_by is karim
