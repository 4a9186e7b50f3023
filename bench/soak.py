"""`make soak`: 200 simulated calls against the running hotline, with Redis and a worker failing.

Everything a production process manager runs is started for real, on loopback only:
gunicorn (2 workers), an RQ worker and the scheduler, each its own process (see
soak_processes), against a SQLite file, or the PostgreSQL named by --database-url /
SOAK_DATABASE_URL; a Redis server of our own (no persistence: a restart loses what was
queued); the offline Twilio emulator's REST API served in this process.

One emulator plays the telephone network for everyone (see `hotline.emulator.live`): its
simulated clock runs `--speed` times faster than the wall clock, so a caller waiting in the
room for staff meets the legs the worker places in real time, and a ring that times out
releases them to the voicemail, as on Twilio. Callers leave messages and say yes or no to a
callback (the administratif line, whose staff member never answers), or reach the numérique
staff on duty; two staff members work the queue through the JSON API (soak_staff) while Redis
is killed and restarted once and the worker killed once (SIGKILL, mid-job or not). When the
queue is empty, the database is compared with the emulator's record call by call
(soak_compare) and the comparison printed. Exit status 0 only when nothing was lost, doubled
or stranded.

Not a test (minutes of real processes): numbers and a verdict to read, like `make bench`.
`SOAK_ARGS="--calls 20 --no-chaos" make soak` for a short run.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from soak_compare import Comparison, Heard, compare, heard, render
from soak_processes import (
    ANSWERING,
    NEVER_ANSWERS,
    Hotline,
    RedisServer,
    free_port,
    prepare,
    soak_structure,
    wait_for,
)
from soak_staff import WORKERS, StaffMember
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
HOTLINE_NUMBER = "+33184880000"
STAFF_PHONES = ("+33600000001", "+33600000002")  # Amina and Karim, who work the queue
BINS = ROOT / "voice_scripts" / "twilio_bins"
FALLBACK_BIN = "https://handler.twilio.com/twiml/EH" + "1" * 32
SAVED_BIN = "https://handler.twilio.com/twiml/EH" + "2" * 32
# What each caller does: French, then a theme. Administratif (1) rings a staff member who
# never answers: the caller waits in the room (wait:N, cut short when the app moves them on),
# leaves a message (#) and answers the callback question. Numérique (3) rings staff who press 1.
SCENARIOS = (
    ("message + oui", "1 1 wait:36000 # 1"),
    ("message + non", "1 1 wait:36000 # 2"),
    ("staff answers", "1 3"),
)
CALL_TIMEOUT = 600  # real seconds one caller may take, waits for staff included


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8, help="callers at once")
    parser.add_argument("--speed", type=float, default=30, help="simulated seconds per real second")
    parser.add_argument("--seed", type=int, default=2026, help="who does what")
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", ""))
    parser.add_argument("--no-chaos", action="store_true", help="no Redis restart, no kill")
    parser.add_argument("--retry-minutes", type=int, default=1, help="before the one retry")
    parser.add_argument("--drain-seconds", type=float, default=300, help="to empty the queue")
    parser.add_argument("--only-mismatches", action="store_true", help="print no 'ok' line")
    return parser.parse_args(argv)


def callers(count: int) -> list[str]:
    """One mobile number per call, new for each run (a reused database holds the last run's
    entries); those ending in 7 never answer a callback."""
    base = 10_000_000 + (int(time.time()) % 80_000) * 1_000
    return [f"+336{base + index:08d}" for index in range(count)]


def unreachable(phone: str) -> bool:
    return phone.endswith("7")


class Soak:
    """One run: the processes, the emulator, the staff; `run()` returns the comparison."""

    runner: Any  # the PacedRunner driving the one emulated network

    def __init__(self, args: argparse.Namespace) -> None:
        from hotline.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN

        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-soak-"))
        self.database_url = args.database_url or f"sqlite:///{self.folder / 'soak.sqlite3'}"
        self.token, self.account = DEV_AUTH_TOKEN, DEV_ACCOUNT_SID
        self.numbers = callers(args.calls)
        self.redis = RedisServer(self.folder)
        self.web = f"http://127.0.0.1:{free_port()}"
        self.events: list[str] = []
        self.timings: dict[str, float] = {}
        self.stop_staff = threading.Event()
        self.staff = [StaffMember(self.web, email, self.stop_staff) for email in WORKERS]

    def network(self) -> tuple[Any, Any, str, Any]:
        """The one emulated network: callers, the staff phones the worker rings, the REST API.

        Staff who work the queue press 1 to the callback screen; the numérique staff press 1
        for an inbound caller and talk 20 s; the administratif one never answers; callers
        whose number ends in 7 never answer a callback. Simulated time is paced by the wall
        clock (`--speed`), so the worker's real-time jobs and the calls meet.
        """
        from hotline.emulator import (
            Answers,
            Emulator,
            FakeTwilio,
            HttpTransport,
            NoAnswer,
            PhoneBook,
            serve,
        )
        from hotline.emulator.live import PacedRunner

        book: dict[str, Any] = {phone: Answers(press="1") for phone in STAFF_PHONES}
        book.update({phone: Answers(press="1", talk_seconds=20) for phone in ANSWERING})
        book[NEVER_ANSWERS] = NoAnswer()
        book.update({phone: NoAnswer() for phone in self.numbers if unreachable(phone)})
        first = (BINS / "fallback.xml").read_text(encoding="utf-8")
        emulator = Emulator(
            HttpTransport(timeout=30), self.web, self.token, self.account,
            phones=PhoneBook(book, default=Answers()), strict=False,
            fallback_url=FALLBACK_BIN,
            bins={
                FALLBACK_BIN: first.replace("SECOND_BIN_URL", SAVED_BIN),
                SAVED_BIN: (BINS / "fallback_saved.xml").read_text(encoding="utf-8"),
            },
        )  # fmt: skip
        fake = FakeTwilio(emulator)
        runner = PacedRunner(fake, speed=self.args.speed)
        api, stop = serve(fake, paced=runner)
        return fake, runner, api, stop

    def environment(self, api: str) -> dict[str, str]:
        return {
            **os.environ,
            "HOTLINE_ENV": "development",
            "HOTLINE_INSTANCE_PATH": str(self.folder),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "PUBLIC_BASE_URL": self.web,
            "TWILIO_API_BASE": api,
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def run(self) -> tuple[Comparison, Any, Hotline]:
        self.redis.start()
        fake, self.runner, api, stop_api = self.network()
        env = self.environment(api)
        prepare(env, soak_structure(self.folder, self.args.retry_minutes))
        hotline = Hotline(env, int(self.web.rsplit(":", 1)[1]), self.folder)
        for name in ("web", "worker", "scheduler"):
            hotline.start(name)
        try:
            wait_for(f"{self.web}/login")
            for member in self.staff:
                member.sign_in()
                member.thread.start()
            started = time.monotonic()
            calls = self.place_calls(hotline)
            self.timings["calls"] = time.monotonic() - started
            self.drain()
            self.timings["total"] = time.monotonic() - started
            self.events += [f"{name} exited on its own" for name in hotline.died()]
            if self.runner.errors:
                self.events.append(f"{self.runner.errors} emulated calls raised")
            return compare(self.database_url, calls, fake, unreachable), fake, hotline
        finally:
            self.stop_staff.set()
            hotline.stop()
            stop_api()
            self.redis.stop()

    def place_calls(self, hotline: Hotline) -> list[Heard]:
        """Every call, `concurrency` at a time; Redis restarted at 35 %, worker killed at 65 %.

        A call starts when one ends, so "at 35 %" means while the 70th caller of 200 is on
        the line, with calls before and after it in the room, the voicemail or the menus.
        """
        calls = self.args.calls
        chaos = (
            {} if self.args.no_chaos else {calls * 35 // 100: "redis", calls * 65 // 100: "worker"}
        )
        lines = threading.BoundedSemaphore(self.args.concurrency)
        with ThreadPoolExecutor(self.args.concurrency) as pool:
            futures: list[Future[Heard]] = []
            for index in range(calls):
                lines.acquire()
                if chaos.get(index) == "redis":
                    self.redis.stop()
                    time.sleep(2.0)
                    self.redis.start()
                    self.note(f"call {index}: Redis killed and restarted empty (2 s down)")
                elif chaos.get(index) == "worker":
                    hotline.kill("worker")
                    hotline.start("worker")
                    self.note(f"call {index}: worker killed (SIGKILL) and started again")
                futures.append(pool.submit(self.place_one, index, lines))
                time.sleep(0.05)
            return [future.result() for future in futures]

    def place_one(self, index: int, lines: threading.BoundedSemaphore) -> Heard:
        """One caller, from their own mobile, following one scenario (seeded)."""
        from hotline.emulator import ScriptedCaller

        try:
            name, keys = SCENARIOS[random.Random(self.args.seed + index).randrange(3)]
            caller = self.numbers[index]
            call = self.runner.start_call(caller, HOTLINE_NUMBER, ScriptedCaller(keys))
            if not self.runner.wait(call, timeout=CALL_TIMEOUT):
                self.note(f"call {index}: still on the line after {CALL_TIMEOUT} s (STRANDED)")
            return heard(index, name, caller, call.log, self.runner.fake.emulator)
        finally:
            lines.release()

    def drain(self) -> None:
        """Let the staff work until every entry is closed and every SMS sent (or time is up)."""
        deadline = time.monotonic() + self.args.drain_seconds
        engine = create_engine(self.database_url)
        pending = "?"
        while time.monotonic() < deadline:
            with engine.connect() as db:
                pending = db.execute(text(PENDING)).scalar_one()
            if pending == 0:
                break
            time.sleep(2)
        engine.dispose()
        if pending:
            self.note(f"drain: {pending} entries or SMS still pending after the deadline")

    def note(self, event: str) -> None:
        self.events.append(event)
        print(event, flush=True)


# Open entries, SMS not yet sent or refused, jobs not yet relayed: the work still to do.
PENDING = """
SELECT (SELECT count(*) FROM callback WHERE status NOT IN ('done', 'abandoned'))
     + (SELECT count(*) FROM callback WHERE status = 'abandoned'
          AND sms_sent_at IS NULL AND sms_failure = '')
     + (SELECT count(*) FROM outbox_job WHERE delivered_at IS NULL)
