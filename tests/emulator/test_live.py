"""One emulator for running processes: simulated time paced by the wall clock (`live`).

A worker that places a staff leg whenever it gets to its job must find the caller still
waiting in the room: both live in one emulator whose clock moves `speed` times faster than
real time. The pacing is checked with an injected clock (no sleeps measured); the meeting
with a real client from another thread, as a worker's request would come.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from twilio.rest import Client
from werkzeug.serving import make_server

from hotline.emulator import (
    Answers,
    Emulator,
    EmulatorError,
    FakeTwilio,
    HttpTransport,
    PhoneBook,
    ScriptedCaller,
    WsgiTransport,
    serve,
)
from hotline.emulator.live import PacedRunner

from .conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, CALLER, HOTLINE, twiml

STAFF = "+33611111111"
ROOM = (
    '<Dial><Conference startConferenceOnEnter="{start}" endConferenceOnExit="true">'
    "salle</Conference></Dial>"
)


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the paced runner did not get there")
        time.sleep(0.01)


@pytest.fixture
def paced_pause(make_app) -> Iterator[tuple[PacedRunner, ManualClock]]:
    app = make_app({"/voice/incoming": twiml('<Pause length="20"/><Hangup/>')})
    emulator = Emulator(WsgiTransport(app.app), BASE_URL, AUTH_TOKEN, ACCOUNT_SID)
    clock = ManualClock()
    runner = PacedRunner(FakeTwilio(emulator), speed=10, monotonic=clock)
    runner.start()
    yield runner, clock
    runner.stop()


def test_simulated_time_follows_the_wall_clock_at_its_speed(paced_pause) -> None:
    runner, clock = paced_pause
    call = runner.start_call(CALLER, HOTLINE, ScriptedCaller())
    sim = runner.fake.emulator.sim

    clock.now = 1.0  # one real second: ten simulated, half the pause
    eventually(lambda: sim.elapsed >= 10.0)
    assert not call.done
    assert sim.elapsed == pytest.approx(10.0)

    clock.now = 2.5  # twenty-five: the pause is over
    assert runner.wait(call, timeout=10)
    assert call.log.ended_by == "hangup-verb"
    assert 20.0 <= call.log.events[-1].at <= 25.0


def test_a_call_started_later_starts_at_the_wall_clocks_simulated_now(paced_pause) -> None:
    runner, clock = paced_pause
    clock.now = 3.0
    eventually(lambda: runner.fake.emulator.sim.elapsed >= 30.0)

    call = runner.start_call(CALLER, HOTLINE, ScriptedCaller())
    clock.now = 6.0
    assert runner.wait(call, timeout=10)
    assert call.log.events[0].at == pytest.approx(30.0)


def test_a_server_paced_by_the_clock_has_no_horizon(paced_pause) -> None:
    """A week of simulated time passes in 17 hours at speed 10: `make run` must outlive it."""
    runner, clock = paced_pause
    clock.now = 8 * 24 * 3600 / runner.speed
    eventually(lambda: runner.fake.emulator.sim.elapsed >= 8 * 24 * 3600)
    call = runner.start_call(CALLER, HOTLINE, ScriptedCaller())
    clock.now += 3.0
    assert runner.wait(call, timeout=10)
    assert runner.errors == 0


def test_speed_must_be_positive(make_app) -> None:
    emulator = Emulator(WsgiTransport(make_app({}).app), BASE_URL, AUTH_TOKEN, ACCOUNT_SID)
    with pytest.raises(EmulatorError, match="speed"):
        PacedRunner(FakeTwilio(emulator), speed=0)


@pytest.fixture
def web(make_app) -> Iterator[str]:
    """A web app served over HTTP: the caller waits in a room, the staff leg joins it."""
    app = make_app(
        {
            "/voice/incoming": twiml(ROOM.format(start="false")),
            "/staff/screen": twiml(ROOM.format(start="true")),
        }
    )
    server = make_server("127.0.0.1", 0, app.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(autouse=True)
def _local_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@dataclass
class PacedServer:
    """The emulator served over HTTP on a paced clock, as `hotline run` starts it."""

    fake: FakeTwilio
    runner: PacedRunner
    api: str

    @property
    def emulator(self) -> Emulator:
        return self.fake.emulator

    def client(self) -> Client:
        """The stock twilio client a worker uses, pointed at this server."""
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = self.api
        return client

    def door(self, *, signed: bool = True) -> requests.Session:
        http = requests.Session()
        http.trust_env = False
        if signed:
            http.auth = (ACCOUNT_SID, AUTH_TOKEN)
        return http


@pytest.fixture
def paced(web: str) -> Iterator[PacedServer]:
    """The staff phone answers after 2 s and hangs up 30 s later; 50 × real time."""
    phones = PhoneBook({STAFF: Answers(pickup_seconds=2, hangup_after=30)})
    fake = FakeTwilio(Emulator(HttpTransport(), web, AUTH_TOKEN, ACCOUNT_SID, phones=phones))
    runner = PacedRunner(fake, speed=50)
    api, stop = serve(fake, paced=runner)  # starts the runner; stop() stops it
    yield PacedServer(fake, runner, api)
    stop()


def test_a_leg_placed_later_from_another_process_meets_the_waiting_caller(
    web: str, paced: PacedServer
) -> None:
    """What `make soak` needs: a worker's REST call, made in real time, joins the caller."""
    call = paced.runner.start_call(CALLER, HOTLINE, ScriptedCaller())
    eventually(lambda: any(room.participants for room in paced.emulator.conferences))
    time.sleep(0.2)  # the worker takes its time: ten simulated seconds of waiting tone
    paced.client().calls.create(to=STAFF, from_=HOTLINE, url=f"{web}/staff/screen")

    assert paced.runner.wait(call, timeout=20)
    room = next(iter(paced.emulator.conferences))
    assert [p.number for p in room.history] == [CALLER, STAFF]
    assert call.log.ended_by != "hangup-verb"


