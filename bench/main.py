"""`make bench`: the call path and the queue, measured against what the least webhook costs.

Loopback only, under ten minutes on a 2-core machine. gunicorn (2 sync workers, production
settings) serves the anchors and the hotline; wrk drives them with signed Twilio-shaped
requests; PostgreSQL is a scratch database on the server of BENCH_DATABASE_URL (default: the
local one; skipped, and said, when none answers), SQLite a scratch file. Prints one table and
writes bench/results/latest.json. Numbers to compare over time, never a test.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import burst_bench
import queue_bench
import webhook_bench
from anchors import create_anchor_table
from servers import ROOT, Server, production_env, scratch_folder, start_gunicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
PG_DEFAULT = "postgresql+psycopg://postgres@localhost/hotline_bench"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def scratch_postgresql() -> str | None:
    """An empty database on the PostgreSQL server, or None when no server answers."""
    url = make_url(os.environ.get("BENCH_DATABASE_URL") or PG_DEFAULT)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL skipped: {type(error).__name__}", file=sys.stderr)
        return None
    finally:
        server.dispose()
    return url.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg's own `connect` reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def prepare(database_url: str, redis_url: str, folder: Path) -> None:
    """Migrate the scratch database and load the demo structure into it."""
    os.environ.update(production_env(database_url, redis_url, folder))
    from hotline import create_app, migrate
    from hotline.cli import demo

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        migrate.upgrade(app)
        demo.load_structure_path(demo.DEMO_FILE)
        from hotline.extensions import db

        db.session.commit()


def analyze(url: str) -> None:
    """Table statistics, as autovacuum keeps them in production after this many inserts:
    freshly filled tables without them get plans written for empty ones."""
    if not url.startswith("postgresql"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def measure_queue(url: str, server: Server) -> dict[str, object]:
    """Pages of a 20,000-entry queue and 20 claimers at once, on PostgreSQL."""
    queue_bench.seed(url)
    emails = [f"{key}@demo.example" for key in ("amina", "karim", "sophie")]
    browsers = [queue_bench.sign_in(server, email) for email in emails]
    return {
        "pages": queue_bench.read_pages(server, browsers[2]),
        "claims": queue_bench.claim_race(server, url, browsers, emails),
    }


def measure_burst(url: str, redis_url: str, folder: Path) -> dict[str, object]:
    """200 emulated callers, 50 at once, against a server started after the burst's structure."""
    from hotline import create_app
    from hotline.cli import demo
    from hotline.extensions import db

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        demo.load_structure_path(burst_bench.nobody_on_duty(folder))
        db.session.commit()
        db.engine.dispose()  # the burst forks its clients: no pooled connection to share
    server = start_gunicorn("burst", "hotline:create_app()", production_env(url, redis_url, folder))
    try:
        return burst_bench.run(server, url)
    finally:
        server.stop()


def machine() -> dict[str, object]:
    versions = {name: metadata.version(name) for name in ("flask", "sqlalchemy", "gunicorn", "rq")}
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "kernel": platform.release(),
        "versions": versions,
    }


def print_table(rows: list[dict[str, float | str]]) -> None:
    width = max(len(str(row["path"])) for row in rows)
    header = (
        f"{'path':{width}} {'req/s@8':>8} {'×bare':>6} {'p50@1 ms':>9} {'p99@8 ms':>9}"
        f" {'max ms':>7} {'CPU ms/req':>10} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['path']:{width}} {row['rps_8conn']:>8} {row['ratio']:>6}"
            f" {row['p50_ms_1conn']:>9} {row['p99_ms_8conn']:>9} {row['max_ms']:>7}"
            f" {row['cpu_ms_per_request']:>10} {row['errors']:>6}"
        )


def main() -> int:
    from hotline.embedded import EmbeddedRedis

    folder = scratch_folder()
    redis_server = EmbeddedRedis(folder / "redis")
    servers: list[Server] = []

    def serve(name: str, app: str, env: dict[str, str]) -> Callable[[], Server]:
        server = start_gunicorn(name, app, env)
        servers.append(server)
        return lambda: server

    results: dict[str, object] = {"machine": machine()}
    try:
        postgresql = scratch_postgresql()
        env = production_env("sqlite://", redis_server.url, folder)
        if postgresql:
            env["BENCH_ANCHOR_DATABASE_URL"] = libpq_url(postgresql)
            create_anchor_table(env["BENCH_ANCHOR_DATABASE_URL"])
        anchors = serve("anchors", "bench.anchors:create_anchor_app()", env)
        paths = webhook_bench.anchor_paths(anchors, folder, writes=bool(postgresql))
        databases = {"SQLite": f"sqlite:///{folder / 'bench.sqlite3'}"}
        if postgresql:
            databases = {"PostgreSQL": postgresql, **databases}
        for label, url in databases.items():
            prepare(url, redis_server.url, folder)
            hotline = serve(
                label, "hotline:create_app()", production_env(url, redis_server.url, folder)
            )
            webhook_bench.open_calls(hotline())
            webhook_bench.seed_menu_calls(url)
            analyze(url)
            paths += webhook_bench.hotline_paths(hotline, folder, label)
        webhook_bench.measure(paths, ROUNDS)
        rows = webhook_bench.summary(paths)
        results["webhooks"] = rows
        if postgresql:
            results["queue"] = measure_queue(postgresql, servers[1])
        results["memory_mb"] = {server.name: round(server.rss_mb(), 1) for server in servers}
        burst_database = postgresql or databases["SQLite"]
        results["burst"] = {
            "database": "PostgreSQL" if postgresql else "SQLite",
            **measure_burst(burst_database, redis_server.url, folder),
        }
    finally:
        for server in servers:
            server.stop()
        redis_server.close()
    print_table(rows)
    if "queue" in results:
        print("\nQueue (PostgreSQL, 100 structures, 10,000 persons, 20,000 waiting):")
        print(json.dumps(results["queue"], indent=2, ensure_ascii=False))
    burst = results["burst"]
    print(
        f"\nBurst ({burst['database']}): {burst['calls']} calls, {burst['connections']} at once,"
        f" {burst['webhooks']} webhooks in {burst['seconds']} s: p50 {burst['p50_ms']} ms,"
        f" p95 {burst['p95_ms']} ms, p99 {burst['p99_ms']} ms, max {burst['max_ms']} ms;"
        f" lost {burst['lost']}, HTTP errors {burst['http_errors']}"
    )
    print("\nRSS of a web worker after the load (MB):", results["memory_mb"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
