"""`hotline run`: everything a newcomer needs, in one command.

Migrates the database, loads the demo structure, starts an embedded Redis when
REDIS_URL is not set, then runs the web server, an RQ worker and the scheduler
until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask

from hotline import migrate
from hotline.cli import demo as services
from hotline.cli.app import with_local_app
from hotline.cli.emulator import DEFAULT_PORT as EMULATOR_PORT
from hotline.embedded import EmbeddedRedis
from hotline.extensions import db


@click.command(help="Run the hotline locally: web + worker + scheduler (+ embedded Redis).")
@click.option("--port", default=5000, show_default=True)
@click.option("--no-demo", is_flag=True, help="Do not load the demo structure.")
@with_local_app
def run(app: Flask, port: int, no_demo: bool) -> None:
    embedded = None
    env = dict(os.environ)
    # Signatures are checked against the public URL: locally, that is this server.
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    if not env.get("TWILIO_API_BASE") and app.config["HOTLINE_ENV"] != "production":
        # Outbound calls and SMS go to our offline emulator, shared by web and worker.
        env["TWILIO_API_BASE"] = f"http://127.0.0.1:{EMULATOR_PORT}"
        env["NO_PROXY"] = "127.0.0.1,localhost"
    if not app.config["REDIS_URL"]:
        embedded = EmbeddedRedis(Path(app.instance_path) / "redis")
        env["REDIS_URL"] = embedded.url
    lines = ["database migrated"] if no_demo else services.prepare_demo(app, services.DEMO_FILE)
    if no_demo:
        migrate.upgrade(app)
    db.session.close()  # the children use the database for as long as this command waits
    # A SIGTERM (a platform stopping us, `timeout`) must stop the children too.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    processes = _start(env, port)
    click.echo(f"hotline écoute sur http://127.0.0.1:{port}  (Ctrl-C pour arrêter)")
    click.echo(f"Redis : {env['REDIS_URL']}")
    for line in lines:
        click.echo(line)
    try:
        _wait(processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)
        if embedded is not None:
            embedded.close()


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _start(env: dict[str, str], port: int) -> list[subprocess.Popen[bytes]]:
    python = sys.executable
    commands = [
        [
            python,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "-",
            "--access-logformat",
            "%(m)s %(U)s %(s)s",
            "hotline:create_app()",
        ],
        [python, "-m", "hotline.cli", "worker"],
        [python, "-m", "hotline.cli", "scheduler"],
    ]
    if env.get("TWILIO_API_BASE", "").startswith(f"http://127.0.0.1:{EMULATOR_PORT}"):
        commands.append([python, "-m", "hotline.cli", "emulator", "--port", str(EMULATOR_PORT)])
    return [subprocess.Popen(command, env=env) for command in commands]


def _wait(processes: list[subprocess.Popen[bytes]]) -> None:
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        click.echo("arrêt…")
