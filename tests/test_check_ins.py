"""Check-ins: a person nobody has reached for too long is queued for an "appel de suivi".

With a controllable clock: exactly once when due, never for a person who objected or whose
contract ended, inside the allowed hours, and never twice however often the sweep runs.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline import callbacks, contacts
from hotline.models import Callback, CallbackOutcome, CallbackSource, CallbackStatus, CheckInRun
from tests import factories
from workers import sweeps

pytestmark = pytest.mark.usefixtures("demo")
PARIS = ZoneInfo("Europe/Paris")


def check_ins(session: Any) -> list[Callback]:
    session.expire_all()
    return list(
        session.scalars(
            select(Callback).where(Callback.source == CallbackSource.CHECK_IN).order_by(Callback.id)
        )
    )


def contact(session: Any, person: Any, at: Any, key: str) -> None:
    contacts.record_contact(
        session,
        structure_id=person.structure_id,
        person_id=person.id,
        staff_id=None,
        kind="inbound",
        theme=None,
        started_at=at,
        duration_s=120,
        source_key=key,
    )


def test_a_person_past_their_threshold_gets_one_check_in_at_an_allowed_hour(
    session: Any, clock: Any
) -> None:
    clock.set("2026-12-01 07:30")  # Tuesday, before the outbound hours open at 9:00
    jean = factories.person(session, "p-001")  # isolée: 7 days
    grace = factories.person(session, "p-002")  # 14 days
    contact(session, jean, clock() - timedelta(days=8), "a")
    contact(session, grace, clock() - timedelta(days=8), "b")

    assert contacts.sweep_check_ins(session, clock()) == 1
    (entry,) = check_ins(session)
    assert (entry.person_id, entry.status, entry.phone_e164) == (
        jean.id,
        CallbackStatus.WAITING,
        jean.phone_e164,
    )
    assert entry.due_at.astimezone(PARIS).strftime("%a %H:%M") == "Tue 09:00"
    assert entry.note == ""

    clock.instant += timedelta(hours=3)  # the same day: the run is done
    assert contacts.sweep_check_ins(session, clock()) == 0
    clock.instant += timedelta(days=1)  # the next day: Jean still waits in the queue
    assert contacts.sweep_check_ins(session, clock()) == 0
    assert len(check_ins(session)) == 1


def test_the_persons_own_hours_narrow_the_structures(session: Any, clock: Any) -> None:
    clock.set("2026-12-01 10:00")
    jean = factories.person(session, "p-001")
    jean.call_from, jean.call_to = time(14), time(16)
    contact(session, jean, clock() - timedelta(days=30), "a")
    contact(session, factories.person(session, "p-002"), clock(), "b")
    [entry] = contacts.create_check_ins(session, factories.structure(session), clock())
    assert entry.due_at.astimezone(PARIS).strftime("%d %H:%M") == "01 14:00"


def test_never_for_an_objection_an_ended_contract_or_someone_already_waiting(
    session: Any, clock: Any
) -> None:
    demo = factories.structure(session)
    jean, grace = factories.person(session, "p-001"), factories.person(session, "p-002")
    jean.objects_to_calls = True
    grace.contract_end = date(2026, 11, 30)  # ended yesterday
    nora = factories.make_person(
        session, demo.id, "p-003", phone_e164="+33612345678", created_at=clock() - timedelta(30)
    )
    callbacks.create_manual_callback(
        session,
        structure_id=demo.id,
        staff=factories.staff(session, "sophie"),
        phone="",
        theme_id=None,
        person_id=nora.id,
        note="",
        now=clock(),
    )
    assert contacts.create_check_ins(session, demo, clock()) == []
    grace.contract_end = date(2026, 12, 1)  # ends today: still followed
    assert [c.person_id for c in contacts.create_check_ins(session, demo, clock())] == [grace.id]


def test_a_person_just_added_waits_their_threshold(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    for person in demo.people:
        person.objects_to_calls = True
    factories.make_person(session, demo.id, "p-003", phone_e164="+33612345678", created_at=clock())
    assert contacts.create_check_ins(session, demo, clock()) == []
    clock.instant += timedelta(days=15)
    assert len(contacts.create_check_ins(session, demo, clock())) == 1


def test_an_unreached_check_in_is_not_repeated_before_the_next_threshold(
    session: Any, clock: Any
) -> None:
    demo = factories.structure(session)
    factories.person(session, "p-002").objects_to_calls = True
    [entry] = contacts.create_check_ins(session, demo, clock())
    entry.status, entry.outcome = CallbackStatus.ABANDONED, CallbackOutcome.NO_ANSWER
    clock.instant += timedelta(days=3)
    assert contacts.create_check_ins(session, demo, clock()) == []
    clock.instant += timedelta(days=5)  # 8 days later: Jean (isolée, 7 days) is tried again
    assert len(contacts.create_check_ins(session, demo, clock())) == 1


def test_the_sweep_job_runs_each_structure_once_a_day(app: Any, session: Any, clock: Any) -> None:
    clock.set("2026-12-01 08:00")
    assert sweeps.create_check_ins() == 2  # nobody was ever contacted
    assert sweeps.create_check_ins() == 0
    run = session.scalar(select(CheckInRun))
    assert run.due_at.astimezone(PARIS).strftime("%d %H:%M") == "02 07:00"
    assert run.created == 2
    assert len(check_ins(session)) == 2


def test_contracts_ending_within_thirty_days_are_listed(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    jean, grace = factories.person(session, "p-001"), factories.person(session, "p-002")
    jean.contract_end = date(2026, 12, 31)
    grace.contract_end = date(2027, 1, 15)
    assert contacts.contracts_ending(session, demo, clock()) == [jean]


def test_the_structure_file_sets_the_thresholds(session: Any, load_structure: Any) -> None:
    load_structure(lambda data: data.update(check_ins={"days": 21, "isolated_days": 10}))
    session.expire_all()
    settings = contacts.check_in_settings(factories.structure(session))
    assert (settings.days, settings.isolated_days, settings.enabled) == (21, 10, True)


def test_a_threshold_out_of_bounds_is_refused_by_the_file(load_structure: Any) -> None:
    from hotline.yamlfile import FileProblems

    with pytest.raises(FileProblems, match="check_ins"):
        load_structure(lambda data: data.update(check_ins={"days": 0}))
