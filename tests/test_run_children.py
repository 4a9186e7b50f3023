"""How `hotline run` guards its instance and stops what it started, in-process and quickly.

One lock per instance folder, busy ports named before anything starts; Ctrl-C and SIGTERM
are noted, never raised.

A KeyboardInterrupt raised inside the clean-up used to cut it short (a redis-server left
running, "Aborted!", exit 1). The whole path, with real processes, is `test_run_command.py`.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import children, main

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def test_the_run_lock_is_taken_once_per_instance_and_names_the_holder(tmp_path: Path) -> None:
    from hotline.cli import run_guard
    from hotline.cli.app import Refusal

    held = run_guard.acquire(tmp_path, _free_port(), _free_port())
    try:
        with pytest.raises(Refusal, match=rf"hotline tourne déjà .*processus {os.getpid()}"):
            run_guard.acquire(tmp_path, _free_port(), _free_port())
        assert run_guard.running_emulator_port(tmp_path) is not None
    finally:
        held.release()
    run_guard.acquire(tmp_path, _free_port(), None).release()  # free again once released


def test_a_port_another_program_holds_is_named_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["run", "--port", str(port), "--emulator-port", str(_free_port())],
            env={"HOTLINE_INSTANCE_PATH": str(tmp_path)},
        )
    assert result.exit_code == 1
    assert f"Le port {port} est déjà pris par un autre programme" in result.output
    assert not (tmp_path / "redis").exists()  # nothing was started


def test_an_embedded_redis_is_gone_once_closed_and_its_folder_can_go(tmp_path: Path) -> None:
    """Its redis-server (6.2) refused to exit when its folder vanished before it had saved."""
    import shutil

    from hotline.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path / "redis")
    pid = server._server.pid
    server.close()
    shutil.rmtree(tmp_path / "redis")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
