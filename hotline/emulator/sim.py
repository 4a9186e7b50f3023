"""Simulated time: a small discrete-event scheduler that runs calls side by side, never sleeping.

Every emulated call runs as a *process*: ordinary blocking code (the TwiML interpreter) on its
own thread, but only one process runs at a time and only when the scheduler hands it the baton,
so a run is as deterministic as single-threaded code. A process gives the baton back when it
waits for simulated time (`sleep`) or for something to happen (`wait` on a `Signal`, e.g. "the
conference started" or "you were kicked"). The scheduler then runs the next event in simulated-
time order (ties in the order they were scheduled), moving `elapsed` forward without sleeping.

Test-facing: `Scheduler.advance(seconds)`, `run_until_idle()`, `run(until=..., stop=...)`,
`elapsed` (seconds since the simulation started), `random` (seeded by `seed`) and `between`
(callables run before each event, e.g. a test's job runner).
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hotline.emulator.errors import EmulatorError

# A simulation longer than this is a runaway (a caller waiting forever in an empty room...).
DEFAULT_HORIZON = 7 * 24 * 3600.0


class SimulationStopped(BaseException):  # noqa: N818 - not an error: a process is being ended
    """Raised inside a waiting process when the scheduler is closed."""


@dataclass(order=True)
class _Entry:
    time: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)


class Process:
    """One call (or other activity) running on its own thread under the scheduler's baton."""

    def __init__(self, sim: Scheduler, body: Callable[[], object], name: str) -> None:
        self.sim = sim
        self.name = name
        self.body = body
        self.done = False
        self.result: object = None
        self.error: BaseException | None = None
        self.stopping = False
        self._go = threading.Event()
        self._token = 0
        self._woken_by_signal = False
        self._thread = threading.Thread(target=self._main, name=f"sim:{name}", daemon=True)
        self._started = False

    def _main(self) -> None:
        self.sim._local.process = self
        self._go.wait()
        self._go.clear()
        try:
            if self.stopping:
                raise SimulationStopped()
            self.result = self.body()
        except SimulationStopped:
            pass
        except BaseException as err:  # handed to the driver, re-raised there
            self.error = err
        finally:
            self.done = True
            self.sim._baton.set()

    def _resume(self, token: int | None, by_signal: bool = False) -> None:
        """Scheduler side: let this process run until it yields again."""
        if self.done or (token is not None and token != self._token):
            return  # a stale wake-up (the process was already woken otherwise)
        self._token += 1
        self._woken_by_signal = by_signal
        if not self._started:
            self._started = True
            self._thread.start()
        self._go.set()
        self.sim._baton.wait()
        self.sim._baton.clear()
        if self.error is not None:
            err, self.error = self.error, None
            raise err

    def _yield(self) -> None:
        """Process side: give the baton back and block until resumed."""
        self.sim._baton.set()
        self._go.wait()
        self._go.clear()
        if self.stopping:
            raise SimulationStopped()


class Signal:
    """Something processes can wait for; `fire()` wakes every waiter at the current time."""

    def __init__(self, sim: Scheduler, name: str = "") -> None:
        self.sim = sim
        self.name = name
        self.fired = False
        self._waiters: list[tuple[Process, int]] = []

    def fire(self) -> None:
        self.fired = True
        waiters, self._waiters = self._waiters, []
        for process, token in waiters:
            self.sim.schedule(0, _waker(process, token), f"wake {process.name}")

    def _add(self, process: Process, token: int) -> None:
        self._waiters.append((process, token))


def _waker(process: Process, token: int) -> Callable[[], None]:
    return lambda: process._resume(token, by_signal=True)


