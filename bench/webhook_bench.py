"""The webhook half of `make bench`: anchors and hotline paths under wrk, alternating.

Every path is measured in the same run as the anchors, in rounds that alternate between
them, so a machine busy with something else slows all of them alike and the ratios hold.
"""

from __future__ import annotations

import statistics
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from servers import BASE, TOKEN, Server, call_params, write_requests, wrk
from twilio.request_validator import RequestValidator

SECONDS = 4
MENU = "/voice/menu?attempt=1&lang=fr&node=main_menu"
FIRST_CHOICES = 60_000  # calls waiting at the menu, each choosing once (`seed_menu_calls`)
FIRST_CHOICE_BASE = 300_000  # their CallSids' indexes, apart from the other paths'
ANCHOR_BASE = 1_000_000  # the writing anchors' CallSids (1,000,000 on and 2,000,000 on)
ANCHOR_REQUESTS = 100_000  # each a first webhook: enough for 2 rounds at twice this VM's speed


@dataclass
class Measured:
    """One measured path: which server, which requests, its results per round."""

    name: str
    server: Callable[[], Server]
    requests: Path
    rounds: list[dict[str, float]] = field(default_factory=list)
    fresh: bool = False  # each request sent once: every run goes on where the last stopped
    next_line: int = 0

    def sent(self, run: dict[str, float]) -> None:
        """Where the next run starts: after the furthest line a thread sent (wrk's threads
        take every other line and do not finish alike); a path that ran out of lines would
        measure retries as first webhooks, so it stops the bench."""
        if not self.fresh:
            return
        if run["wrapped"]:
            raise RuntimeError(f"{self.name}: {self.requests.name} ran out of requests")
        self.next_line = int(run["next_line"])

    def figure(self, key: str, how: Callable[[list[float]], float] = statistics.median) -> float:
        return how([run[key] for run in self.rounds])


def anchor_paths(anchors: Callable[[], Server], folder: Path, writes: bool) -> list[Measured]:
    """The anchors; with `writes`, the two that write (`bench/anchors.py`), each request on a
    new CallSid as a call's first webhook is."""
    rows = [call_params(i) for i in range(2000)]
    paths = [
        Measured(label, anchors, write_requests(folder / f"{route}.txt", f"/{route}", rows))
        for label, route in (
            ("bare Flask, static TwiML", "static"),
            ("+ form parsed", "form"),
            ("+ one HMAC-SHA1 check (the floor)", "hmac"),
            ("+ stock RequestValidator (2 HMACs)", "validator"),
        )
    ]
    if not writes:
        return paths
    for index, (label, route) in enumerate(
        (
            ("HMAC + one prepared INSERT (PostgreSQL)", "insert"),
            ("HMAC + INSERT + one RQ enqueue", "enqueue"),
        )
    ):
        fresh = (call_params(ANCHOR_BASE * (index + 1) + i) for i in range(ANCHOR_REQUESTS))
        requests = write_requests(folder / f"{route}.txt", f"/{route}", fresh)
        paths.append(Measured(label, anchors, requests, fresh=True))
    return paths


def hotline_paths(server: Callable[[], Server], folder: Path, label: str) -> list[Measured]:
    """`/voice/incoming` on new CallSids; the menu's key 3 (ring staff) chosen for the first
    time by calls waiting at the menu, and replayed on 1,000 calls that already chose it
    (Twilio retrying: nothing written, nothing queued)."""
    tag = label.split()[0].lower()
    fresh = (call_params(100_000 + i) for i in range(60_000))
    choosing = (
        call_params(FIRST_CHOICE_BASE + i, Digits="3", CallStatus="in-progress")
        for i in range(FIRST_CHOICES)
    )
    known = [call_params(i, Digits="3", CallStatus="in-progress") for i in range(1000)]
    return [
        Measured(
            f"hotline /voice/incoming ({label})",
            server,
            write_requests(folder / f"incoming-{tag}.txt", "/voice/incoming", fresh),
            fresh=True,
        ),
        Measured(
            f"hotline /voice/menu key 3 → ringing, first choice ({label})",
            server,
            write_requests(folder / f"menu-first-{tag}.txt", MENU, choosing),
            fresh=True,
        ),
        Measured(
            f"hotline /voice/menu key 3 → ringing, retried ({label})",
            server,
            write_requests(folder / f"menu-{tag}.txt", MENU, known),
        ),
    ]


def seed_menu_calls(database_url: str) -> None:
    """The calls the first-choice requests belong to, already at the menu: their rows are
    written directly (60,000 first webhooks through HTTP would take minutes)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, insert, select

    from hotline.models import Call, Structure

    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        demo = connection.scalar(select(Structure.id).where(Structure.slug == "demo"))
        rows = []
        for index in range(FIRST_CHOICE_BASE, FIRST_CHOICE_BASE + FIRST_CHOICES):
            params = call_params(index)
            rows.append(
                {
                    "call_sid": params["CallSid"],
                    "structure_id": demo,
                    "direction": "inbound",
                    "from_e164": params["From"],
                    "to_e164": params["To"],
                    "status": "in-progress",
                    "last_sequence": 0,
                    "language": "fr",
                    "staff_connected": False,
                    "started_at": now,
                }
            )
        connection.execute(insert(Call), rows)
    engine.dispose()


def open_calls(server: Server, count: int = 1000) -> None:
    """The calls the menu requests belong to: their first webhook, once each."""
    validator = RequestValidator(TOKEN)
    for index in range(count):
        params = call_params(index)
        signature = validator.compute_signature(BASE + "/voice/incoming", params)
        request = urllib.request.Request(
            server.url + "/voice/incoming",
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


def measure(paths: list[Measured], rounds: int) -> None:
    """Each path at 1 then 8 connections, round after round, with server CPU per request."""
    for _ in range(rounds):
        for path in paths:
            server = path.server()
            single = wrk(server.url, path.requests, 1, SECONDS, path.next_line)
            path.sent(single)
            cpu_before = server.cpu_seconds()
            loaded = wrk(server.url, path.requests, 8, SECONDS, path.next_line)
            cpu = server.cpu_seconds() - cpu_before
            path.sent(loaded)
            path.rounds.append(
                {
                    "rps": loaded["rps"],
                    "p50_ms_1conn": single["p50_us"] / 1000,
                    "p99_ms_8conn": loaded["p99_us"] / 1000,
                    "max_ms": max(single["max_us"], loaded["max_us"]) / 1000,
                    "cpu_ms_per_request": cpu * 1000 / max(loaded["requests"], 1),
                    "non_2xx": single["non_2xx"] + loaded["non_2xx"],
                    "socket_errors": single["socket_errors"] + loaded["socket_errors"],
                }
            )


def summary(paths: list[Measured]) -> list[dict[str, float | str]]:
    """One row per path, req/s as a ratio of the bare Flask route's."""
    bare = paths[0].figure("rps")
    return [
        {
            "path": path.name,
            "rps_8conn": round(path.figure("rps")),
            "ratio": round(path.figure("rps") / bare, 2),
            "p50_ms_1conn": round(path.figure("p50_ms_1conn"), 2),
            "p99_ms_8conn": round(path.figure("p99_ms_8conn", max), 2),
            "max_ms": round(path.figure("max_ms", max), 1),
            "cpu_ms_per_request": round(path.figure("cpu_ms_per_request"), 2),
            "errors": int(path.figure("non_2xx", sum) + path.figure("socket_errors", sum)),
        }
        for path in paths
    ]
