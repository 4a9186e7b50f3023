"""Simulated time: the scheduler, the account's pacing (CPS) and concurrency limit, the seed."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hotline.emulator import Answers, EmulatorError, NoAnswer, Scheduler, emulator_client

from .conftest import BASE_URL, HOTLINE, twiml

STAFF = [f"+336000001{i:02d}" for i in range(40)]


def test_scheduler_runs_events_in_time_order_without_sleeping():
    sim = Scheduler(seed=1)
    seen: list[tuple[float, str]] = []

    def worker(name: str, pauses: list[float]) -> None:
        for pause in pauses:
            sim.sleep(pause)
            seen.append((sim.elapsed, name))

    sim.spawn(lambda: worker("a", [5, 5]), "a")
    sim.spawn(lambda: worker("b", [3, 3, 3]), "b", delay=1)
    sim.run_until_idle()

    assert seen == [(4, "b"), (5, "a"), (7, "b"), (10, "a"), (10, "b")]
    assert sim.elapsed == 10


def test_advance_stops_at_the_given_time_and_resumes_later():
    sim = Scheduler()
    seen: list[float] = []
    sim.spawn(lambda: [sim.sleep(10), seen.append(sim.elapsed)], "sleeper")

    sim.advance(4)
    assert (sim.elapsed, seen) == (4, [])
    sim.advance(10)
    assert (sim.elapsed, seen) == (14, [10])


def test_a_process_error_reaches_the_driver():
    sim = Scheduler()

    def boom() -> None:
        sim.sleep(1)
        raise EmulatorError("the app broke")

    sim.spawn(boom, "boom")
    with pytest.raises(EmulatorError, match="the app broke"):
        sim.run_until_idle()


def test_close_ends_waiting_processes():
    sim = Scheduler()
    from hotline.emulator.sim import Signal

    never = Signal(sim, "never")
    process = sim.spawn(lambda: sim.wait(never), "waiter")
    sim.run_until_idle()
    assert sim.waiting() == ["waiter"]
    sim.close()
    assert process.done


@pytest.fixture
def hello_app(make_app):
    return make_app({"/outbound/start": twiml("<Say>Bonjour.</Say>")})


def create(client, to, **kwargs):
    return client.calls.create(to=to, from_=HOTLINE, url=f"{BASE_URL}/outbound/start", **kwargs)


def test_calls_are_paced_one_per_second_by_default(hello_app, make_fake):
    fake = make_fake(hello_app, {n: Answers(pickup_seconds=2) for n in STAFF[:5]}, seed=1)
    client = emulator_client(fake)

    created = [create(client, n) for n in STAFF[:5]]
    placed = fake.run_pending()

    assert [c.queue_time for c in created] == ["0", "1000", "2000", "3000", "4000"]
    assert [c.sid for c in placed] == [c.sid for c in created]
    starts = [fake.calls[c.sid].start_time for c in created]
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == [1.0, 1.0, 1.0, 1.0]
    assert (
        "queued 4 s by the account's 1 call/s pacing"
        in fake.calls[created[4].sid].log.events[0].text
    )


def test_calls_per_second_is_configurable(hello_app, make_fake):
    fake = make_fake(hello_app, {}, calls_per_second=5)
    client = emulator_client(fake)

    created = [create(client, n) for n in STAFF[:6]]

    assert [c.queue_time for c in created] == ["0", "200", "400", "600", "800", "1000"]


def test_thirty_participants_at_one_per_second_take_29_simulated_seconds(hello_app, make_fake):
    fake = make_fake(
        hello_app, {n: Answers(pickup_seconds=1, press="wait:5 hangup") for n in STAFF[:30]}
    )
    client = emulator_client(fake)

    for number in STAFF[:30]:
        client.conferences("salle-pacing").participants.create(from_=HOTLINE, to=number)
    fake.run_pending()

    room = fake.emulator.conferences.get("salle-pacing")
    joins = sorted(p.joined_at for p in room.history)
    assert joins[-1] - joins[0] >= 29
    assert fake.emulator.sim.elapsed >= 29


def test_concurrency_limit_refuses_with_16021(hello_app, make_fake):
    fake = make_fake(hello_app, {n: NoAnswer() for n in STAFF[:3]}, max_concurrent_calls=2)
    client = emulator_client(fake)

    create(client, STAFF[0])
    client.conferences("salle").participants.create(from_=HOTLINE, to=STAFF[1])
    with pytest.raises(TwilioRestException) as refused:
        client.conferences("salle").participants.create(from_=HOTLINE, to=STAFF[2])
    with pytest.raises(TwilioRestException) as refused_call:
        create(client, STAFF[2])

    assert refused.value.code == refused_call.value.code == 16021
    fake.run_pending()  # both ring out: the account is free again
    create(client, STAFF[2])


def test_seed_makes_sids_and_runs_reproducible(hello_app, make_fake):
    def run(seed):
        fake = make_fake(hello_app, {STAFF[0]: Answers()}, seed=seed)
        call = create(emulator_client(fake), STAFF[0])
        fake.run_pending()
        return call.sid, fake.calls[call.sid].log.transcript(times=True)

    assert run(7) == run(7)
    assert run(7) != run(8)
