"""Ringing staff for an inbound call while the caller waits in a room (issue 8, item 8).

Under Twilio's documented simultaneous-dial rule (the emulator's default), one `<Dial>` of
several phones would let a personal voicemail that picks up first hang up every colleague.
So the caller waits in a conference of their own while the `ring_staff` job calls each free
staff member through the gateway; the jobs run between simulated events (`hotline.cli.inline_jobs`).
Tuesday 10:00: Amina (administratif), Karim (social) and Camille (numérique) are on duty, so
key 0 ("any theme") rings all three.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline.emulator import (
    Answers,
    Busy,
    Emulator,
    FakeTwilio,
    NoAnswer,
    PersonalVoicemail,
    PhoneBook,
    ScriptedCaller,
)
from hotline.models import Call, Callback, CallEvent, Staff
from tests.inbound_helpers import AMINA, CALLER, CAMILLE, DEMO_NUMBER, FRENCH, KARIM, SOCIAL, fr

pytestmark = pytest.mark.usefixtures("demo")
ANY_THEME = "0"
TALKS = "1 wait:60 hangup"  # presses 1, talks a minute, hangs up
WAITS = "wait:600"  # in the waiting room: stays until someone comes or the app moves them


def installed_fake(app: Any) -> FakeTwilio:
    from hotline import gateway

    return gateway.installed_client(app).fake  # type: ignore[union-attr]


def staff_legs(app: Any) -> dict[str, Any]:
    """The calls the jobs placed, by the number called."""
    return {call.to: call for call in installed_fake(app).calls.values()}


def room_of(emulator: Emulator, log: Any) -> Any:
    """The caller's waiting room; None when they were moved on before getting in."""
    name = f"accueil-{log.call_sid}"
    return next((room for room in emulator.conferences if room.friendly_name == name), None)


def test_a_voicemail_picks_up_first_and_the_caller_talks_to_the_second(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any
) -> None:
    """The required case: the voicemail's pick-up ends nothing but its own leg."""
    phones[AMINA] = PersonalVoicemail(pickup_seconds=2)
    phones[KARIM] = Answers(press=TALKS, pickup_seconds=6)
    phones[CAMILLE] = NoAnswer()
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ANY_THEME}"))

    room = room_of(emulator, log)
    assert [p.number for p in room.history] == [CALLER, KARIM]
    legs = staff_legs(app)
    assert set(legs) == {AMINA, KARIM, CAMILLE}
    voicemail = legs[AMINA].log
    assert voicemail.ended_by == "hangup-verb"  # the screen hung up on it: it never joined
    assert fr("whisper", theme=fr("any_theme_label")) in voicemail.heard_text
    assert legs[CAMILLE].status == "canceled"  # cancelled once Karim took the call
    assert legs[KARIM].log.heard[-1] == fr("whisper_accepted")
    # the caller heard the sentence, then the waiting tone, and never the voicemail offer
    assert log.heard_contains(fr("connecting", theme=fr("any_theme_label")))
    assert any("tonalite_attente.wav" in heard for heard in log.heard)
    assert log.heard_contains(fr("goodbye"))
    assert not log.heard_contains(fr("nobody_available", theme=fr("any_theme_label")))
    stored = session.scalar(select(Call).where(Call.call_sid == log.call_sid))
    karim = session.scalar(select(Staff).where(Staff.key == "karim"))
    assert (stored.staff_id, stored.staff_connected) == (karim.id, False)
    assert KARIM not in log.heard_text
    assert AMINA not in log.heard_text


def test_every_staff_leg_shows_the_hotline_number(
    app: Any, emulator: Emulator, phones: PhoneBook
) -> None:
    for number in (AMINA, KARIM, CAMILLE):
        phones[number] = NoAnswer()
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ANY_THEME} {WAITS}"))

    assert {call.from_ for call in staff_legs(app).values()} == {DEMO_NUMBER}


