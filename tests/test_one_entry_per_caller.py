"""One waiting entry per person or number, and entries staff can tell apart (issue 9, 9-10).

Calls go through the emulator as a caller lives them: the same number leaving three
messages on Saturday waits once, with each message (and its consent) kept and dated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hotline.emulator import ScriptedCaller
from hotline.models import Callback, CallbackMessage, Voicemail

HOTLINE = "+33184880000"
STRANGER = "+33612345678"
LEAVE_MESSAGE_WANT_CALLBACK = "1 1 # 1"  # français, administratif (closed), message, consent
WAIT_IN_THE_ROOM = "wait:600"  # while staff phones ring: until someone comes or nobody does
LEAVE_MESSAGE_NO_CALLBACK = "1 1 # 2"
# A number that called before, or a known person, is not asked its language (item 16).
AGAIN_WANT_CALLBACK = "1 # 1"  # administratif (closed), message, consent
AGAIN_NO_CALLBACK = "1 # 2"


def _count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_three_messages_from_one_number_wait_as_one_entry_with_each_message(
    session: Any, demo: Any, emulator: Any, clock: Any
) -> None:
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_WANT_CALLBACK))
    clock.set("2026-12-05 16:30")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(AGAIN_NO_CALLBACK))
    clock.set("2026-12-06 10:12")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(AGAIN_WANT_CALLBACK))

    assert _count(session, Voicemail) == 3  # every message is kept
    assert _count(session, Callback) == 1
    entry = session.scalar(select(Callback))
    # The message without consent is kept but did not ask for this entry: two joined it.
    assert [m.callback_consent for m in entry.messages] == [True, True]
    consents = session.scalars(select(Voicemail.callback_consent).order_by(Voicemail.id)).all()
    assert consents == [True, False, True]


def test_a_known_person_s_message_joins_the_entry_staff_added_for_them(
    session: Any, demo: Any, emulator: Any, clock: Any
) -> None:
    from hotline.callbacks import create_manual_callback
    from tests import factories

    clock.set("2026-12-05 15:00")
    jean = factories.person(session, "p-001")
    added = create_manual_callback(
        session,
        structure_id=jean.structure_id,
        staff=factories.staff(session, "amina"),
        phone="",
        theme_id=None,
        person_id=jean.id,
        note="Vu à l'atelier",
        now=clock(),
    )
    session.commit()
    emulator.place_call("+33600000101", HOTLINE, ScriptedCaller(AGAIN_WANT_CALLBACK))
    emulator.place_call("+33600000101", HOTLINE, ScriptedCaller(AGAIN_WANT_CALLBACK))
    assert _count(session, Callback) == 1
    session.refresh(added)
    assert len(added.messages) == 2
    assert added.note == "Vu à l'atelier"


def test_a_retried_consent_webhook_links_the_message_once(
    session: Any, demo: Any, emulator: Any, clock: Any
) -> None:
    from hotline import calls
    from hotline.models import Call

    clock.set("2026-12-05 15:00")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_WANT_CALLBACK))
    call = session.scalar(select(Call).where(Call.from_e164 == STRANGER))
    for _ in range(3):  # Twilio retries /voice/consent
        calls.record_consent(session, call, True, clock())
    assert (_count(session, Callback), _count(session, CallbackMessage)) == (1, 1)


def test_the_queue_and_the_page_tell_entries_apart(
    session: Any, demo: Any, emulator: Any, clock: Any, sign_in: Any
) -> None:
    clock.set("2026-12-05 15:00")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_WANT_CALLBACK))
    clock.set("2026-12-08 10:12")  # Tuesday: administratif is open, Amina does not answer
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(f"1 {WAIT_IN_THE_ROOM} # 1"))
    clock.set("2026-12-08 11:00")
    client = sign_in("amina")
    page = client.get("/queue").get_data(as_text=True)
    assert "+33 6 •• •• •• 78" in page
    assert "2 messages, le dernier aujourd&#39;hui 10 h 12" in page
    entry = session.scalar(select(Callback))
    detail = client.get(f"/callbacks/{entry.id}").get_data(as_text=True)
    assert "Laissé samedi 15 h" in detail
    assert "Laissé aujourd&#39;hui 10 h 12" in detail


def test_a_new_message_with_consent_makes_a_scheduled_retry_due_at_once(
    session: Any, demo: Any, emulator: Any, clock: Any
) -> None:
    """Retries are not taken before their time; a caller asking again must not wait for it."""
    from datetime import timedelta

    from hotline.models import CallbackStatus

    clock.set("2026-12-05 15:00")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_WANT_CALLBACK))
    entry = session.scalar(select(Callback))
    entry.status, entry.attempts = CallbackStatus.RETRY_SCHEDULED, 1
    entry.due_at = clock() + timedelta(days=1)
    session.flush()
    clock.set("2026-12-05 16:00")
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_NO_CALLBACK))
    session.refresh(entry)
    assert entry.status == CallbackStatus.RETRY_SCHEDULED  # no consent: the plan stands
    emulator.place_call(STRANGER, HOTLINE, ScriptedCaller(LEAVE_MESSAGE_WANT_CALLBACK))
    session.refresh(entry)
    assert (entry.status, entry.due_at, entry.attempts) == (CallbackStatus.WAITING, None, 1)
