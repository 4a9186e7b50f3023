"""SMS reminders of group calls (issue 8, item 6): the day before and one hour before, to
mobiles only, from the structure's registered sender, each sent exactly once — two ticks, two
jobs, a worker that dies before or after the provider took the SMS. Clock set by the test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline import callbacks
from hotline.emulator import FakeTwilio
from hotline.groupcalls import reminders
from hotline.groupcalls.editing import SeriesForm, save_series
from hotline.groupcalls.series import set_reminders_off
from hotline.groupcalls.sessions import cancel_session
from hotline.models import GroupReminder, Person, ReminderKind, Staff
from hotline.voice.render_callback import gsm7, septets
from tests import factories
from tests.groupui_helpers import make_group, make_series
from workers import reminder_jobs

pytestmark = pytest.mark.usefixtures("demo")
JEAN, GRACE, AMINA = "+33600000101", "+33600000102", "+33600000001"


def tick() -> list[int]:
    """One scheduler tick of the reminder sweep, then every due reminder's send job."""
    reminder_jobs.send_group_reminders()
    from hotline.extensions import db

    db.session.expire_all()  # the jobs ran in their own app context and session
    due = [r.id for r in db.session.scalars(select(GroupReminder)) if r.sending_at is None]
    return [r for r in due if reminder_jobs.send_group_reminder(r)]


def _series(session: Any, clock: Any, **changes: Any) -> Any:
    now = clock.set("2026-12-01 09:00")  # Tuesday; the session is Thursday 3/12 14:00
    series = make_series(session, now, **changes)
    session.commit()
    return series


