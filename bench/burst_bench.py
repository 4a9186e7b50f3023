"""The burst of `make bench`: 200 callers through the emulator against gunicorn, 50 at a time.

Each caller is an emulated phone (the real webhooks, signed, over loopback HTTP) that picks
French, the administratif line, leaves a message and asks to be called back; the structure is
the demo with nobody on duty, so no worker is needed and every call takes the same seven
webhooks (incoming, two menus, the recording's action and status, the consent, the call's
status). Fifty callers at once keep fifty connections busy, as a morning rush would. Every
webhook is timed as the emulator waits for it: the silence a caller hears while the server
thinks. Afterwards the database must hold a voicemail and a callback entry for every caller:
nothing lost.

The fifty callers run in five processes of ten threads: fifty threads of one Python process
take turns on its one interpreter lock (5 ms each), so a thread whose answer had arrived
could wait a quarter of a second to read the clock, and the burst measured the client.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import yaml
from servers import ACCOUNT, BASE, TOKEN, Server
from sqlalchemy import bindparam, create_engine, text

from hotline.emulator import Emulator, HttpTransport, ScriptedCaller, WebhookResponse

ROOT = Path(__file__).resolve().parents[1]
CALLS = 200
CONNECTIONS = 50
PROCESSES = 5
HOTLINE_NUMBER = "+33184880000"
KEYS = "1 1 # 1"  # French, administratif (nobody on duty), a message, "rappelez-moi"


class TimedTransport(HttpTransport):
    """Loopback HTTP that notes how long each webhook kept the caller waiting.

    Requests are signed for the public https origin, as Twilio signs them, and delivered to
    the server's loopback port, as a TLS-terminating proxy in front of it would.
    """

    def __init__(self, server_url: str, timings: list[float], failures: list[int]) -> None:
        super().__init__(timeout=30)
        self.server_url, self.timings, self.failures = server_url, timings, failures

    def request(
        self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        local = self.server_url + url.removeprefix(BASE)
        started = time.perf_counter()
        response = super().request(method, local, params, headers)
        self.timings.append(time.perf_counter() - started)  # list.append: thread-safe
        if response.status >= 400:
            self.failures.append(response.status)
        return response


def nobody_on_duty(folder: Path) -> Path:
    """The demo structure with every duty removed: each theme offers the voicemail."""
    data = yaml.safe_load((ROOT / "structures" / "demo.yaml").read_text(encoding="utf-8"))
    for member in data["staff"]:
        member.pop("duty", None)
    path = folder / "burst.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def callers() -> list[str]:
    """New mobile numbers for each run (a reused database holds the last run's callers)."""
    base = 20_000_000 + (int(time.time()) % 70_000) * 1_000
    return [f"+336{base + index:08d}" for index in range(CALLS)]


def place_calls(server_url: str, numbers: list[str]) -> tuple[list[float], list[int], int]:
    """One client process: its callers, CONNECTIONS / PROCESSES at a time; their webhooks'
    waits, the HTTP errors, and how many calls heard the apology of a failed webhook."""
    timings: list[float] = []
    failures: list[int] = []
    fell_back: list[str] = []

    def one(number: str) -> None:
        transport = TimedTransport(server_url, timings, failures)
        emulator = Emulator(transport, BASE, TOKEN, ACCOUNT, strict=False)
        log = emulator.place_call(number, HOTLINE_NUMBER, ScriptedCaller(KEYS))
        if any(event.kind == "error" for event in log.events):
            fell_back.append(log.call_sid)

    with ThreadPoolExecutor(CONNECTIONS // PROCESSES) as pool:
        list(pool.map(one, numbers))
    return timings, failures, len(fell_back)


def run(server: Server, database_url: str) -> dict[str, object]:
    """Place the burst against `server` (started after the structure was loaded)."""
    numbers = callers()
    batches = [numbers[index::PROCESSES] for index in range(PROCESSES)]
    timings: list[float] = []
    failures: list[int] = []
    fell_back = 0
    started = time.perf_counter()
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = pool.map(place_calls, [server.url] * PROCESSES, batches)
        for waits, errors, apologies in results:
            timings += waits
            failures += errors
            fell_back += apologies
    seconds = time.perf_counter() - started
    kept = _kept(database_url, numbers)
    ordered = sorted(timings)
    return {
        "calls": CALLS,
        "connections": CONNECTIONS,
        "client_processes": PROCESSES,
        "webhooks": len(ordered),
        "seconds": round(seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "http_errors": len(failures),
        "calls_that_heard_an_error": fell_back,
        **kept,
        "lost": CALLS - min(kept["voicemails"], kept["callbacks"]),
    }


def _kept(database_url: str, numbers: list[str]) -> dict[str, int]:
    """Callers with a message and their "yes" kept, and callers with a callback entry."""
    engine = create_engine(database_url)
    voicemails = text(
        "SELECT count(DISTINCT c.from_e164) FROM voicemail v JOIN call c ON c.id = v.call_id"
        " WHERE c.from_e164 IN :numbers AND v.callback_consent"
    ).bindparams(bindparam("numbers", expanding=True))
    entries = text(
        "SELECT count(DISTINCT phone_e164) FROM callback WHERE phone_e164 IN :numbers"
    ).bindparams(bindparam("numbers", expanding=True))
    with engine.connect() as db:
        kept = {
            "voicemails": int(db.execute(voicemails, {"numbers": numbers}).scalar_one()),
            "callbacks": int(db.execute(entries, {"numbers": numbers}).scalar_one()),
        }
    engine.dispose()
    return kept
