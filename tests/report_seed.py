"""A month of activity for the report tests: November 2026 of the demo structure, in Paris time.

Each row is placed at a local time; the expected figures of the report are written out by
hand next to it in `test_reports.py`, from these lines and the demo's duty hours.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline import contacts
from hotline.models import (
    ActivityCount,
    CallbackAttempt,
    CallbackOutcome,
    CallbackSource,
    CallbackStatus,
)
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
STRANGER = "+33612345678"


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS)


# (local time, person key or None for the stranger, kind, theme key, seconds, staff key)
CONTACTS = [
    ("2026-10-31 23:30", "p-001", "inbound", "numerique", 60, "camille"),  # October: out
    ("2026-11-01 10:00", "p-001", "inbound", "numerique", 300, "camille"),  # a Sunday
    ("2026-11-03 10:00", "p-001", "callback", "administratif", 120, "amina"),
    ("2026-11-03 15:00", "p-002", "inbound", "social", 600, "karim"),
    ("2026-11-10 09:30", "p-001", "check_in", None, 180, "amina"),
    ("2026-11-17 11:00", None, "inbound", "numerique", 60, "camille"),
    ("2026-11-24 14:00", "p-002", "group_call", None, 1800, None),
    ("2026-11-30 23:30", "p-002", "inbound", "numerique", 120, "camille"),  # 22:30 UTC
    ("2026-12-01 00:30", "p-001", "inbound", "numerique", 60, "camille"),  # 23:30 UTC: out
]


def seed_november(session: Any) -> None:
    demo = factories.structure(session)
    for index, (local, person, kind, theme, seconds, staff) in enumerate(CONTACTS):
        contacts.record_contact(
            session,
            structure_id=demo.id,
            person_id=factories.person(session, person).id if person else None,
            staff_id=factories.staff(session, staff).id if staff else None,
            kind=kind,
            theme=factories.theme(session, theme).id if theme else None,
            started_at=at(local),
            duration_s=seconds,
            source_key=f"seed:{index}",
            phone=None if person else STRANGER,
        )
    # Two inbound contacts of a person erased since: only their counts remain.
    session.add(
        ActivityCount(
            structure_id=demo.id, day=date(2026, 11, 5), theme_key="social",
            metric="contacts_inbound", count=2,
        )
    )  # fmt: skip
    jean = factories.person(session, "p-001")
    reached = factories.make_callback(session, demo.id, at("2026-11-02 18:00"), person_id=jean.id)
    _attempt(session, reached, 1, "2026-11-03 09:58")
    _close(reached, CallbackOutcome.REACHED, CallbackStatus.DONE, "2026-11-03 10:05")
    lost = factories.make_callback(
        session, demo.id, at("2026-11-10 07:00"), person_id=jean.id, source=CallbackSource.CHECK_IN
    )
    _attempt(session, lost, 1, "2026-11-10 09:00")
    _attempt(session, lost, 2, "2026-11-12 10:00")
    _close(lost, CallbackOutcome.NO_ANSWER, CallbackStatus.ABANDONED, "2026-11-12 10:02")
    october = factories.make_callback(session, demo.id, at("2026-10-20 10:00"))
    _attempt(session, october, 1, "2026-10-20 11:00")
    _close(october, CallbackOutcome.WRONG_NUMBER, CallbackStatus.DONE, "2026-10-20 11:01")
    session.flush()


def _attempt(session: Any, callback: Any, number: int, local: str) -> None:
    session.add(
        CallbackAttempt(
            callback_id=callback.id, number=number, started_at=at(local), staff_status="",
            caller_status="", result="",
        )
    )  # fmt: skip
    callback.attempts = number


def _close(callback: Any, outcome: Any, status: Any, local: str) -> None:
    callback.outcome, callback.status, callback.closed_at = outcome, status, at(local)
