"""`hotline run`: everything a newcomer needs, in one command.

Refuses at once if this instance already runs (`run_guard`), migrates the database, loads
the demo structure, starts an embedded Redis when REDIS_URL is not set, then runs the web
server, an RQ worker, the scheduler and the offline Twilio emulator until Ctrl-C or SIGTERM,
which stop everything it started and exit 0 (`children`).

`--at` runs the whole hotline on a rehearsal clock, in a database of its own
(`instance/rehearsal.sqlite3`, fresh at each start), so a newcomer can try "Rappeler" on a
Tuesday morning at midnight without writing future-dated rows into the real one.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import click
from flask import Flask

from hotline import config, create_app, migrate
from hotline.cli import children, run_guard
from hotline.cli import demo as services
from hotline.cli.app import Refusal, refuse_unreachable_database
from hotline.cli.emulator import DEFAULT_PORT as EMULATOR_PORT
from hotline.embedded import EmbeddedRedis
from hotline.extensions import db


@click.command(help="Run the hotline locally: web + worker + scheduler (+ embedded Redis).")
@click.option("--port", default=5000, show_default=True)
@click.option("--emulator-port", default=EMULATOR_PORT, show_default=True)
@click.option("--no-demo", is_flag=True, help="Do not load the demo structure.")
@click.option(
    "--at",
    default=None,
    help='Rehearsal clock for the whole hotline, e.g. "2026-12-08 10:00" (development only).',
)
def run(port: int, emulator_port: int, no_demo: bool, at: str | None) -> None:
    config.use_development_by_default(os.environ)
    app = create_app()
    development = app.config["HOTLINE_ENV"] != "production"
    if at is not None and not development:
        raise Refusal("L'horloge de démonstration (--at) n'existe qu'en développement.")
    refuse_unreachable_database(app)
    instance = Path(app.instance_path)
    lock = run_guard.acquire(instance, port, emulator_port if development else None)
    try:
        if at is not None:
            app = _rehearsal_app(app, at)
        stop = children.StopRequest()
        with app.app_context():
            _run(app, port, emulator_port if development else None, no_demo, stop)
    finally:
        lock.release()
    if stop.signal is not None:
        click.echo(f"hotline arrêté ({signal.Signals(stop.signal).name}).")


def _rehearsal_app(app: Flask, at: str) -> Flask:
    """Point this process and its children at the rehearsal clock and database."""
    try:
        config.rehearsal_start(at, app.config["HOTLINE_TIMEZONE"])
    except ValueError:
        raise click.BadParameter(
            f"expected 'YYYY-MM-DD HH:MM', got {at!r}", param_hint="--at"
        ) from None
    instance = Path(app.instance_path)
    (instance / services.REHEARSAL_DATABASE).unlink(missing_ok=True)  # a fresh rehearsal
    os.environ["DATABASE_URL"] = services.rehearsal_database_url(instance)
    os.environ[config.REHEARSAL_ENV] = f"{at}@{time.time()}"
    return create_app()


def _run(
    app: Flask, port: int, emulator_port: int | None, no_demo: bool, stop: children.StopRequest
) -> None:
    env = _child_environment(app, port, emulator_port)
    embedded = None
    if not app.config["REDIS_URL"]:
        embedded = EmbeddedRedis(Path(app.instance_path) / "redis")
        env["REDIS_URL"] = embedded.url
    processes: list[children.Process] = []
    try:
        if no_demo:
            migrate.upgrade(app)
            lines = ["base de données à jour"]
        else:
            lines = services.prepare_demo(app, services.DEMO_FILE, port=port)
        db.session.close()  # the children use the database for as long as this command waits
        if stop.requested:
            return
        processes = children.start(children.commands(port, emulator_port), env)
        for line in _banner(app, port, emulator_port, env["REDIS_URL"]) + lines:
            click.echo(line)
        ended = children.wait(processes, stop)
    finally:
        children.stop_all(processes, then=embedded.close if embedded else lambda: None)
    if ended is not None:
        raise Refusal(
            f"Un des processus de hotline s'est arrêté (code {ended.returncode}) : "
            "hotline s'arrête aussi ; son message est plus haut."
        )


def _child_environment(app: Flask, port: int, emulator_port: int | None) -> dict[str, str]:
    env = dict(os.environ)
    # The sweeps run every 10 s as jobs: at INFO, RQ's four lines for each of them bury the
    # calls in the terminal. Failures still show (WARNING); set it to INFO to see every job.
    env.setdefault("HOTLINE_WORKER_LOG_LEVEL", "WARNING")
    # Signatures are checked against the public URL: locally, that is this server.
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    if not env.get("TWILIO_API_BASE") and emulator_port is not None:
        # Outbound calls and SMS go to our offline emulator, shared by web and worker.
        env["TWILIO_API_BASE"] = f"http://127.0.0.1:{emulator_port}"
        env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def _banner(app: Flask, port: int, emulator_port: int | None, redis_url: str) -> list[str]:
    lines = [f"hotline écoute sur http://127.0.0.1:{port}  (Ctrl-C pour arrêter)"]
    if emulator_port is not None:
        lines.append(f"Émulateur Twilio hors ligne : http://127.0.0.1:{emulator_port}")
    lines.append(f"Redis : {redis_url}")
    if app.config["REHEARSAL_CLOCK"]:
        where = Path(app.instance_path) / services.REHEARSAL_DATABASE
        lines.append(
            f"Horloge de démonstration : base de répétition {where} (la réelle est intacte)"
        )
    return lines
