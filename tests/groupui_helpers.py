"""Builders for group-call tests: a group of salariés, a series, a running session with people.

They go through the same services as the dashboard (`groupcalls.editing.save_series`), so a
test's series is one a coordinator could have made.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from hotline.groupcalls.editing import SeriesForm, save_series
from hotline.models import (
    Audience,
    GroupParticipant,
    GroupSeries,
    GroupSession,
    LegStatus,
    ParticipantRole,
    PersonGroup,
    SessionStatus,
)
from tests import factories


def make_group(session: Any, structure_id: int, key: str, people: list[Any]) -> PersonGroup:
    group = PersonGroup(structure_id=structure_id, key=key, name=key.replace("-", " ").title())
    group.members = list(people)
    session.add(group)
    session.flush()
    return group


def make_series(session: Any, now: datetime, **changes: Any) -> GroupSeries:
    """ "Café téléphonique", every Thursday 14:00, 45 min, the demo's people, hosted by Amina."""
    structure = factories.structure(session)
    group = changes.pop("group", None)
    if group is None:
        people = [factories.person(session, "p-001"), factories.person(session, "p-002")]
        group = make_group(session, structure.id, "atelier-bois", people)
    fields = SeriesForm(
        title="Café téléphonique",
        audience=Audience.GROUP,
        person_group_id=group.id,
        host_ids=(factories.staff(session, "amina").id,),
        rrule="FREQ=WEEKLY;BYDAY=TH",
        first_day=date(2026, 12, 3),
        start_time=time(14, 0),
        duration_minutes=45,
        pin="482913",
    )
    return save_series(session, structure.id, replace(fields, **changes), now)


def make_running_session(session: Any, series: GroupSeries, now: datetime) -> GroupSession:
    """A session running now, its participants copied but nobody dialled yet."""
    running = GroupSession(
        series_id=series.id,
        structure_id=series.structure_id,
        occurrence_at=now,
        starts_at=now,
        duration_minutes=series.duration_minutes,
        status=SessionStatus.RUNNING,
        conference_name=f"gc-test-{series.id}",
        started_at=now,
    )
    session.add(running)
    session.flush()
    hosts = [(ParticipantRole.HOST, s.id, None, s.phone_e164) for s in series.hosts]
    people = [
        (ParticipantRole.INVITEE, None, p.id, p.phone_e164) for p in series.person_group.members
    ]
    for order, (role, staff_id, person_id, phone) in enumerate(hosts + people):
        running.participants.append(
            GroupParticipant(
                role=role,
                staff_id=staff_id,
                person_id=person_id,
                phone_e164=phone,
                label=f"p{order}",
                dial_order=order,
                status=LegStatus.CALLING,
            )
        )
    session.flush()
    return running
