"""How `hotline run` stops what it started: Ctrl-C and SIGTERM are noted, never raised.

A KeyboardInterrupt raised inside the clean-up used to cut it short (a redis-server left
running, "Aborted!", exit 1). The whole path, with real processes, is `test_run_command.py`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator

import pytest

from hotline.cli import children

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def stop() -> Iterator[children.StopRequest]:
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {signum: signal.getsignal(signum) for signum in handled}
    try:
        yield children.StopRequest()
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_ends_the_wait_and_every_child_is_stopped(
    stop: children.StopRequest, signum: int
) -> None:
    processes = children.start([SLEEPER, SLEEPER], dict(os.environ))
    os.kill(os.getpid(), signum)  # Ctrl-C, or a process manager
    assert children.wait(processes, stop, tick=0.05) is None
    assert stop.signal == signum
    closed: list[bool] = []
    children.stop_all(processes, then=lambda: closed.append(True))
    assert [process.returncode for process in processes] == [-signal.SIGTERM] * 2
    assert closed == [True]


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(children, "GRACE_SECONDS", 0.5)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited: ignored from birth
    try:
        processes = children.start([SLEEPER], dict(os.environ))
    finally:
        signal.signal(signal.SIGTERM, previous)
    children.stop_all(processes, then=lambda: None)
    assert processes[0].returncode == -signal.SIGKILL


def test_a_child_that_dies_ends_the_wait(stop: children.StopRequest) -> None:
    quick = [sys.executable, "-c", "raise SystemExit(3)"]
    processes = children.start([SLEEPER, quick], dict(os.environ))
    ended = children.wait(processes, stop, tick=0.05)
    children.stop_all(processes, then=lambda: None)
    assert ended is processes[1]
    assert ended.returncode == 3