@pytest.mark.parametrize("behaviour", [NoAnswer(), Busy(), PersonalVoicemail()])
def test_nobody_takes_the_call_and_the_caller_is_offered_the_voicemail(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any, behaviour: Any
) -> None:
    phones[KARIM] = behaviour
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL} {WAITS} # 1"))

    assert log.heard_contains(fr("nobody_available", theme="l'accompagnement social"))
    assert log.recordings
    assert log.recordings[0].status == "completed"
    assert log.heard_contains(fr("callback_confirmed"))
    callback = session.scalar(select(Callback))
    assert (callback.phone_e164, callback.theme.key) == (CALLER, "social")
    room = room_of(emulator, log)  # busy phones: released before they even got in
    assert room is None or [p.number for p in room.history] == [CALLER]
    assert not log.bridged_to_personal_voicemail
    # out of the room within the ring (25 s) and two screens, not after the room's time limit
    assert emulator.sim.elapsed < 300


def test_the_caller_hangs_up_while_waiting_and_the_staff_legs_are_cancelled(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any
) -> None:
    for number in (AMINA, KARIM, CAMILLE):
        phones[number] = NoAnswer()
    log = emulator.place_call(
        CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ANY_THEME} wait:8 hangup")
    )
    emulator.sim.run_until_idle()

    legs = staff_legs(app)
    assert {call.status for call in legs.values()} == {"canceled"}
    assert all((call.duration or 0) == 0 for call in legs.values())
    assert log.ended_by == "caller-hangup"
    stored = session.scalar(select(Call).where(Call.call_sid == log.call_sid))
    assert stored.status == "completed"
    assert stored.answered_at is None
    ended = session.scalars(
        select(CallEvent.detail).where(
            CallEvent.call_id == stored.id, CallEvent.kind.startswith("ring-end:")
        )
    ).all()
    assert ended == ["canceled"] * 3


def test_a_missed_call_still_becomes_a_callback_when_the_caller_leaves_the_room(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any, load_structure: Any
) -> None:
    load_structure(lambda data: data["callbacks"].update(missed_call_callbacks=True))
    phones[KARIM] = NoAnswer()
    emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL} wait:8 hangup"))
    emulator.sim.run_until_idle()

    callback = session.scalar(select(Callback))
    assert callback is not None
    assert callback.phone_e164 == CALLER
    assert staff_legs(app)[KARIM].status == "canceled"


def test_two_pick_up_at_once_and_only_one_joins(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any
) -> None:
    """End to end; the truly simultaneous presses are in `test_concurrent_accept`."""
    # Placed 0 s and 2 s after the job ran (the account's 1 call/s pacing; Camille is placed
    # between them): both pick up, hear the screen and press 1 at the same simulated instant.
    phones[AMINA] = Answers(press=TALKS, pickup_seconds=4)
    phones[KARIM] = Answers(press=TALKS, pickup_seconds=2)
    phones[CAMILLE] = NoAnswer()
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ANY_THEME}"))
    emulator.sim.run_until_idle()

    legs = staff_legs(app)
    pressed = [n for n in (AMINA, KARIM) if "keys: 1" in legs[n].log.transcript()]
    assert pressed == [AMINA, KARIM]
    room = room_of(emulator, log)
    joined = [p.number for p in room.history if p.number != CALLER]
    assert len(joined) == 1
    loser = legs[KARIM if joined == [AMINA] else AMINA].log
    assert loser.ended_by in ("hangup-verb", "api-hangup")  # told, or cancelled first
    if loser.ended_by == "hangup-verb":
        assert loser.heard[-1] == fr("whisper_taken")
    assert log.heard_contains(fr("goodbye"))


