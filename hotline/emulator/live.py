"""Simulated time that follows the wall clock, for one emulator shared by running processes.

Tests drive simulated time themselves and never sleep. A running hotline (web, RQ worker,
scheduler as separate processes) cannot be driven so: its worker places a staff leg whenever
it gets to the job, in real time, while the caller waits in a room *in the emulator*. For the
two to meet, the caller and the legs must live in one emulator whose simulated clock moves
with real time — `speed` simulated seconds per real second — so that a ring timeout of 25 s
lasts 25 s / speed for the worker too.

`PacedRunner` is that clock's driver, on a thread of its own: it hands queued REST calls to
the simulation, runs every event due by now, and sleeps until the next one (or until a REST
request or a new inbound call wakes it). `start_call` places an inbound call into the same
world from any thread; `wait` blocks until it ends. `serve(fake, speed=...)` uses it in place
of the instant runner.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from hotline.emulator.call import InboundCall
from hotline.emulator.callers import Caller
from hotline.emulator.errors import EmulatorError
from hotline.emulator.rest import FakeTwilio

logger = logging.getLogger(__name__)

DEFAULT_SPEED = 10.0  # a 25 s ring lasts 2.5 s: quick to watch, slow enough for a worker
LONGEST_NAP = 0.05  # real seconds between looks at the clock when nothing is due sooner


class PacedRunner:
    """Runs `fake`'s simulation at `speed` × real time until `stop()`."""

    def __init__(
        self,
        fake: FakeTwilio,
        speed: float = DEFAULT_SPEED,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise EmulatorError(f"speed must be positive, got {speed!r}")
        self.fake = fake
        self.speed = speed
        # The horizon stops runaway simulations in tests; here time is real and a server may
        # run for days (a week of simulated time passes in 17 hours at speed 10).
        fake.emulator.sim.horizon = math.inf
        self._monotonic = monotonic
        self._origin = monotonic() - fake.emulator.sim.elapsed / speed
        self._wake = threading.Event()
        self._stopping = False
        self.errors = 0  # app errors raised out of the simulation (logged, the run goes on)
        self._thread = threading.Thread(target=self._loop, name="twilio-emulator-paced")
        self._thread.daemon = True

    @property
    def sim_now(self) -> float:
        """Where simulated time should be now, in seconds since the simulation began."""
        return (self._monotonic() - self._origin) * self.speed

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop the clock; calls still going (a caller left in a room) end with it."""
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=30)
        self.fake.emulator.sim.close()

    def start_call(self, from_: str, to: str, caller: Caller | None = None) -> InboundCall:
        """An inbound call into the shared world, starting now (any thread may call this)."""
        call = self.fake.emulator.start_call(from_, to, caller, delay=self.lag())
        self._wake.set()
        return call

    def wait(self, call: InboundCall, timeout: float | None = None) -> bool:
        """Block (real time) until `call` has ended; False when `timeout` seconds passed first."""
        deadline = None if timeout is None else self._monotonic() + timeout
        while not call.done:
            if deadline is not None and self._monotonic() >= deadline:
                return False
            time.sleep(LONGEST_NAP)
        return True

    def lag(self) -> float:
        """How far the simulation is behind the wall clock (a new event is placed at now)."""
        return max(0.0, self.sim_now - self.fake.emulator.sim.elapsed)

    def _loop(self) -> None:
        sim = self.fake.emulator.sim
        while not self._stopping:
            self.fake.dispatch()
            try:
                sim.run(until=self.sim_now)
            except Exception:  # an app error in one call: logged, every other call goes on
                self.errors += 1
                logger.exception("emulated call failed")
                continue
            self._wake.wait(self._nap(sim.next_time()))
            self._wake.clear()

    def _nap(self, next_event: float | None) -> float:
        if next_event is None:
            return LONGEST_NAP
        return min(LONGEST_NAP, max(0.0, (next_event - self.sim_now) / self.speed))
