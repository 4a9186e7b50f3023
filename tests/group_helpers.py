"""Group-call test helpers: the demo's series, a session started now, simulated time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from hotline import groupcalls
from hotline.emulator import Emulator, FakeTwilio
from hotline.models import GroupCallLeg, GroupParticipant, GroupSeries, GroupSession
from tests.factories import structure
from workers import group_jobs

SOPHIE = "+33600000004"  # host of the staff meeting (coordinator)
JEAN = "+33600000101"  # p-001, in the « Atelier » group
GRACE = "+33600000102"  # p-002, in the « Atelier » group
STAFF_SERIES = "reunion-equipe"
CAFE_SERIES = "cafe-jeudi"


def series(session: Any, key: str = CAFE_SERIES) -> GroupSeries:
    return session.scalars(select(GroupSeries).where(GroupSeries.key == key)).one()


def follow_simulated_time(app: Flask, emulator: Emulator, clock: Any) -> list[float]:
    """The app reads the emulator's clock; the dialling loop's pauses move it (no sleep).

    Returns the list the pauses are recorded in.
    """
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.instant += timedelta(seconds=seconds)

    app.config.update(CLOCK=emulator.now, PACE_SLEEP=wait)
    return waits


def start_now(session: Any, key: str = CAFE_SERIES) -> GroupSession:
    """A session of the series started now by its job, calls placed (not yet run)."""
    found = series(session, key)
    row = groupcalls.start_now(session, structure(session).id, found.id, groupcalls_now())
    session.commit()
    group_jobs.start_group_session(row.id)
    session.expire_all()
    return session.get(GroupSession, row.id)


def groupcalls_now() -> Any:
    from hotline import clock

    return clock.now()


def participant(session: Any, session_id: int, phone: str) -> GroupParticipant:
    session.expire_all()
    return session.scalars(
        select(GroupParticipant).where(
            GroupParticipant.session_id == session_id, GroupParticipant.phone_e164 == phone
        )
    ).one()


def legs(session: Any, participant_id: int) -> list[GroupCallLeg]:
    session.expire_all()
    return list(
        session.scalars(
            select(GroupCallLeg)
            .where(GroupCallLeg.participant_id == participant_id)
            .order_by(GroupCallLeg.number)
        )
    )


def room_of(emulator: Emulator, group_session: GroupSession) -> Any:
    return emulator.conferences.get(group_session.conference_name)


def run(fake: FakeTwilio) -> list[Any]:
    return fake.run_pending()