def test_a_lost_leg_report_does_not_leave_the_caller_waiting(
    app: Any,
    emulator: Emulator,
    phones: PhoneBook,
    session: Any,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every end report of the staff legs is lost: the sweep still sends the caller on."""
    from hotline.calls import ringing
    from workers import sweeps

    phones[KARIM] = NoAnswer()
    monkeypatch.setattr(ringing, "note_leg_ended", lambda *args, **kwargs: False)
    start = clock()
    swept: list[int] = []

    def follow_the_simulation() -> None:  # the app's clock moves with simulated time
        clock.instant = start + timedelta(seconds=emulator.sim.elapsed)
        if emulator.sim.elapsed >= 240 and not swept:  # the scheduler's minute sweep
            swept.append(sweeps.release_forgotten_waits())

    emulator.sim.between.insert(0, follow_the_simulation)
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL} {WAITS} # 1"))

    assert swept == [1]
    assert log.heard_contains(fr("nobody_available", theme="l'accompagnement social"))
    assert log.heard_contains(fr("callback_confirmed"))
    assert emulator.sim.elapsed < 600


def test_a_ringing_job_lost_with_redis_is_queued_again_by_the_sweep(
    app: Any, emulator: Emulator, phones: PhoneBook, clock: Any
) -> None:
    """Redis restarts empty between the menu's commit and the worker: nobody is rung.

    The job is really lost (the queue's database is flushed, as a restart without
    persistence does); the sweep finds the caller waiting with nobody rung and rings again.
    """
    from hotline import tasks
    from hotline.extensions import redis_store
    from workers import sweeps

    phones[KARIM] = Answers(press=TALKS, pickup_seconds=4)
    start = clock()
    lost: list[str] = []
    swept: list[int] = []

    def redis_restarts_empty() -> None:  # before the worker's turn (runs first)
        queued = redis_store.queue().job_ids
        if not lost and any(j.startswith(tasks.RING_STAFF.job_id(0)[:-1]) for j in queued):
            lost.extend(queued)
            redis_store.connection.flushdb()

    def scheduler_sweeps() -> None:  # the app's clock follows simulated time
        clock.instant = start + timedelta(seconds=emulator.sim.elapsed)
        if emulator.sim.elapsed >= 90 and not swept:  # about a minute after the menu
            with app.app_context():
                swept.append(sweeps.ring_unrung_waits())

    emulator.sim.between[:0] = [redis_restarts_empty, scheduler_sweeps]
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL}"))

    assert lost
    assert swept == [1]
    room = room_of(emulator, log)
    assert [p.number for p in room.history] == [CALLER, KARIM]
    assert log.heard_contains(fr("goodbye"))
    with app.app_context():
        assert sweeps.ring_unrung_waits() == 0  # rung: the sweep leaves the call alone now


def test_a_release_job_lost_with_redis_is_queued_again_by_the_sweep(
    app: Any, emulator: Emulator, phones: PhoneBook, clock: Any
) -> None:
    """Nobody answered, and the job taking the caller to the voicemail died with Redis."""
    from hotline import tasks
    from hotline.extensions import redis_store
    from workers import sweeps

    phones[KARIM] = NoAnswer()
    start = clock()
    lost: list[str] = []
    swept: list[int] = []

    def redis_restarts_empty() -> None:
        queued = redis_store.queue().job_ids
        if not lost and any(j.startswith(tasks.RELEASE_CALLER.id_prefix) for j in queued):
            lost.extend(queued)
            redis_store.connection.flushdb()

    def scheduler_sweeps() -> None:
        clock.instant = start + timedelta(seconds=emulator.sim.elapsed)
        if lost and not swept:
            with app.app_context():
                if sweeps.release_forgotten_waits():
                    swept.append(emulator.sim.elapsed)

    emulator.sim.between[:0] = [redis_restarts_empty, scheduler_sweeps]
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL} {WAITS} # 1"))

    assert lost
    assert len(swept) == 1
    assert log.heard_contains(fr("nobody_available", theme="l'accompagnement social"))
    assert log.heard_contains(fr("callback_confirmed"))
    assert emulator.sim.elapsed < 200  # the grace (20 s) after the ring, not minutes


def test_redis_unavailable_when_the_caller_picks_a_theme_offers_the_voicemail_at_once(
    emulator: Emulator, session: Any, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    """No job can be queued: the caller is not left waiting for nobody, nor answered a 500.

    The ringing job has no outbox row (the sweep `ring-unrung-waits` is its safety net): the
    caller is marked released, so that sweep leaves them alone, and a job run later anyway
    rings nobody.
    """
    from hotline import calls, tasks
    from hotline.emulator import parse_twiml
    from hotline.models import Call, OutboxJob
    from workers import ring

    def unavailable(task: Any, row_id: int) -> bool:
        raise RuntimeError("REDIS_URL is not set")

    monkeypatch.setattr(tasks, "enqueue", unavailable)
    params = emulator.call_params("CA" + "5" * 32, CALLER, DEMO_NUMBER)
    emulator.post("/voice/incoming", params)
    response = emulator.post(
        "/voice/menu?node=choose_language&lang=fr&attempt=1", {**params, "Digits": FRENCH}
    )
    response = emulator.post(
        "/voice/menu?node=main_menu&lang=fr&attempt=1", {**params, "Digits": SOCIAL}
    )

    assert response.status == 200
    verbs = parse_twiml(response.body)
    assert verbs[0].text == fr("nobody_available", theme="l'accompagnement social")
    assert "Record" in [verb.name for verb in verbs]
    assert "Dial" not in [verb.name for verb in verbs]
    assert session.scalar(select(OutboxJob)) is None
    call = session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    assert call.id not in calls.unrung_waits(session, clock() + timedelta(minutes=1))
    assert ring.ring_staff(call.id) == []  # queued later anyway: nobody is rung


def test_a_leg_the_provider_refuses_leaves_the_others_ringing(
    app: Any, emulator: Emulator, phones: PhoneBook, session: Any
) -> None:
    """Amina's number is refused (no geographic permission): Karim still gets the caller."""
    from hotline.emulator.rest_faults import GEO_PERMISSION

    phones.add(AMINA, Answers(press=TALKS), rest_error=GEO_PERMISSION)
    phones[KARIM] = Answers(press=TALKS, pickup_seconds=5)
    phones[CAMILLE] = NoAnswer()
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {ANY_THEME}"))

    assert set(staff_legs(app)) == {KARIM, CAMILLE}
    assert [p.number for p in room_of(emulator, log).history] == [CALLER, KARIM]


def test_when_the_provider_refuses_every_leg_the_caller_goes_to_the_voicemail_at_once(
    app: Any, emulator: Emulator, phones: PhoneBook
) -> None:
    from hotline.emulator.rest_faults import GEO_PERMISSION

    phones.add(KARIM, Answers(press=TALKS), rest_error=GEO_PERMISSION)
    log = emulator.place_call(CALLER, DEMO_NUMBER, ScriptedCaller(f"{FRENCH} {SOCIAL} {WAITS} # 2"))

    assert staff_legs(app) == {}
    assert log.heard_contains(fr("nobody_available", theme="l'accompagnement social"))
    assert log.heard_contains(fr("callback_declined"))
    assert room_of(emulator, log) is None  # sent on before it even got into the room


def test_a_staff_phone_that_picks_up_after_the_caller_left_hears_so(
    emulator: Emulator, session: Any
) -> None:
    """A leg answered in the instant before its cancellation arrived: one sentence, hang up."""
    from hotline.emulator import parse_twiml

    params = emulator.call_params("CA" + "6" * 32, CALLER, DEMO_NUMBER)
    emulator.post("/voice/incoming", params)
    emulator.post("/voice/status", {**params, "CallStatus": "completed", "CallDuration": "9"})
    karim = session.scalar(select(Staff).where(Staff.key == "karim"))
    leg = {
        **emulator.call_params("CA" + "7" * 32, DEMO_NUMBER, KARIM),
        "Direction": "outbound-api",
        "CallStatus": "in-progress",
    }
    response = emulator.post(
        f"/voice/ring/staff?call={params['CallSid']}&staff={karim.id}&theme=social", leg
    )

    verbs = parse_twiml(response.body)
    assert [v.name for v in verbs] == ["Say", "Hangup"]
    assert verbs[0].text == fr("whisper_caller_gone")


def test_once_the_caller_is_gone_even_the_leg_that_took_the_call_is_hung_up(
    emulator: Emulator, session: Any, clock: Any
) -> None:
    """Karim pressed 1 in the instant the caller hung up: his leg must not wait alone."""
    from hotline import calls
    from hotline.calls import ringing

    params = emulator.call_params("CA" + "8" * 32, CALLER, DEMO_NUMBER)
    emulator.post("/voice/incoming", params)
    call = session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    karim = session.scalar(select(Staff).where(Staff.key == "karim"))
    amina = session.scalar(select(Staff).where(Staff.key == "amina"))
    ringing.note_leg_placed(session, call, karim.id, "CA" + "a" * 32, clock())
    ringing.note_leg_placed(session, call, amina.id, "CA" + "b" * 32, clock())
    assert calls.connect_staff(session, call.call_sid, karim.id, clock())

    assert [leg.staff_id for leg in ringing.legs_to_cancel(session, call)] == [amina.id]
    calls.apply_status(session, call.call_sid, "completed", 3, 40, clock())
    assert [leg.staff_id for leg in ringing.legs_to_cancel(session, call)] == [karim.id, amina.id]