class Scheduler:
    """The simulated clock and event loop. `seed` makes everything random reproducible."""

    def __init__(self, seed: int | None = None, horizon: float = DEFAULT_HORIZON) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.horizon = horizon
        self.elapsed = 0.0
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._baton = threading.Event()
        self._local = threading.local()
        self._driving = False
        self._processes: list[Process] = []
        # Run on the driving thread before each event: what the app's side does meanwhile
        # (a test runs the app's job queue here, as a worker would while calls go on).
        self.between: list[Callable[[], None]] = []

    # -- scheduling (thread-safe) ------------------------------------------------------------
    def schedule(self, delay: float, action: Callable[[], None], label: str = "") -> _Entry:
        """Run `action` (on the driving thread) `delay` simulated seconds from now."""
        if delay < 0:
            raise EmulatorError(f"cannot schedule in the past ({delay} s)")
        with self._lock:
            entry = _Entry(self.elapsed + delay, next(self._seq), action, label)
            heapq.heappush(self._heap, entry)
            return entry

    def spawn(self, body: Callable[[], object], name: str, delay: float = 0.0) -> Process:
        """Start `body` as a process `delay` seconds from now."""
        process = Process(self, body, name)
        with self._lock:
            self._processes.append(process)
        self.schedule(delay, lambda: process._resume(None), f"start {name}")
        return process

    def current(self) -> Process | None:
        """The process running on this thread, or None on a driving/plain thread."""
        return getattr(self._local, "process", None)

    # -- inside a process ----------------------------------------------------------------------
    def _require_process(self) -> Process:
        process = self.current()
        if process is None:
            raise EmulatorError("only a simulated call can wait for simulated time")
        return process

    def sleep(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass for the calling process."""
        process = self._require_process()
        token = process._token
        self.schedule(max(0.0, seconds), lambda: process._resume(token), f"wake {process.name}")
        process._yield()

    def wait(self, signal: Signal, timeout: float | None = None) -> bool:
        """Wait until `signal` fires (True) or `timeout` simulated seconds pass (False)."""
        process = self._require_process()
        if signal.fired:
            return True
        token = process._token
        signal._add(process, token)
        if timeout is not None:
            self.schedule(max(0.0, timeout), lambda: process._resume(token), f"timeout {signal}")
        process._yield()
        return process._woken_by_signal

    # -- driving -------------------------------------------------------------------------------
    def run(self, until: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Run events in time order until none is left, `until` is reached or `stop()` holds.

        `until` is an absolute simulated time (seconds); when given, the clock ends there even
        if nothing happens in between. A process error is re-raised here.
        """
        if self.current() is not None:
            raise EmulatorError("the simulation cannot be driven from inside a simulated call")
        if self._driving:
            raise EmulatorError("the simulation is already being driven")
        self._driving = True
        try:
            while not (stop and stop()):
                for hook in self.between:
                    hook()
                with self._lock:
                    if not self._heap or (until is not None and self._heap[0].time > until):
                        break
                    entry = heapq.heappop(self._heap)
                if entry.time > self.horizon:
                    raise EmulatorError(
                        f"simulation ran past {self.horizon:.0f} s ({entry.label}): a call"
                        " never ends? (give callers a script that hangs up)"
                    )
                if entry.cancelled:
                    continue
                self.elapsed = max(self.elapsed, entry.time)
                entry.action()
            if until is not None and not (stop and stop()):
                self.elapsed = max(self.elapsed, until)
        finally:
            self._driving = False

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass, running everything due meanwhile."""
        self.run(until=self.elapsed + seconds)

    def run_until_idle(self) -> None:
        """Run until no event is scheduled (waiting processes may remain, e.g. in a room)."""
        self.run()

    def next_time(self) -> float | None:
        """When the next scheduled event is due (None when nothing is scheduled)."""
        with self._lock:
            return self._heap[0].time if self._heap else None

    @property
    def driving(self) -> bool:
        return self._driving

    @property
    def idle(self) -> bool:
        with self._lock:
            return not any(not e.cancelled for e in self._heap)

    def waiting(self) -> list[str]:
        """Names of processes started and not finished (waiting for a signal or a timer)."""
        return [p.name for p in self._processes if p._started and not p.done]

    def close(self) -> None:
        """End every unfinished process (their threads exit); the scheduler is then empty."""
        with self._lock:
            self._heap.clear()
            processes = list(self._processes)
        for process in processes:
            if process._started and not process.done:
                process.stopping = True
                process._go.set()
                process._thread.join(timeout=5)
        self._baton.clear()
