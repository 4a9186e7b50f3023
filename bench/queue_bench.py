"""The queue half of `make bench`: pages and claims on a large queue, through gunicorn.

The scratch PostgreSQL database gets 100 structures, 10,000 persons and 20,000 waiting
callbacks (most of them in the demo structure's queue, whose pages are read); wrk reads the
first page of `/api/queue` and of `/queue` signed in as a staff member, then 20 claimers race
for the same entries (four wrk threads, each one staff member) and the answers and the
database are checked for any entry given to two of them.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from servers import BENCH, Server
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

PASSWORD = "bench-password-1234"
CLAIMERS = 20
CLAIM_THREADS = 4  # 5 connections each; 3 staff members, so two threads claim as the first


def seed(url: str, structures: int = 100, persons: int = 10_000, waiting: int = 20_000) -> None:
    """Bulk rows: 99 more structures, persons spread over all, the demo's long queue."""
    from hotline.callbacks import fold_free_counts
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
        # The triggers wrote one ledger row per entry; the worker's sweep folds them within
        # a minute (fold-queue-counts).
        fold_free_counts(Session(bind=connection))
        connection.execute(update(Staff).values(password_hash=generate_password_hash(PASSWORD)))
        connection.execute(text("ANALYZE"))
    engine.dispose()
    # What autovacuum does within a minute of such a load in production: the ranking UPDATE
    # left 20,000 dead rows in `callback`, and the fold as many in the ledger of free entries.
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as connection:
        connection.execute(text("VACUUM ANALYZE callback, callback_free_count"))
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
    """Each page at one connection (what one staff member waits for it), then at eight on
    two workers (four requests queued per worker: its p99 is mostly the wait in line)."""
    results = {}
    for name, path, accept in (
        ("/api/queue first page (50 of 19,000)", "/api/queue", "application/json"),
        ("/queue page (50 of 19,000)", "/queue", "text/html"),
        ("/api/queue page 100 (offset 4,950)", "/api/queue?offset=4950", "application/json"),
    ):
        alone = _wrk_page(server.url + path, browser.headers["Cookie"], accept, connections=1)
        loaded = _wrk_page(server.url + path, browser.headers["Cookie"], accept, connections=8)
        results[name] = {
            "p50_ms_1conn": round(alone["p50_us"] / 1000, 1),
            "p99_ms_1conn": round(alone["p99_us"] / 1000, 1),
            "rps_8conn": round(loaded["requests"] / (loaded["duration_us"] / 1e6)),
            "p50_ms": round(loaded["p50_us"] / 1000, 1),
            "p99_ms": round(loaded["p99_us"] / 1000, 1),
            "max_ms": round(max(alone["max_us"], loaded["max_us"]) / 1000, 1),
            "kb_per_response": round(loaded["bytes"] / max(loaded["requests"], 1) / 1024, 1),
            "errors": sum(run["non_2xx"] + run["socket_errors"] for run in (alone, loaded)),
        }
    return results


def _wrk_page(url: str, cookie: str, accept: str, connections: int) -> dict[str, Any]:
    threads = min(connections, 2)
    command = [
        *("wrk", f"-t{threads}", f"-c{connections}", "-d5s", "--timeout", "10s"),
        *("-s", str(BENCH / "queue.lua"), url, "--", cookie, accept),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(next(row for row in output.splitlines() if row.startswith("{"))))


def claim_race(
    server: Server, url: str, browsers: list[requests.Session], emails: list[str]
) -> dict[str, Any]:
    """20 claimers at once for 5 s on the first 200 entries, each wrk thread one staff member
    (`claim.lua`); then: was any entry won by two of them, and does the database agree?

    wrk, not Python threads, sends the claims: a Python client spends about as much CPU per
    request as the server, on the same two cores, and timed its own turns on the interpreter
    lock with the server's answer. Every thread walks the list from its start, so at each
    step the staff members ask for the same entries at the same moment. An entry answered
    200 to two staff members is a double claim; an entry whose holder in the database is not
    the one staff member told they hold it is counted apart.
    """
    first = browsers[0].get(server.url + "/api/queue?limit=200").json()["entries"]
    staff = [f"{b.headers['Cookie']}\t{b.headers['X-CSRF-Token']}" for b in browsers]
    command = [
        *("wrk", f"-t{CLAIM_THREADS}", f"-c{CLAIMERS}", "-d5s", "--timeout", "10s"),
        *("-s", str(BENCH / "claim.lua"), server.url, "--"),
        ",".join(str(entry["id"]) for entry in first),
        *staff,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    run = json.loads(next(row for row in output.splitlines() if row.startswith("{")))
    winners: dict[int, set[int]] = {}
    for pair in filter(None, run["won"].split(";")):
        entry, member = pair.split("=")
        winners.setdefault(int(entry), set()).add(int(member))
    answers: dict[str, int] = {}
    for pair in filter(None, run["answers"].split(",")):
        code, n = pair.split(":")
        answers[code] = answers.get(code, 0) + int(n)
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT email, id FROM staff")).all())
        held = dict(
            connection.execute(
                text("SELECT id, claimed_by_id FROM callback WHERE status = 'claimed'")
            ).all()
        )
    engine.dispose()
    members = [ids[email] for email in emails]
    single = {entry: members[next(iter(who))] for entry, who in winners.items() if len(who) == 1}
    return {
        "claims": run["requests"],
        "claimers": CLAIMERS,
        "client": f"wrk -t{CLAIM_THREADS} -c{CLAIMERS} -d5s, one staff member per thread",
        "p50_ms": round(run["p50_us"] / 1000, 1),
        "p99_ms": round(run["p99_us"] / 1000, 1),
        "max_ms": round(run["max_us"] / 1000, 1),
        "answers": dict(sorted(answers.items())),
        "socket_errors": run["socket_errors"] + run["unreadable"],
        "entries_won": len(winners),
        "entries_held": len(held),
        "double_claims": sum(1 for who in winners.values() if len(who) > 1),
        "held_by_someone_else": sum(1 for e, holder in single.items() if held.get(e) != holder),
    }
