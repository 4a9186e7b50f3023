"""Group calls: when sessions happen (RRULE across DST), planning, cancelling, starting once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline import groupcalls
from hotline.groupcalls.recurrence import expand, rule_error
from hotline.models import (
    Audience,
    GroupParticipant,
    GroupSession,
    OutboxJob,
    Person,
    SessionStatus,
    Staff,
)
from tests.factories import structure
from tests.group_helpers import CAFE_SERIES, STAFF_SERIES, series
from workers import sweeps

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.usefixtures("demo")


def _local(instants: list[datetime]) -> list[tuple[date, time]]:
    return [(i.astimezone(PARIS).date(), i.astimezone(PARIS).time()) for i in instants]


def test_monday_ten_stays_ten_across_the_march_change() -> None:
    found = expand(
        "FREQ=WEEKLY;BYDAY=MO",
        date(2026, 1, 5),
        time(10),
        "Europe/Paris",
        datetime(2026, 3, 16, tzinfo=UTC),
        datetime(2026, 4, 7, tzinfo=UTC),
    )
    assert [t for _, t in _local(found)] == [time(10)] * 4
    assert [i.hour for i in found] == [9, 9, 8, 8]  # UTC+1 until 29 March, then UTC+2
    assert [d.day for d, _ in _local(found)] == [16, 23, 30, 6]


def test_thursday_fourteen_stays_fourteen_across_the_october_change() -> None:
    found = expand(
        "FREQ=WEEKLY;BYDAY=TH",
        date(2026, 1, 8),
        time(14),
        "Europe/Paris",
        datetime(2026, 10, 15, tzinfo=UTC),
        datetime(2026, 11, 6, tzinfo=UTC),
    )
    assert [t for _, t in _local(found)] == [time(14)] * 4
    assert [i.hour for i in found] == [12, 12, 13, 13]  # clocks go back on 25 October


def test_a_time_skipped_by_the_spring_change_happens_once_an_hour_later() -> None:
    found = expand(
        "FREQ=DAILY",
        date(2026, 3, 28),
        time(2, 30),
        "Europe/Paris",
        datetime(2026, 3, 28, tzinfo=UTC),
        datetime(2026, 3, 31, tzinfo=UTC),
    )
    assert len(found) == 3
    assert found[1].astimezone(PARIS).time() == time(3, 30)  # 02:30 did not exist on the 29th


@pytest.mark.parametrize(
    "rule",
    ["BYDAY=MO", "FREQ=WEEKLY;BYHOUR=10", "DTSTART:20260101T100000\nFREQ=DAILY", "FREQ=NOPE"],
)
def test_rules_that_cannot_be_used_are_refused_in_french(rule: str) -> None:
    assert rule_error(rule)


def test_planning_twice_creates_each_session_once(session: Any) -> None:
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)  # a Sunday
    first = groupcalls.plan_sessions(session, now, timedelta(days=14))
    again = groupcalls.plan_sessions(session, now, timedelta(days=14))
    assert (first, again) == (4, 0)  # two Mondays, two Thursdays
    starts = session.scalars(select(GroupSession.starts_at).order_by(GroupSession.starts_at)).all()
    assert [s.astimezone(PARIS).strftime("%a %H:%M") for s in starts] == [
        "Mon 10:00",
        "Thu 14:00",
        "Mon 10:00",
        "Thu 14:00",
    ]


def test_cancelling_or_moving_one_session_leaves_the_series_and_the_others(session: Any) -> None:
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)
    groupcalls.plan_sessions(session, now, timedelta(days=14))
    mondays = session.scalars(
        select(GroupSession)
        .where(GroupSession.series_id == series(session, STAFF_SERIES).id)
        .order_by(GroupSession.starts_at)
    ).all()
    structure_id = structure(session).id
    groupcalls.cancel_session(session, structure_id, mondays[0].id, "Férié")
    moved_to = mondays[1].starts_at + timedelta(hours=2)
    groupcalls.move_session(session, structure_id, mondays[1].id, moved_to)
    groupcalls.plan_sessions(session, now, timedelta(days=14))
    assert [m.status for m in mondays] == [SessionStatus.CANCELLED, SessionStatus.SCHEDULED]
    assert mondays[1].starts_at == moved_to
    assert mondays[1].occurrence_at == moved_to - timedelta(hours=2)
    assert series(session, STAFF_SERIES).start_time == time(10)
    assert session.scalar(select(func.count()).select_from(GroupSession)) == 4


def test_a_session_missed_while_down_starts_late_within_its_duration_else_is_missed(
    session: Any,
) -> None:
    groupcalls.plan_sessions(session, datetime(2026, 3, 1, 8, tzinfo=UTC), timedelta(days=14))
    monday_10 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    thursday_14 = datetime(2026, 3, 5, 13, tzinfo=UTC)
    claimed = groupcalls.claim_due_sessions(session, monday_10 + timedelta(minutes=30))
    assert len(claimed) == 1  # 30 minutes late, the 45-minute meeting still starts
    claimed = groupcalls.claim_due_sessions(session, thursday_14 + timedelta(minutes=61))
    assert claimed == []  # the 60-minute café is over: missed, never dialled
    statuses = session.scalars(select(GroupSession.status).order_by(GroupSession.starts_at))
    assert list(statuses)[:2] == [SessionStatus.STARTING, SessionStatus.MISSED]


def test_a_claimed_session_is_not_claimed_again_and_starts_its_invitees_once(
    session: Any, clock: Any
) -> None:
    groupcalls.plan_sessions(session, datetime(2026, 3, 1, 8, tzinfo=UTC), timedelta(days=14))
    thursday_14 = datetime(2026, 3, 5, 13, tzinfo=UTC)
    (claimed,) = groupcalls.claim_due_sessions(session, thursday_14)
    assert groupcalls.claim_due_sessions(session, thursday_14) == []
    first = groupcalls.start_session(session, claimed, thursday_14)
    second = groupcalls.start_session(session, claimed, thursday_14)
    assert first == second
    assert len(first) == 3
    count = select(func.count()).select_from(GroupParticipant)
    assert session.scalar(count) == 3


def test_the_sweep_turns_a_due_session_into_one_start_job(session: Any, clock: Any) -> None:
    clock.set("2026-03-05 14:00")
    groupcalls.plan_sessions(session, clock() - timedelta(days=1), timedelta(days=2))
    session.commit()
    sweeps.run_group_calls()
    sweeps.run_group_calls()
    jobs = session.scalars(select(OutboxJob.job_id).where(OutboxJob.job_id.like("group-start-%")))
    assert len(list(jobs)) == 1
    assert series(session, CAFE_SERIES).sessions[0].status is SessionStatus.STARTING


def _form(**changes: Any) -> groupcalls.SeriesForm:
    values: dict[str, Any] = {
        "key": "point-hebdo",
        "title": "Point hebdo",
        "audience": Audience.STAFF,
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "first_day": date(2026, 3, 3),
        "start_time": time(9, 30),
        "duration_minutes": 30,
        "pin": "1234",
    }
    return groupcalls.SeriesForm(**{**values, **changes})


def test_a_series_made_in_the_dashboard_is_checked_like_the_file(session: Any) -> None:
    structure_id = structure(session).id
    now = datetime(2026, 3, 1, 8, tzinfo=UTC)
    sophie = session.scalars(select(Staff).where(Staff.key == "sophie")).one()
    made = groupcalls.save_series(session, structure_id, _form(host_ids=[sophie.id]), now)
    assert ([h.key for h in made.hosts], made.start_time) == (["sophie"], time(9, 30))
    for bad, words in [
        ({"pin": "12"}, "4 à 8 chiffres"),
        ({"rrule": "BYDAY=TU"}, "FREQ"),
        ({"max_participants": 300}, "250"),
        ({"audience": Audience.GROUP}, "groupe"),
    ]:
        with pytest.raises(groupcalls.GroupCallError, match=words):
            groupcalls.save_series(session, structure_id, _form(**bad), now, made.id)


def test_a_new_member_is_called_from_the_next_session_not_the_running_one(
    session: Any,
) -> None:
    structure_id = structure(session).id
    cafe = series(session, CAFE_SERIES)
    now = datetime(2026, 3, 5, 13, tzinfo=UTC)
    running = groupcalls.start_now(session, structure_id, cafe.id, now)
    groupcalls.start_session(session, running.id, now)
    newcomer = Person(
        structure_id=structure_id, key="p-009", name="Nouveau", phone_e164="+33600000109"
    )
    session.add(newcomer)
    cafe.person_group.members.append(newcomer)
    session.flush()
    session.expire_all()
    assert "+33600000109" not in {
        p.phone_e164 for p in session.get(GroupSession, running.id).participants
    }
    assert "+33600000109" in {i.phone_e164 for i in groupcalls.invitees(session, cafe)}
