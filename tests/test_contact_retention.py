"""The contact record under the person's rights and the retention purge.

An export holds the person's contacts and their follow-up fields, nobody else's; an erasure
leaves no text column with their name or number, contacts and person fields included; the
purge forgets contacts two years after the last one and keeps their counts for reports.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline import contacts, retention
from hotline.contacts.reports import Period, build_report
from hotline.emulator import Answers, PhoneBook, ScriptedCaller
from hotline.models import ActivityCount, Contact, ContactKind
from tests import factories
from tests.callback_helpers import JEAN
from tests.inbound_helpers import CAMILLE, DEMO_NUMBER, FRENCH, NUMERIQUE
from tests.test_rights import GRACE, GRACE_NAME, JEAN_NAME, _text_values

pytestmark = pytest.mark.usefixtures("demo")
STRANGER = "+33612345678"


def everyone_talks(emulator: Any, phones: PhoneBook, session: Any) -> None:
    """Jean, Grace and a stranger each reach Camille: one contact each."""
    phones[CAMILLE] = Answers(press="1")
    for number, keys in (
        (JEAN, NUMERIQUE),
        (GRACE, NUMERIQUE),
        (STRANGER, f"{FRENCH} {NUMERIQUE}"),
    ):
        emulator.place_call(number, DEMO_NUMBER, ScriptedCaller(keys))  # known: no language menu
    session.expire_all()
    assert session.scalar(select(func.count(Contact.id))) == 3


def test_an_export_holds_the_persons_contacts_and_follow_up_fields_only(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    everyone_talks(emulator, phones, session)
    jean = factories.person(session, "p-001")
    jean.contract_end, jean.objects_to_calls = date(2027, 3, 31), True
    jean.call_from, jean.call_to = time(10), time(12)
    subject = retention.find_subject(session, factories.structure(session), key="p-001")
    data = retention.export_subject(session, subject, staff_id=None, now=clock())
    assert [(c["kind"], c["theme"], c["by"]) for c in data["contacts"]] == [
        ("inbound", "numerique", "Camille Morel")
    ]
    assert data["person"]["contract_end"] == "2027-03-31"
    assert data["person"]["objects_to_calls"] is True
    assert data["person"]["call_hours"] == "10:00-12:00"
    table = retention.to_csv(data)
    assert "contacts" in table
    for other in (GRACE, GRACE_NAME, STRANGER):
        assert other not in retention.to_json(data)
        assert other not in table


def test_after_erasure_no_contact_or_person_field_holds_the_name_or_number(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    everyone_talks(emulator, phones, session)
    jean = factories.person(session, "p-001")
    jean.contract_end = date(2027, 3, 31)
    subject = retention.find_subject(session, factories.structure(session), phone=JEAN)
    done = retention.erase_subject(session, subject, staff_id=None, now=clock())
    session.commit()
    assert done.contacts == 1
    leftovers = [
        (table, column)
        for table, column, value in _text_values(session)
        if JEAN in value or JEAN_NAME in value or "0600000101" in value
    ]
    assert leftovers == []
    assert session.scalar(select(func.count(Contact.id))) == 2
    counts = {r.metric: r.count for r in session.scalars(select(ActivityCount))}
    assert counts["contacts_inbound"] == 1


def test_an_unknown_callers_contacts_are_erased_by_number(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    everyone_talks(emulator, phones, session)
    subject = retention.find_subject(session, factories.structure(session), phone=STRANGER)
    assert subject.person is None
    retention.erase_subject(session, subject, staff_id=None, now=clock())
    assert STRANGER not in " ".join(value for *_, value in _text_values(session))


def test_contacts_go_two_years_after_the_last_one_and_their_counts_stay(
    emulator: Any, phones: PhoneBook, session: Any, clock: Any
) -> None:
    everyone_talks(emulator, phones, session)
    demo = factories.structure(session)
    grace = factories.person(session, "p-002")
    start = clock()
    clock.instant = start + timedelta(days=700)
    contacts.record_contact(
        session,
        structure_id=demo.id,
        person_id=grace.id,
        staff_id=None,
        kind="group_call",
        theme=None,
        started_at=clock(),
        duration_s=600,
        source_key="later",
    )
    clock.instant = start + timedelta(days=731)
    [report] = retention.purge_all(session, clock())
    session.commit()
    session.expire_all()
    assert report.parties == 2  # Jean and the stranger; Grace spoke 31 days ago
    remaining = session.scalars(select(Contact.person_id)).all()
    assert remaining == [grace.id, grace.id]
    december = Period.month(2026, 12)
    totals = build_report(session, demo, december)
    assert totals.by_kind[ContactKind.INBOUND] == 3  # 1 kept + 2 anonymised
    assert totals.anonymised[ContactKind.INBOUND] == 2
    again = retention.purge_all(session, clock())
    assert again[0].parties == 0