def test_the_day_before_each_invitee_with_a_mobile_gets_one_sms(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    _series(session, clock)
    clock.set("2026-12-02 13:59")
    assert tick() == []
    assert fake.messages == []
    clock.set("2026-12-02 14:00")
    tick()
    sent = {m["to"]: m for m in fake.messages}
    assert set(sent) == {JEAN, GRACE, AMINA}  # the host is reminded too
    assert {m["from"] for m in fake.messages} == {"AtelierDemo"}
    jean = sent[JEAN]["body"]
    assert jean.startswith("Rappel : Café téléphonique, demain à 14 heures.")
    assert "tapez 1" in jean
    assert "01 84 88 00 00" in jean
    assert "482913" in jean
    assert sent[GRACE]["body"].startswith("Reminder: Café téléphonique, tomorrow at 14:00.")
    for message in fake.messages:  # one GSM-7 SMS each: 160 characters, no UCS-2 switch
        assert gsm7(message["body"]) == message["body"]
        assert septets(message["body"]) <= 160
        assert message["num_segments"] == "1"


def test_two_ticks_and_two_jobs_send_each_reminder_once(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    _series(session, clock)
    clock.set("2026-12-02 14:00")
    reminder_jobs.send_group_reminders()
    reminder_jobs.send_group_reminders()  # a second tick, or a second scheduler
    rows = session.scalars(select(GroupReminder)).all()
    assert len(rows) == 6  # 3 invitees x (day before, hour before): planned once
    for row in rows:
        reminder_jobs.send_group_reminder(row.id)
        reminder_jobs.send_group_reminder(row.id)  # the same job run twice
    tick()
    assert len(fake.messages) == 3
    clock.set("2026-12-03 13:00")
    tick()
    tick()
    assert len(fake.messages) == 6
    assert fake.messages[-1]["body"].startswith(
        (
            "Rappel : Café téléphonique, aujourd'hui à 14 heures",
            "Reminder: Café téléphonique, today at 14:00",
        )
    )


def test_a_worker_killed_after_the_provider_took_the_sms_never_sends_it_again(
    session: Any, clock: Any, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    _series(session, clock, remind_hour_before=False)
    clock.set("2026-12-02 14:00")
    reminder_jobs.send_group_reminders()
    row = session.scalars(select(GroupReminder)).first()

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("worker killed")  # after the provider answered, before our commit

    monkeypatch.setattr(reminders, "mark_sent", killed)
    with pytest.raises(SystemExit):
        reminder_jobs.send_group_reminder(row.id)
    monkeypatch.undo()
    assert len(fake.messages) == 1
    fake.run_pending()  # the provider's status callback reaches the app: the SMS exists
    clock.set("2026-12-02 14:30")  # long after a send job would have ended
    tick()
    tick()
    to_jean = [m for m in fake.messages if m["to"] == row_phone(session, row)]
    assert len(to_jean) == 1
    session.expire_all()
    assert session.get(GroupReminder, row.id).sent_at is not None


def test_a_worker_killed_before_the_provider_took_it_sends_it_later_once(
    session: Any, clock: Any, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    _series(session, clock, remind_hour_before=False)
    clock.set("2026-12-02 14:00")
    reminder_jobs.send_group_reminders()
    row = session.scalars(select(GroupReminder)).first()
    from hotline import gateway

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("worker killed")  # before the request left

    monkeypatch.setattr(gateway, "send_sms", killed)
    with pytest.raises(SystemExit):
        reminder_jobs.send_group_reminder(row.id)
    monkeypatch.undo()
    assert fake.messages == []
    clock.set("2026-12-02 14:05")
    tick()  # claimed five minutes ago: maybe still sending, left alone
    assert row_phone(session, row) not in [m["to"] for m in fake.messages]
    clock.set("2026-12-02 14:11")
    tick()
    tick()
    assert [m["to"] for m in fake.messages].count(row_phone(session, row)) == 1


def row_phone(session: Any, row: GroupReminder) -> str:
    session.refresh(row)
    who = session.get(Person, row.person_id) if row.person_id else session.get(Staff, row.staff_id)
    return str(who.phone_e164)


def test_no_sms_to_a_landline_to_someone_who_said_no_or_for_a_cancelled_session(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    structure = factories.structure(session)
    jean, grace = factories.person(session, "p-001"), factories.person(session, "p-002")
    fixed = factories.make_person(session, structure.id, "p-fixe", phone_e164="+33145678900")
    group = make_group(session, structure.id, "fixes", [jean, grace, fixed])
    series = _series(session, clock, group=group)
    set_reminders_off(session, series.id, person_id=grace.id, off=True)
    session.commit()
    clock.set("2026-12-02 14:00")
    tick()
    assert sorted(m["to"] for m in fake.messages) == [AMINA, JEAN]
    cancel_session(session, structure.id, series.sessions[0].id)
    session.commit()
    clock.set("2026-12-03 13:00")
    tick()
    assert len(fake.messages) == 2
    reasons = {r.failure for r in session.scalars(select(GroupReminder)) if r.failure}
    assert reasons == {reminders.CANCELLED}


def test_without_a_registered_sender_nothing_is_sent_and_the_row_says_why(
    session: Any, clock: Any, fake: FakeTwilio, load_structure: Any
) -> None:
    load_structure(lambda data: data["callbacks"].pop("sms_sender"))
    _series(session, clock, remind_hour_before=False)
    clock.set("2026-12-02 14:00")
    tick()
    assert fake.messages == []
    failures = {r.failure for r in session.scalars(select(GroupReminder))}
    assert failures == {callbacks.NO_SMS_SENDER}


def test_a_moved_session_is_reminded_at_its_new_time(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    series = _series(session, clock, remind_day_before=False)
    first = series.sessions[0]
    clock.set("2026-12-03 12:00")
    reminder_jobs.send_group_reminders()  # planned for 13:00
    first.starts_at += timedelta(hours=3)  # moved to 17:00
    session.commit()
    clock.set("2026-12-03 13:00")
    tick()
    assert fake.messages == []
    clock.set("2026-12-03 16:00")
    tick()
    assert len(fake.messages) == 3
    kinds = {r.kind for r in session.scalars(select(GroupReminder))}
    assert kinds == {ReminderKind.HOUR_BEFORE}


def test_changing_the_days_keeps_a_session_already_reminded_so_nobody_gets_two(
    session: Any, clock: Any, fake: FakeTwilio
) -> None:
    series = _series(session, clock, remind_hour_before=False)
    thursday = series.sessions[0].id
    clock.set("2026-12-02 14:00")
    tick()
    assert len(fake.messages) == 3
    now = clock.set("2026-12-02 15:00")
    form = SeriesForm(
        title=series.title,
        audience=series.audience,
        person_group_id=series.person_group_id,
        host_ids=tuple(h.id for h in series.hosts),
        rrule="FREQ=WEEKLY;BYDAY=TU,TH",
        first_day=series.first_day,
        start_time=series.start_time,
        duration_minutes=series.duration_minutes,
        pin=series.pin,
        remind_hour_before=False,
    )
    save_series(session, series.structure_id, form, now, series.id)
    session.commit()
    session.expire_all()
    assert thursday in [s.id for s in series.sessions]
    clock.set("2026-12-02 16:00")
    tick()
    assert len(fake.messages) == 3