"""


def report(soak: Soak, comparison: Comparison, fake: Any) -> None:
    args = soak.args
    print()
    for line in render(comparison, show_every_call=not args.only_mismatches):
        print(line)
    scenarios = Counter(line.heard.scenario for line in comparison.lines)
    actions: Counter[str] = Counter()
    for member in soak.staff:
        actions.update(member.actions)
    backend = soak.database_url.split(":", 1)[0]
    print(f"\n{len(comparison.lines)} inbound calls on {backend}: {dict(scenarios)}")
    print(
        f"calls placed in {soak.timings['calls']:.0f} s, queue emptied "
        f"{soak.timings['total'] - soak.timings['calls']:.0f} s later "
        f"(total {soak.timings['total']:.0f} s)"
    )
    print(f"failures injected: {'; '.join(soak.events) or 'none'}")
    totals = comparison.totals
    print(
        f"lost messages {totals['lost messages']}, lost consents {totals['lost consents']}, "
        f"duplicate staff calls {totals['duplicate_calls']}, duplicate SMS "
        f"{totals['duplicate_sms']}, mismatches {len(comparison.problems)}"
    )
    print(f"network and database totals: {dict(sorted(totals.items()))}")
    print(f"staff actions through the API: {dict(sorted(actions.items()))}")
    print(f"process logs: {soak.folder}")
    if comparison.problems:
        print(f"\n{len(comparison.problems)} mismatches between the database and the emulator:")
        for line in comparison.problems[:60]:
            print(f"  {line}")
    else:
        print(
            "\ndatabase and emulator agree call by call: no message or consent lost, "
            "no call or SMS doubled, no callback stranded"
        )


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the REST emulator's access log
    soak = Soak(arguments(argv))
    comparison, fake, _hotline = soak.run()
    report(soak, comparison, fake)
    return 1 if comparison.problems else 0


if __name__ == "__main__":
    sys.exit(main())
