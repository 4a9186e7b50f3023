"""A person's rights: an export holds everything about them and nothing about anyone else;
after an erasure no text column of the database holds their name or number; the audit log
only grows."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select

from hotline import retention
from hotline.emulator import ScriptedCaller
from hotline.models import AuditAction, AuditEntry, Base, Structure
from hotline.models.audit import AuditEntryIsAppendOnly
from tests.callback_helpers import JEAN
from tests.inbound_helpers import CALLER, DEMO_NUMBER

pytestmark = pytest.mark.usefixtures("demo")
JEAN_NAME = "Jean Martin"
GRACE_NAME, GRACE = "Grace Okafor", "+33600000102"
ROOT = Path(__file__).resolve().parents[1]


def demo(session: Any) -> Structure:
    return session.scalar(select(Structure).where(Structure.slug == "demo"))


def everyone_calls(emulator: Any, session: Any, clock: Any) -> None:
    clock.set("2026-12-05 15:00")  # Saturday: messages
    for number in (JEAN, GRACE, CALLER):  # Jean and Grace are not asked their language
        keys = "1 1 # 1" if number == CALLER else "1 # 1"
        emulator.place_call(number, DEMO_NUMBER, ScriptedCaller(keys))
    session.expire_all()


def test_an_export_holds_one_person_and_nobody_else(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    everyone_calls(emulator, session, clock)
    subject = retention.find_subject(session, demo(session), key="p-001")
    data = retention.export_subject(session, subject, staff_id=None, now=clock())
    text = retention.to_json(data)
    table = retention.to_csv(data)
    assert data["person"]["name"] == JEAN_NAME
    assert [call["from"] for call in data["calls"]] == [JEAN]
    assert len(data["voicemails"]) == 1
    assert [callback["source"] for callback in data["callbacks"]] == ["voicemail"]
    assert data["calls"][0]["events"]  # the status history of the call
    for other in (GRACE, GRACE_NAME, CALLER):
        assert other not in text
        assert other not in table
    assert JEAN in table
    assert JEAN_NAME in table
    json.loads(text)
    entry = session.scalars(select(AuditEntry)).all()[-1]
    assert (entry.action, entry.subject) == (AuditAction.EXPORT, f"person:{subject.person.id}")


def _text_values(session: Any) -> list[tuple[str, str, str]]:
    """Every value of every text (or JSON) column of every table."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    found.append((table.name, column.name, json.dumps(value, ensure_ascii=False)))
    return found


def test_after_erasure_no_text_column_holds_the_name_or_the_number(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    everyone_calls(emulator, session, clock)
    assert any(JEAN in value for *_, value in _text_values(session))
    subject = retention.find_subject(session, demo(session), phone="06 00 00 01 01")
    assert subject.person is not None
    assert subject.person.name == JEAN_NAME
    recording = [r for r in fake.recordings.values() if r.call_sid]
    assert len(recording) == 3

    done = retention.erase_subject(session, subject, staff_id=None, now=clock())
    session.commit()

    assert (done.calls, done.voicemails, done.callbacks, done.recordings) == (1, 1, 1, 1)
    assert len(fake.recordings) == 2  # Jean's recording is deleted at the provider
    leftovers = [
        (table, column)
        for table, column, value in _text_values(session)
        if JEAN in value or JEAN_NAME in value or "0600000101" in value
    ]
    assert leftovers == []
    values = " ".join(value for *_, value in _text_values(session))
    assert GRACE in values  # the others are untouched
    assert CALLER in values
    entry = session.scalars(select(AuditEntry)).all()[-1]
    assert entry.action == AuditAction.ERASE
    assert "calls 1" in entry.detail


def test_the_audit_log_refuses_updates_and_deletes(session: Any, clock: Any) -> None:
    entry = retention.audit.record(
        session, demo(session).id, AuditAction.SETTINGS, staff_id=None, detail="x", now=clock()
    )
    entry.detail = "changed"
    with pytest.raises(AuditEntryIsAppendOnly):
        session.flush()
    session.rollback()
    entry = retention.audit.record(
        session, demo(session).id, AuditAction.SETTINGS, staff_id=None, detail="x", now=clock()
    )
    session.delete(entry)
    with pytest.raises(AuditEntryIsAppendOnly):
        session.flush()
    session.rollback()


def test_no_code_updates_the_audit_log_and_only_the_purge_deletes_it() -> None:
    writes = re.compile(r"(update|delete)\(\s*AuditEntry")
    found = [
        (path.relative_to(ROOT).as_posix(), match.group(1))
        for folder in ("hotline", "workers")
        for path in (ROOT / folder).rglob("*.py")
        for match in writes.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == [("hotline/retention/purge.py", "delete")]


def test_old_audit_entries_are_purged_after_twelve_months(session: Any, clock: Any) -> None:
    start = clock()
    entry = retention.audit.record(
        session, demo(session).id, AuditAction.SETTINGS, staff_id=None, detail="x", now=start
    )
    entry_id = entry.id
    retention.purge_all(session, start + timedelta(days=364))
    assert session.get(AuditEntry, entry_id) is not None
    retention.purge_all(session, start + timedelta(days=366))
    session.expire_all()
    assert session.get(AuditEntry, entry_id) is None


def test_a_coordinator_exports_and_erases_from_the_dashboard(
    emulator: Any, fake: Any, session: Any, clock: Any, sign_in: Any
) -> None:
    everyone_calls(emulator, session, clock)
    sophie = sign_in("sophie")
    page = sophie.client.get("/personnes").get_data(as_text=True)
    assert JEAN_NAME in page
    assert JEAN not in page  # numbers are masked
    form = {"csrf_token": sophie.csrf, "person_id": "", "phone": CALLER}
    exported = sophie.client.post("/personnes", data={**form, "action": "csv"})
    assert exported.status_code == 200
    assert CALLER in exported.get_data(as_text=True)
    assert JEAN not in exported.get_data(as_text=True)

    refused = sophie.client.post("/personnes", data={**form, "action": "erase"})
    assert refused.status_code == 302
    erased = sophie.client.post("/personnes", data={**form, "action": "erase", "confirm": "oui"})
    assert erased.status_code == 302
    session.expire_all()
    assert CALLER not in " ".join(value for *_, value in _text_values(session))
    journal = sophie.client.get("/personnes").get_data(as_text=True)
    assert "Export des données" in journal
    assert "Effacement des données" in journal
    assert sign_in("amina").client.get("/personnes").status_code == 403
