"""The queue half of `make bench`: pages and claims on a large queue, through gunicorn.

The scratch PostgreSQL database gets 100 structures, 10,000 persons and 20,000 waiting
callbacks (most of them in the demo structure's queue, whose pages are read); wrk reads the
first page of `/api/queue` and of `/queue` signed in as a staff member, then 20 claimers claim
entries at once and the database is checked for any entry claimed twice.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from servers import BENCH, Server
from sqlalchemy import create_engine, insert, select, text, update
from werkzeug.security import generate_password_hash

PASSWORD = "bench-password-1234"
CLAIMERS = 20
CLAIM_PROCESSES = 4


def seed(url: str, structures: int = 100, persons: int = 10_000, waiting: int = 20_000) -> None:
    """Bulk rows: 99 more structures, persons spread over all, the demo's long queue."""
    from hotline.callbacks.queue_keys import rank_everything
    from hotline.models import Callback, Person, Staff, Structure

    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        demo = connection.scalar(select(Structure.id).where(Structure.slug == "demo"))
        connection.execute(
            insert(Structure),
            [
                {"slug": f"bench-{n}", "name": f"Structure {n}", "settings": {}}
                for n in range(1, structures)
            ],
        )
        ids = [
            demo,
            *connection.scalars(select(Structure.id).where(Structure.slug.like("bench-%"))),
        ]
        connection.execute(
            insert(Person),
            [
                {
                    "structure_id": ids[n % len(ids)],
                    "key": f"b-{n}",
                    "name": f"Personne {n}",
                    "phone_e164": f"+3361{n:07d}",
                    "isolated": n % 5 == 0,
                    "has_convention": n % 3 == 0,
                    "risk": n % 4,
                }
                for n in range(persons)
            ],
        )
        people = connection.scalars(select(Person.id).where(Person.structure_id == demo)).all()
        rows = []
        for n in range(waiting):
            mine = n % 20 != 0  # 95 % in the demo's queue, the rest spread
            rows.append(
                {
                    "structure_id": demo if mine else ids[n % len(ids)],
                    "source": "manual",
                    "status": "waiting",
                    "person_id": people[n % len(people)] if mine and n % 2 else None,
                    "phone_e164": f"+3362{n:07d}",
                    "created_at": now - timedelta(minutes=n % 5000),
                    "attempts": n % 3,
                    "version": 0,
                }
            )
        connection.execute(insert(Callback), rows)
        rank_everything(connection)  # a bulk Core insert: rank it as the migration would
        connection.execute(update(Staff).values(password_hash=generate_password_hash(PASSWORD)))
        connection.execute(text("ANALYZE"))
    engine.dispose()
    # What autovacuum does within a minute of such a load in production: the ranking UPDATE
    # left 20,000 dead rows, and the counts read their index alone once the pages are
    # marked all-visible.
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as connection:
        connection.execute(text("VACUUM ANALYZE callback"))
    vacuum.dispose()


def sign_in(server: Server, email: str) -> requests.Session:
    """A staff session. Production cookies are Secure, which a client keeps off plain http:
    the bench carries the session cookie itself on loopback."""
    browser = requests.Session()
    page = browser.get(server.url + "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    browser.headers["Cookie"] = f"session={page.cookies['session']}"
    answer = browser.post(
        server.url + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.status_code
    browser.headers["Cookie"] = f"session={answer.cookies['session']}"
    browser.cookies.clear()
    signed_in = browser.get(server.url + "/queue").text  # a new session: a new CSRF token
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', signed_in)
    assert fresh is not None
    browser.headers["X-CSRF-Token"] = fresh.group(1)
    return browser


def read_pages(server: Server, browser: requests.Session) -> dict[str, Any]:
    cookie = browser.headers["Cookie"]
    results = {}
    for name, path, accept in (
        ("/api/queue first page (50 of 19,000)", "/api/queue", "application/json"),
        ("/queue page (50 of 19,000)", "/queue", "text/html"),
        ("/api/queue page 100 (offset 4,950)", "/api/queue?offset=4950", "application/json"),
    ):
        command = [
            "wrk",
            "-t2",
            "-c8",
            "-d5s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH / "queue.lua"),
            server.url + path,
            "--",
            cookie,
            accept,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        run = json.loads(next(row for row in output.splitlines() if row.startswith("{")))
        results[name] = {
            "rps_8conn": round(run["requests"] / (run["duration_us"] / 1e6)),
            "p50_ms": round(run["p50_us"] / 1000, 1),
            "p99_ms": round(run["p99_us"] / 1000, 1),
            "max_ms": round(run["max_us"] / 1000, 1),
            "kb_per_response": round(run["bytes"] / max(run["requests"], 1) / 1024, 1),
            "errors": run["non_2xx"] + run["socket_errors"],
        }
    return results


def claim_race(server: Server, url: str, browsers: list[requests.Session]) -> dict[str, Any]:
    """20 claimers at once, each walking the first page; then any entry held twice?

    The claimers run in four processes of five threads: twenty threads of one interpreter
    take turns on its lock, and the race would time the client as much as the server.
    """
    first = browsers[0].get(server.url + "/api/queue?limit=200").json()["entries"]
    ids = [entry["id"] for entry in first]
    who = [(dict(browser.headers), n % len(browsers)) for n, browser in enumerate(browsers)]
    claimers = [(*who[n % len(who)], n * 7) for n in range(CLAIMERS)]
    timings: list[float] = []
    wins: dict[int, set[int]] = {}
    statuses: dict[int, int] = {}
    with ProcessPoolExecutor(CLAIM_PROCESSES) as pool:
        shares = [claimers[index::CLAIM_PROCESSES] for index in range(CLAIM_PROCESSES)]
        for waits, won, answers in pool.map(
            _claim, [server.url] * CLAIM_PROCESSES, [ids] * CLAIM_PROCESSES, shares
        ):
            timings += waits
            for callback_id, owners in won.items():
                wins.setdefault(callback_id, set()).update(owners)
            for code, n in answers.items():
                statuses[code] = statuses.get(code, 0) + n
    engine = create_engine(url)
    with engine.connect() as connection:
        held = connection.scalar(text("SELECT count(*) FROM callback WHERE status = 'claimed'"))
    engine.dispose()
    ordered = sorted(timings)
    return {
        "claims": len(timings),
        "client_processes": CLAIM_PROCESSES,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        "answers": {str(code): n for code, n in sorted(statuses.items())},
        "entries_won": len(wins),
        "entries_held": held,
        "double_claims": sum(1 for owners in wins.values() if len(owners) > 1),
    }


def _claim(
    server_url: str, ids: list[int], claimers: list[tuple[dict[str, str], int, int]]
) -> tuple[list[float], dict[int, set[int]], dict[int, int]]:
    """One client process: its claimers, one thread each, 40 claims each from `start` on.

    A claimer is a signed-in staff member's headers (their session cookie and CSRF token),
    who they are (a double claim is two of them winning one entry), and where they start.
    """
    timings: list[float] = []
    wins: dict[int, set[int]] = {}
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def claimer(headers: dict[str, str], staff: int, start: int) -> None:
        browser = requests.Session()
        browser.headers.update(headers)
        for n in range(40):
            callback_id = ids[(start + n) % len(ids)]
            began = time.perf_counter()
            answer = browser.post(f"{server_url}/api/callbacks/{callback_id}/claim", json={})
            with lock:
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                timings.append(time.perf_counter() - began)
                if answer.status_code == 200:  # the holder claiming again is not a double
                    wins.setdefault(callback_id, set()).add(staff)

    threads = [threading.Thread(target=claimer, args=one) for one in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, wins, statuses
