"""Measure the voice webhooks' hot path: `make bench`.

Signed requests go through the real app (signature check, structure snapshot,
one or two queries, TwiML) on a scratch SQLite file, in-process, so the
numbers show our own cost per webhook, not the network's. Compare with the
~2,800 req/s of a bare Flask route on this machine (DESIGN.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hotline.emulator import compute_signature

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://hotline.bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2000"))


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    os.environ["HOTLINE_INSTANCE_PATH"] = str(folder)
    from hotline import create_app, migrate
    from hotline.cli import demo as services
    from hotline.embedded import EmbeddedRedis

    redis_server = EmbeddedRedis(folder / "redis")  # ringing staff queues a job, as `make run`
    app = create_app(
        {
            "HOTLINE_ENV": "development",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "REDIS_URL": redis_server.url,
            "PUBLIC_BASE_URL": BASE,
        }
    )
    with app.app_context():
        migrate.upgrade(app)
        services.load_structure_path(ROOT / "structures" / "demo.yaml")
    client = app.test_client()
    token = app.config["TWILIO_AUTH_TOKEN"]
    cases = {
        "incoming (greeting + menu)": ("/voice/incoming", {}),
        "menu: theme 3 (ring staff)": (
            "/voice/menu?attempt=1&lang=fr&node=main_menu",
            {"Digits": "3"},
        ),
        "menu: wrong key": ("/voice/menu?attempt=1&lang=fr&node=main_menu", {"Digits": "7"}),
    }
    print(f"{ROUNDS} signed requests per case, in-process, SQLite\n")
    for name, (path, extra) in cases.items():
        timings = _run(client, token, path, extra)
        median = statistics.median(timings) * 1e6
        p95 = sorted(timings)[int(len(timings) * 0.95)] * 1e6
        print(f"{name:32} median {median:7.0f} µs   p95 {p95:7.0f} µs   {1e6 / median:6.0f} req/s")
    redis_server.close()
    return 0


def _run(client, token: str, path: str, extra: dict[str, str]) -> list[float]:  # type: ignore[no-untyped-def]
    timings = []
    for index in range(ROUNDS):
        params = {
            "CallSid": f"CA{index:032d}",
            "AccountSid": "AC" + "0" * 32,
            "From": "+33600000999",
            "To": "+33184880000",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }
        headers = {"X-Twilio-Signature": compute_signature(token, BASE + path, params)}
        started = time.perf_counter()
        response = client.post(BASE + path, data=params, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return timings


if __name__ == "__main__":
    sys.exit(main())
