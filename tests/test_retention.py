"""Retention enforced: the purge deletes recordings (at the provider too) and forgotten callers.

Messages are left through the emulator, so their recordings exist at the fake provider and
its `recordings` confirm the provider-side delete. The clock then moves past each limit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline import retention
from hotline.emulator import ScriptedCaller
from hotline.models import (
    ActivityCount,
    Call,
    Callback,
    CallbackStatus,
    Structure,
    Voicemail,
)
from tests.callback_helpers import JEAN
from tests.inbound_helpers import CALLER, DEMO_NUMBER

pytestmark = pytest.mark.usefixtures("demo")


def leave_messages(emulator: Any, session: Any, clock: Any) -> dict[str, Voicemail]:
    """Jean (a known person) and an unknown caller each leave a message and ask for a callback."""
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, straight to the message
    emulator.place_call(JEAN, DEMO_NUMBER, ScriptedCaller("1 # 1"))  # known: no language question
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("1 1 # 1"))
    session.expire_all()
    by_number = {v.call.from_e164: v for v in session.scalars(select(Voicemail))}
    assert all(v.recording_sid for v in by_number.values())
    return by_number


def purge(session: Any, clock: Any) -> retention.PurgeReport:
    [report] = retention.purge_all(session, clock())
    session.commit()
    session.expire_all()
    return report


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_message_is_deleted_at_the_provider_once_past_its_age_and_only_then(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    messages = leave_messages(emulator, session, clock)
    sids = {v.recording_sid for v in messages.values()}
    start = clock()

    clock.instant = start + timedelta(days=89)  # callbacks still open, 89 < 90 days
    assert purge(session, clock).recordings == 0
    assert set(fake.recordings) == sids

    clock.instant = start + timedelta(days=91)
    report = purge(session, clock)
    assert report.recordings == 2
    assert not sids & set(fake.recordings)  # the provider confirms the delete
    voicemails = session.scalars(select(Voicemail)).all()
    assert [(v.recording_sid, v.recording_url) for v in voicemails] == [(None, None)] * 2
    assert count(session, Call) == 2  # the rows stay until the caller is forgotten

    again = purge(session, clock)
    assert (again.recordings, again.recordings_failed, again.parties) == (0, 0, 0)


def test_a_message_goes_30_days_after_its_callback_closes(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    messages = leave_messages(emulator, session, clock)
    start = clock()
    jean = messages[JEAN]
    callback = session.scalar(select(Callback).where(Callback.voicemail_id == jean.id))
    callback.status = CallbackStatus.DONE
    callback.closed_at = start + timedelta(days=1)
    session.commit()
    jean_sid, other_sid = jean.recording_sid, messages[CALLER].recording_sid

    clock.instant = start + timedelta(days=30)  # 29 days after the close
    assert purge(session, clock).recordings == 0
    clock.instant = start + timedelta(days=31, hours=1)
    assert purge(session, clock).recordings == 1
    assert jean_sid not in fake.recordings
    assert other_sid in fake.recordings  # its callback is still open


def test_a_caller_silent_for_two_years_is_forgotten_with_counts_kept_and_twice_is_once(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    leave_messages(emulator, session, clock)
    start = clock()
    clock.instant = start + timedelta(days=700)
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller("1 # 2"))  # again: French known

    clock.instant = start + timedelta(days=731)
    report = purge(session, clock)
    assert report.parties == 1  # Jean; the other caller's last contact is 31 days old
    assert not fake.recordings.keys() & {
        v.recording_sid for v in session.scalars(select(Voicemail))
    }
    assert session.scalars(select(Call.from_e164)).all() == [CALLER, CALLER]
    assert session.scalars(select(Callback.phone_e164)).all() == [CALLER]
    counts = {row.metric: row.count for row in session.scalars(select(ActivityCount))}
    assert counts["calls_inbound"] == 1
    assert counts["voicemails"] == 1
    assert counts["callbacks_voicemail"] == 1

    again = purge(session, clock)
    assert again.parties == 0
    assert {r.metric: r.count for r in session.scalars(select(ActivityCount))} == counts


def test_nothing_younger_than_the_limits_is_touched(
    emulator: Any, fake: Any, session: Any, clock: Any
) -> None:
    leave_messages(emulator, session, clock)
    clock.instant = clock() + timedelta(days=29)
    report = purge(session, clock)
    assert (report.recordings, report.parties, report.audit_entries) == (0, 0, 0)
    assert len(fake.recordings) == 2
    assert (count(session, Call), count(session, Voicemail), count(session, Callback)) == (2, 2, 2)


def test_a_dry_run_deletes_nothing(emulator: Any, fake: Any, session: Any, clock: Any) -> None:
    leave_messages(emulator, session, clock)
    clock.instant = clock() + timedelta(days=800)
    [report] = retention.purge_all(session, clock(), dry_run=True)
    session.rollback()
    assert (report.recordings, report.parties, report.forgotten.calls) == (2, 2, 2)
    assert len(fake.recordings) == 2
    assert count(session, Call) == 2
    assert "would delete 2 recording(s)" in report.lines()[0]


def test_the_retention_section_is_stored_and_spoken(load_structure: Any, session: Any) -> None:
    def shorter(data: dict[str, Any]) -> None:
        data["retention"] = {"voicemail_days": 60, "person_data_days": 365}

    result = load_structure(shorter)
    assert "retention changed" in result.changes
    structure = session.scalar(select(Structure).where(Structure.slug == "demo"))
    settings = retention.retention_settings(structure)
    assert (settings.voicemail_days, settings.voicemail_days_after_close) == (60, 30)
    assert (settings.person_data_days, settings.audit_days, settings.contact_months) == (
        365,
        365,
        12,
    )