def test_the_servers_door_places_a_scripted_call_and_tells_how_it_went(
    web: str, paced: PacedServer
) -> None:
    """`hotline call --url --keys`: the call lives in the server's world, staff legs included."""
    door = f"{paced.api}/_emulator/calls"
    call = {"From": CALLER, "To": HOTLINE, "Keys": ""}
    assert paced.door(signed=False).post(door, data=call).status_code == 401
    http = paced.door()
    assert http.post(door, data={"From": CALLER, "To": HOTLINE}).status_code == 400
    assert http.get(f"{door}/CA{'0' * 32}").status_code == 404
    placed = http.post(door, data=call)
    assert placed.status_code == 201
    sid = placed.json()["sid"]
    eventually(lambda: any(room.participants for room in paced.emulator.conferences))
    paced.client().calls.create(to=STAFF, from_=HOTLINE, url=f"{web}/staff/screen?call={sid}")
    eventually(lambda: http.get(f"{door}/{sid}").json()["done"], seconds=20)

    state = http.get(f"{door}/{sid}", params={"ascii": "1"}).json()
    assert "joined conference salle" in state["transcript"]
    [staff] = state["staff"]
    assert STAFF in staff


def test_the_door_says_how_the_staff_phones_rung_for_that_call_behave(
    web: str, paced: PacedServer
) -> None:
    """`hotline call --url --staff no-answer`: only the legs for this call ring out."""
    http, door = paced.door(), f"{paced.api}/_emulator/calls"
    call = {"From": CALLER, "To": HOTLINE, "Keys": ""}
    assert http.post(door, data={**call, "Staff": "asleep"}).status_code == 400
    sid = http.post(door, data={**call, "Staff": "no-answer"}).json()["sid"]
    client = paced.client()
    mine = client.calls.create(to=STAFF, from_=HOTLINE, url=f"{web}/staff/screen?call={sid}")
    other = client.calls.create(to=STAFF, from_=HOTLINE, url=f"{web}/staff/screen")
    eventually(lambda: paced.fake.calls[mine.sid].done, seconds=20)
    assert paced.fake.calls[mine.sid].status == "no-answer"
    other_log = lambda: paced.fake.calls[other.sid].log  # noqa: E731
    eventually(lambda: other_log() is not None and bool(other_log().events_of("conference")))
    # the phone book's own behaviour for a call made for nobody in particular: answered
