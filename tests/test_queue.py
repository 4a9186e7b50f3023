"""The callback queue as staff live it: take an entry, call, record how it went, and again.

Runs on the real database (SQLite file here, PostgreSQL in CI's second run); the claim race
uses real threads, each with its own app context and session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from hotline import callbacks
from hotline.callbacks import (
    AlreadyClaimed,
    InvalidInput,
    NotClaimable,
    OutsideOutboundHours,
    claim_callback,
    create_manual_callback,
    expire_claims,
    list_queue,
    mark_sms_sent,
    note_attempt_leg,
    queue_for_missed_call,
    queue_for_voicemail,
    record_outcome,
    release_callback,
    start_attempt,
)
from hotline.extensions import db
from hotline.models import (
    Call,
    Callback,
    CallbackAttempt,
    CallbackOutcome,
    CallbackSource,
    CallbackStatus,
    Staff,
    Structure,
    VoicemailStatus,
)
from tests import factories
from tests.factories import staff as member
from workers import sweeps

PARIS = ZoneInfo("Europe/Paris")
CALLER = "+33612345678"  # a mobile
LANDLINE = "+33145454545"


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS)


def demo_id(session: Any) -> int:
    return factories.structure(session).id


@pytest.fixture
def make_callback(session: Any, demo: Any) -> Callable[..., Callback]:
    def make(
        created: str = "2026-12-01 08:00", phone: str = CALLER, structure_id: int | None = None
    ) -> Callback:
        callback = factories.make_callback(
            session, structure_id or demo_id(session), at(created), phone=phone
        )
        session.commit()
        return callback

    return make


@pytest.fixture
def other(load_structure: Callable[..., Any], demo: Any) -> Any:
    """A second structure, with staff of its own (same keys as the demo's)."""

    def edit(data: dict[str, Any]) -> None:
        data.update(slug="autre", name="Autre Structure", people=[])
        data.pop("group_calls")  # its group names the people removed above
        data["numbers"] = [{"number": "+33 1 84 88 00 99"}]
        for staff in data["staff"]:
            staff.pop("email", None)

    return load_structure(edit)


def set_callbacks(session: Any, **changes: Any) -> None:
    structure = session.get(Structure, demo_id(session))
    settings = dict(structure.settings)
    settings["callbacks"] = {**settings["callbacks"], **changes}
    structure.settings = settings
    session.commit()


def call_once(session: Any, callback: Callback, staff: Staff, now: datetime) -> CallbackAttempt:
    claim_callback(session, callback.id, staff, now)
    return start_attempt(session, callback.id, staff, now)


# -- claiming -------------------------------------------------------------------------------


def test_a_claimed_entry_shows_who_has_it_and_refuses_a_second_staff_member(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina, karim = member(session, "amina"), member(session, "karim")
    claimed = claim_callback(session, callback.id, amina, clock())
    session.commit()
    assert claimed.status == CallbackStatus.CLAIMED
    assert claimed.claim_expires_at == clock() + timedelta(minutes=15)
    with pytest.raises(AlreadyClaimed) as refused:
        claim_callback(session, callback.id, karim, clock())
    assert refused.value.by_name == "Amina Diallo"
    assert refused.value.reason == "Déjà pris par Amina Diallo."
    [entry] = list_queue(session, demo_id(session), clock())
    assert entry.reasons[0] == "pris par Amina Diallo"
    # Claiming again one's own entry renews the lease instead of failing.
    later = clock() + timedelta(minutes=10)
    assert claim_callback(session, callback.id, amina, later).claim_expires_at == later + timedelta(
        minutes=15
    )


@pytest.mark.commits  # eight threads, eight sessions: each needs its own connection
def test_exactly_one_of_eight_simultaneous_claims_wins(
    app: Flask, session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    structure_id = demo_id(session)
    for number in range(4):
        factories.make_staff(session, structure_id, f"extra-{number}", phone=f"+3360000009{number}")
    session.commit()
    staff_ids = list(session.scalars(select(Staff.id).where(Staff.structure_id == structure_id)))
    assert len(staff_ids) == 8
    for _round in range(3):
        callback = make_callback()
        outcomes = _race(app, callback.id, staff_ids, clock())
        winners = [value for kind, value in outcomes if kind == "won"]
        assert len(winners) == 1, outcomes
        assert sorted(kind for kind, _ in outcomes) == ["lost"] * 7 + ["won"]
        winner_name = session.get(Staff, winners[0]).name
        assert {value for kind, value in outcomes if kind == "lost"} == {winner_name}
        session.expire_all()
        stored = session.get(Callback, callback.id)
        assert (stored.claimed_by_id, stored.version) == (winners[0], 1)


def _race(app: Flask, callback_id: int, staff_ids: list[int], now: datetime) -> list[Any]:
    """Every staff member claims at the same instant, each in its own thread and session."""
    barrier = threading.Barrier(len(staff_ids))
    outcomes: list[Any] = []

    def claim(staff_id: int) -> None:
        with app.app_context():
            session = db.session
            staff = session.get(Staff, staff_id)
            barrier.wait()
            try:
                claim_callback(session, callback_id, staff, now)
                session.commit()
                outcomes.append(("won", staff_id))
            except AlreadyClaimed as refused:
                session.rollback()
                outcomes.append(("lost", refused.by_name))
            except BaseException as error:  # reported, not lost in the thread
                session.rollback()
                outcomes.append(("error", repr(error)))

    threads = [threading.Thread(target=claim, args=(staff_id,)) for staff_id in staff_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_a_claim_left_idle_lapses_and_the_entry_keeps_its_history(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina, karim = member(session, "amina"), member(session, "karim")
    call_once(session, callback, amina, clock())
    record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=clock(),
    )
    retry_time = at("2026-12-01 11:05")
    claim_callback(session, callback.id, amina, retry_time)
    session.commit()
    assert expire_claims(session, retry_time + timedelta(minutes=14)) == 0
    with pytest.raises(AlreadyClaimed):
        claim_callback(session, callback.id, karim, retry_time + timedelta(minutes=14))
    lapsed = retry_time + timedelta(minutes=16)
    assert expire_claims(session, lapsed) == 1
    assert expire_claims(session, lapsed) == 0  # a second sweep finds nothing
    session.commit()
    fresh = session.scalar(select(Callback).execution_options(populate_existing=True))
    assert (fresh.status, fresh.claimed_by_id, fresh.attempts) == (CallbackStatus.WAITING, None, 1)
    assert [a.result for a in fresh.attempt_rows] == ["no_answer"]
    [entry] = list_queue(session, fresh.structure_id, lapsed)
    assert "1 tentative" in entry.reasons


def test_an_expired_claim_is_free_to_take_before_any_sweep(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina, karim = member(session, "amina"), member(session, "karim")
    claim_callback(session, callback.id, amina, clock())
    lapsed = clock() + timedelta(minutes=16)
    [entry] = list_queue(session, demo_id(session), lapsed)
    assert not entry.reasons[0].startswith("pris par")
    assert claim_callback(session, callback.id, karim, lapsed).claimed_by_id == karim.id


def test_release_returns_the_entry_and_only_a_coordinator_frees_another_claim(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina, karim, sophie = (member(session, key) for key in ("amina", "karim", "sophie"))
    claim_callback(session, callback.id, amina, clock())
    with pytest.raises(AlreadyClaimed):
        release_callback(session, callback.id, karim, clock())
    released = release_callback(session, callback.id, sophie, clock())
    assert (released.status, released.claimed_by_id) == (CallbackStatus.WAITING, None)
    assert release_callback(session, callback.id, amina, clock()).status == CallbackStatus.WAITING
    call_once(session, callback, amina, clock())
    with pytest.raises(NotClaimable, match="Appel en cours"):
        release_callback(session, callback.id, amina, clock())


def test_staff_of_another_structure_can_do_nothing_with_an_entry(
    session: Any, make_callback: Callable[..., Callback], other: Any, clock: Any
) -> None:
    callback = make_callback()
    outsider = member(session, "sophie", slug="autre")
    for action in (claim_callback, release_callback, start_attempt):
        with pytest.raises(NotClaimable) as refused:
            action(session, callback.id, outsider, clock())
        assert not isinstance(refused.value, AlreadyClaimed)
        assert "n'existe pas dans votre structure" in refused.value.reason
    with pytest.raises(NotClaimable):
        record_outcome(
            session,
            callback_id=callback.id,
            staff=outsider,
            outcome=CallbackOutcome.REACHED,
            now=clock(),
        )
    other_id = session.scalar(select(Structure.id).where(Structure.slug == "autre"))
    assert list_queue(session, other_id, clock()) == []
    assert session.get(Callback, callback.id).status == CallbackStatus.WAITING


# -- calling and outcomes -------------------------------------------------------------------


def test_no_call_is_started_outside_allowed_hours(
    session: Any, make_callback: Callable[..., Callback]
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    evening = at("2026-12-01 18:30")
    claim_callback(session, callback.id, amina, evening)
    with pytest.raises(OutsideOutboundHours) as refused:
        start_attempt(session, callback.id, amina, evening)
    assert refused.value.next_allowed == at("2026-12-02 09:00")
    assert refused.value.reason.endswith("possible demain 9 h.")
    assert session.scalar(select(func.count()).select_from(CallbackAttempt)) == 0
    # Christmas Eve evening: the demo's permanence ignores holidays, its callbacks do not.
    christmas_eve = at("2026-12-24 18:30")
    claim_callback(session, callback.id, amina, christmas_eve)
    with pytest.raises(OutsideOutboundHours) as refused:
        start_attempt(session, callback.id, amina, christmas_eve)
    assert refused.value.next_allowed == at("2026-12-28 09:00")
    assert refused.value.reason.endswith("possible lun. 9 h.")


def test_claiming_an_entry_one_is_calling_changes_nothing_and_others_see_who_calls(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina, karim = member(session, "amina"), member(session, "karim")
    call_once(session, callback, amina, clock())
    session.commit()
    session.expire_all()
    before = session.get(Callback, callback.id)
    held = (before.status, before.claimed_by_id, before.claim_expires_at, before.version)
    again = claim_callback(session, callback.id, amina, clock() + timedelta(minutes=5))
    assert again.id == callback.id
    assert (again.status, again.claimed_by_id, again.claim_expires_at, again.version) == held
    assert held[:2] == (CallbackStatus.CALLING, amina.id)
    with pytest.raises(AlreadyClaimed) as refused:
        claim_callback(session, callback.id, karim, clock())
    assert refused.value.by_name == "Amina Diallo"


def test_a_refused_claim_leaves_no_stale_entry_in_the_session(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    """The refusal reads the entry's state below the ORM: the entry the session already
    held (read while it was free) is expired, so it is read again as it now is."""
    callback = make_callback()
    amina, karim = member(session, "amina"), member(session, "karim")
    assert callback.status == CallbackStatus.WAITING
    session.execute(  # taken behind the session's back, as by another request
        update(Callback)
        .where(Callback.id == callback.id)
        .values(
            status=CallbackStatus.CLAIMED,
            claimed_by_id=amina.id,
            claim_expires_at=clock() + timedelta(minutes=15),
        )
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(AlreadyClaimed):
        claim_callback(session, callback.id, karim, clock())
    assert (callback.status, callback.claimed_by_id) == (CallbackStatus.CLAIMED, amina.id)


def test_a_double_click_starts_one_attempt_and_a_missed_staff_leg_allows_another(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    first = call_once(session, callback, amina, clock())
    assert start_attempt(session, callback.id, amina, clock()).id == first.id
    assert first.number == 1
    assert session.get(Callback, callback.id).status == CallbackStatus.CALLING
    note_attempt_leg(
        session,
        attempt_id=first.id,
        leg="staff",
        call_sid="CA" + "1" * 32,
        status="no-answer",
        now=clock(),
    )
    second = start_attempt(session, callback.id, amina, clock() + timedelta(minutes=2))
    assert (second.id != first.id, second.number) == (True, 2)


def test_leg_statuses_are_idempotent_and_never_move_back(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    attempt = call_once(session, make_callback(), member(session, "amina"), clock())
    sid = "CA" + "2" * 32
    note_attempt_leg(
        session, attempt_id=attempt.id, leg="caller", call_sid=sid, status="ringing", now=clock()
    )
    note_attempt_leg(
        session, attempt_id=attempt.id, leg="caller", call_sid=None, status="completed", now=clock()
    )
    note_attempt_leg(
        session,
        attempt_id=attempt.id,
        leg="caller",
        call_sid="CA" + "3" * 32,
        status="in-progress",
        now=clock(),
    )
    note_attempt_leg(
        session, attempt_id=attempt.id, leg="caller", call_sid=sid, status="completed", now=clock()
    )
    assert (attempt.caller_call_sid, attempt.caller_status) == (sid, "completed")
    assert attempt.ended_at is None  # the bridge lives in the staff leg
    note_attempt_leg(
        session, attempt_id=attempt.id, leg="staff", call_sid=None, status="completed", now=clock()
    )
    assert attempt.ended_at == clock()
    with pytest.raises(LookupError):
        note_attempt_leg(
            session,
            attempt_id=attempt.id + 99,
            leg="staff",
            call_sid=None,
            status="completed",
            now=clock(),
        )


def test_reached_closes_the_entry_and_the_same_outcome_twice_changes_nothing(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    attempt = call_once(session, callback, amina, clock())
    done = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.REACHED,
        note=" rdv lundi ",
        referred_to="",
        now=clock(),
    )
    assert (done.callback.status, done.callback.note, done.sms_needed) == (
        CallbackStatus.DONE,
        "rdv lundi",
        False,
    )
    assert (done.callback.handled_by_id, done.callback.closed_at) == (amina.id, clock())
    assert (attempt.result, done.callback.attempts) == ("reached", 1)
    version = done.callback.version
    again = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.REACHED,
        now=clock(),
    )
    assert (again.callback.version, again.callback.note, again.sms_needed) == (
        version,
        "rdv lundi",
        False,
    )
    with pytest.raises(NotClaimable, match="déjà clos"):
        record_outcome(
            session,
            callback_id=callback.id,
            staff=amina,
            outcome=CallbackOutcome.OTHER,
            now=clock(),
        )
    assert callback.id not in [
        e.callback.id for e in list_queue(session, demo_id(session), clock())
    ]


def test_referred_needs_somewhere_and_notes_stay_short(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    claim_callback(session, callback.id, amina, clock())
    with pytest.raises(InvalidInput, match="orientée"):
        record_outcome(
            session,
            callback_id=callback.id,
            staff=amina,
            outcome=CallbackOutcome.REFERRED,
            note="",
            referred_to=" ",
            now=clock(),
        )
    with pytest.raises(InvalidInput, match="500"):
        record_outcome(
            session,
            callback_id=callback.id,
            staff=amina,
            outcome=CallbackOutcome.OTHER,
            note="x" * 501,
            referred_to="",
            now=clock(),
        )
    result = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.REFERRED,
        note="",
        referred_to="CCAS",
        now=clock(),
        called_elsewhere=True,
    )
    assert (result.callback.status, result.callback.referred_to) == (CallbackStatus.DONE, "CCAS")


@pytest.mark.parametrize(
    ("no_answer_at", "due", "listed_as"),
    [
        ("2026-12-01 17:50", "2026-12-02 09:00", "rappel prévu demain 9 h"),
        ("2026-12-04 17:50", "2026-12-07 09:00", "rappel prévu lun. 9 h"),  # a Friday
        ("2026-12-01 10:00", "2026-12-01 11:00", "rappel prévu aujourd'hui 11 h"),
    ],
)
def test_no_answer_schedules_the_next_try_within_allowed_hours(
    session: Any,
    make_callback: Callable[..., Callback],
    no_answer_at: str,
    due: str,
    listed_as: str,
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    now = at(no_answer_at)
    call_once(session, callback, amina, now)
    first = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=now,
    )
    assert (first.callback.status, first.callback.due_at) == (
        CallbackStatus.RETRY_SCHEDULED,
        at(due),
    )
    repeat = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=now,
    )
    assert (repeat.callback.due_at, repeat.callback.attempts) == (at(due), 1)
    [entry] = list_queue(session, demo_id(session), now + timedelta(minutes=1))
    assert entry.reasons[-1] == listed_as
    assert entry.why.endswith(" · 1 tentative · " + listed_as)


def test_the_last_no_answer_abandons_and_asks_for_one_sms(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    callback = make_callback()
    amina = member(session, "amina")
    now = clock()
    result = None
    for _ in range(4):  # the demo allows 3 retries: 4 attempts in all
        call_once(session, callback, amina, now)
        result = record_outcome(
            session,
            callback_id=callback.id,
            staff=amina,
            outcome=CallbackOutcome.NO_ANSWER,
            now=now,
        )
        now = (result.callback.due_at or now) + timedelta(minutes=1)
        assert result.sms_needed is (result.callback.status == CallbackStatus.ABANDONED)
    assert result is not None
    assert (result.callback.status, result.callback.attempts) == (CallbackStatus.ABANDONED, 4)
    again = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=now,
    )
    assert again.sms_needed is False
    assert mark_sms_sent(session, callback.id, now) is True
    assert mark_sms_sent(session, callback.id, now) is False
    assert len(session.get(Callback, callback.id).attempt_rows) == 4


@pytest.mark.parametrize(
    ("phone", "sms_setting", "expected"),
    [(LANDLINE, True, False), (CALLER, False, False), (CALLER, True, True)],
)
def test_the_sms_goes_to_mobiles_of_structures_that_want_it(
    session: Any,
    make_callback: Callable[..., Callback],
    clock: Any,
    phone: str,
    sms_setting: bool,
    expected: bool,
) -> None:
    set_callbacks(session, attempt_delays_minutes=[], sms_after_last_attempt=sms_setting)
    callback = make_callback(phone=phone)
    amina = member(session, "amina")
    call_once(session, callback, amina, clock())
    result = record_outcome(
        session,
        callback_id=callback.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=clock(),
    )
    assert (result.callback.status, result.sms_needed) == (CallbackStatus.ABANDONED, expected)


# -- entries --------------------------------------------------------------------------------


def test_a_manual_entry_uses_the_known_person_s_number(
    session: Any, demo: Any, other: Any, clock: Any
) -> None:
    structure_id = demo_id(session)
    amina = member(session, "amina")
    jean = session.scalar(select(Structure).where(Structure.id == structure_id)).people[0]
    callback = create_manual_callback(
        session,
        structure_id=structure_id,
        staff=amina,
        phone="",
        theme_id=None,
        person_id=jean.id,
        note="vu à l'atelier",
        now=clock(),
    )
    assert (callback.phone_e164, callback.source, callback.status) == (
        "+33600000101",
        CallbackSource.MANUAL,
        CallbackStatus.WAITING,
    )
    typed = create_manual_callback(
        session,
        structure_id=structure_id,
        staff=amina,
        phone="06 12 34 56 78",
        theme_id=None,
        person_id=None,
        note="",
        now=clock(),
    )
    assert typed.phone_e164 == CALLER
    with pytest.raises(InvalidInput, match="Numéro de téléphone invalide"):
        create_manual_callback(
            session,
            structure_id=structure_id,
            staff=amina,
            phone="06 12",
            theme_id=None,
            person_id=None,
            note="",
            now=clock(),
        )
    foreign_theme = session.scalar(select(Structure).where(Structure.slug == "autre")).themes[0]
    with pytest.raises(InvalidInput, match="inconnus"):
        create_manual_callback(
            session,
            structure_id=structure_id,
            staff=amina,
            phone=CALLER,
            theme_id=foreign_theme.id,
            person_id=None,
            note="",
            now=clock(),
        )


def _ended_call(session: Any, sid: str, from_: str = CALLER, **values: Any) -> Call:
    return factories.make_call(
        session, demo_id(session), at("2026-12-01 09:55"), sid=sid, from_=from_, **values
    )


def test_a_missed_call_is_queued_once_when_the_structure_opts_in(
    session: Any, demo: Any, clock: Any
) -> None:
    missed = _ended_call(session, "a")
    assert queue_for_missed_call(session, missed, clock()) is None  # the demo does not opt in
    set_callbacks(session, missed_call_callbacks=True)
    first = queue_for_missed_call(session, missed, clock())
    assert first is not None
    assert first.source == CallbackSource.MISSED_CALL
    assert queue_for_missed_call(session, missed, clock()).id == first.id
    # Calling three times without getting through is still one person to call back.
    assert queue_for_missed_call(session, _ended_call(session, "b"), clock()).id == first.id
    answered = _ended_call(session, "c", from_="+33699999999", answered_at=clock())
    ringing = _ended_call(session, "d", from_="+33699999998")
    ringing.status = "in-progress"
    staff_phone = _ended_call(session, "e", from_="+33600000001")
    hidden = _ended_call(session, "f", from_="anonymous")
    for call in (answered, ringing, staff_phone, hidden):
        assert queue_for_missed_call(session, call, clock()) is None
    assert session.scalar(select(func.count()).select_from(Callback)) == 1


def test_a_call_with_a_message_is_left_to_the_message_s_consent(
    session: Any, demo: Any, clock: Any
) -> None:
    set_callbacks(session, missed_call_callbacks=True)
    call = _ended_call(session, "a")
    factories.make_voicemail(session, call, clock(), consent=False)
    assert queue_for_missed_call(session, call, clock()) is None
    # The other order: the missed-call entry came first, then the message with consent.
    late = _ended_call(session, "b", from_="+33699999999")
    entry = queue_for_missed_call(session, late, clock())
    message = factories.make_voicemail(
        session, late, clock(), consent=True, status=VoicemailStatus.PENDING
    )
    assert entry is not None
    merged = queue_for_voicemail(session, message, late, clock())
    assert (merged.id, merged.source, merged.voicemail_id) == (
        entry.id,
        CallbackSource.VOICEMAIL,
        message.id,
    )


# -- sweeps ---------------------------------------------------------------------------------


def test_the_sweeps_free_lapsed_claims_and_promote_due_retries_twice_safely(
    session: Any, make_callback: Callable[..., Callback], clock: Any
) -> None:
    assert {"expire-callback-claims", "promote-due-retries"} <= {s.id for s in sweeps.SWEEPS}
    retry, held = make_callback(), make_callback()
    amina = member(session, "amina")
    call_once(session, retry, amina, clock())
    record_outcome(
        session,
        callback_id=retry.id,
        staff=amina,
        outcome=CallbackOutcome.NO_ANSWER,
        now=clock(),
    )
    claim_callback(session, held.id, amina, clock())
    session.commit()
    clock.set("2026-12-01 11:30")
    assert sweeps.promote_due_retries() == 1
    assert sweeps.expire_callback_claims() == 1
    assert (sweeps.promote_due_retries(), sweeps.expire_callback_claims()) == (0, 0)
    session.expire_all()
    assert [session.get(Callback, c.id).status for c in (retry, held)] == [
        CallbackStatus.WAITING,
        CallbackStatus.WAITING,
    ]
    assert callbacks.waiting_callbacks(session, demo_id(session))[0].id == retry.id
