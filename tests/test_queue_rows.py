"""A queue page's plain rows say what the ORM's entries say (`callbacks.queue_rows`).

`_row` reads its row by position; this holds every field it fills to the `Callback` the ORM
loads for the same entry: with and without a person, a theme, a holder, a message.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest

from hotline import callbacks
from hotline.callbacks.entries import queue_for_voicemail
from hotline.callbacks.queue_rows import QueueRow, queue_rows
from hotline.models import Callback
from tests import factories
from tests.callback_helpers import new_callback

pytestmark = pytest.mark.usefixtures("demo")


def entries(session: Any, now: Any) -> list[int]:
    demo = factories.structure(session)
    plain = new_callback(session, now)
    nobody = new_callback(session, now + timedelta(minutes=1), person=None)
    held = new_callback(session, now + timedelta(minutes=2), theme_key="social")
    callbacks.claim_callback(session, held.id, factories.staff(session, "amina"), now)
    person = factories.make_person(session, demo.id, "q-rows", risk=2, isolated=True)
    call = factories.make_call(session, demo.id, now, sid="r", from_="+33612000009")
    call.person_id = person.id
    message = factories.make_voicemail(session, call, now, consent=True)
    message.recording_sid, message.duration_seconds = "RE" + "1" * 32, 17
    heard = queue_for_voicemail(session, message, call, now)
    assert heard is not None
    session.commit()
    return [plain.id, nobody.id, held.id, heard.id]


def as_orm(callback: Callback) -> dict[str, Any]:
    """What the page reads of an ORM entry, in `QueueRow`'s terms."""
    person, theme, holder = callback.person, callback.theme, callback.claimed_by
    voicemail = callback.voicemail
    return {
        **{
            field.name: getattr(callback, field.name)
            for field in fields(QueueRow)
            if field.name
            not in {"person", "theme", "claimed_by", "has_recording", "message_seconds", "messages"}
        },
        "person": person
        and (person.key, person.name, person.isolated, person.has_convention, person.risk),
        "theme": theme and (theme.key, theme.labels),
        "claimed_by": holder and (holder.id, holder.name),
        "has_recording": bool(voicemail and voicemail.recording_sid),
        "message_seconds": (voicemail.duration_seconds or 0) if voicemail else 0,
        "messages": [(str(m.status), m.created_at, m.duration_seconds) for m in callback.messages],
    }


def as_row(row: QueueRow) -> dict[str, Any]:
    person, theme, holder = row.person, row.theme, row.claimed_by
    return {
        **{field.name: getattr(row, field.name) for field in fields(QueueRow)},
        "person": person
        and (person.key, person.name, person.isolated, person.has_convention, person.risk),
        "theme": theme and (theme.key, theme.labels),
        "claimed_by": holder and (holder.id, holder.name),
        "messages": [(m.status, m.created_at, m.duration_seconds) for m in row.messages],
    }


def test_each_field_of_a_row_is_the_entry_s(session: Any, clock: Any) -> None:
    ids = entries(session, clock())
    rows = queue_rows(session, [*reversed(ids), 10**9])  # the order asked; unknown ids left out
    assert [row.id for row in rows] == list(reversed(ids))
    session.expire_all()
    for row in rows:
        assert as_row(row) == as_orm(session.get_one(Callback, row.id))
    kinds = {(r.person is None, r.claimed_by is None, r.has_recording) for r in rows}
    assert kinds == {
        (False, True, False),
        (True, True, False),
        (False, False, False),
        (False, True, True),
    }
