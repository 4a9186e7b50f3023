"""A person's own call hours hold wherever we may ring them, not only for check-ins.

"Jean works mornings: call after 14:00" is set on the person; "Rappeler", the job that dials,
the retry after no answer and "la suivante" from the phone menu all ask `when_may_we_call`,
so each of them must hear the person's hours, never only the structure's.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline import callbacks
from hotline.models import CallbackOutcome
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")
PARIS = ZoneInfo("Europe/Paris")


def local(moment: Any) -> str:
    return moment.astimezone(PARIS).strftime("%a %H:%M")


@pytest.fixture
def afternoons(session: Any) -> Any:
    """Jean, reachable from 14:00 to 16:00 only, waiting for a callback."""
    jean = factories.person(session, "p-001")
    jean.call_from, jean.call_to = time(14), time(16)
    session.flush()
    return jean


def waiting_for(session: Any, person: Any, at: Any) -> Any:
    demo = factories.structure(session)
    return factories.make_callback(session, demo.id, at, phone="+33612000001", person_id=person.id)


def test_the_window_opens_at_the_persons_hours_not_the_structures(
    session: Any, clock: Any, afternoons: Any
) -> None:
    clock.set("2026-12-01 10:00")  # a Tuesday, inside the demo's 9:00-18:00
    demo = factories.structure(session)
    assert callbacks.when_may_we_call(demo, clock()).open_now
    window = callbacks.when_may_we_call(demo, clock(), afternoons)
    assert not window.open_now
    assert local(window.opens) == "Tue 14:00"


def test_a_person_until_midnight_is_still_held_to_the_structures_end(
    session: Any, clock: Any, afternoons: Any
) -> None:
    afternoons.call_from, afternoons.call_to = time(17), time(0)
    clock.set("2026-12-01 18:30")
    window = callbacks.when_may_we_call(factories.structure(session), clock(), afternoons)
    assert local(window.opens) == "Wed 17:00"


def test_rappeler_is_refused_before_the_persons_hours_then_allowed(
    session: Any, clock: Any, afternoons: Any
) -> None:
    clock.set("2026-12-01 10:00")
    amina = factories.staff(session, "amina")
    entry = waiting_for(session, afternoons, clock())
    callbacks.claim_callback(session, entry.id, amina, clock())
    with pytest.raises(callbacks.OutsideOutboundHours) as refused:
        callbacks.start_attempt(session, entry.id, amina, clock())
    assert refused.value.next_allowed is not None
    assert local(refused.value.next_allowed) == "Tue 14:00"
    progress = callbacks.call_progress(session, entry, amina, clock())
    assert not progress.may_call
    assert progress.call_window
    later = clock() + timedelta(hours=4, minutes=30)
    callbacks.claim_callback(session, entry.id, amina, later)
    assert callbacks.start_attempt(session, entry.id, amina, later).callback_id == entry.id


def test_a_retry_after_no_answer_waits_for_the_persons_hours(
    session: Any, clock: Any, afternoons: Any
) -> None:
    clock.set("2026-12-01 15:50")
    amina = factories.staff(session, "amina")
    entry = waiting_for(session, afternoons, clock())
    callbacks.claim_callback(session, entry.id, amina, clock())
    callbacks.start_attempt(session, entry.id, amina, clock())
    callbacks.record_outcome(
        session, callback_id=entry.id, staff=amina, outcome=CallbackOutcome.NO_ANSWER, now=clock()
    )
    session.refresh(entry)
    assert local(entry.due_at) == "Wed 14:00"


def test_the_next_one_from_the_phone_passes_over_a_person_outside_their_hours(
    session: Any, clock: Any, afternoons: Any
) -> None:
    clock.set("2026-12-01 10:00")
    demo, amina = factories.structure(session), factories.staff(session, "amina")
    first = waiting_for(session, afternoons, clock() - timedelta(hours=2))
    second = factories.make_callback(session, demo.id, clock() - timedelta(hours=1))
    taken = callbacks.take_next(session, demo.id, amina, clock())
    assert taken is not None
    assert taken.id == second.id
    session.refresh(first)
    assert first.claimed_by_id is None
    karim, afternoon = factories.staff(session, "karim"), clock() + timedelta(hours=4, minutes=5)
    assert callbacks.take_next(session, demo.id, karim, afternoon) == first
