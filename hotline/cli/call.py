"""`hotline call`: a terminal phone on top of the offline emulator.

By default the call is placed in-process into a fresh app on the configured
database, so `--at` can rehearse any moment without any way of setting the
clock of a running server. `--url` sends it to a running server instead.

A rehearsal (`--at`) never writes into the live database: a message "left" next Saturday
would show in today's queue as waiting for less than a minute. It goes to the rehearsal
database (`instance/rehearsal.sqlite3`), into a copy of the called structure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import config, create_app, migrate
from hotline.cli import call_server, run_guard
from hotline.cli import demo as services
from hotline.cli.app import with_local_app
from hotline.cli.emulator import DEFAULT_CALLER
from hotline.cli.emulator import DEFAULT_PORT as EMULATOR_PORT
from hotline.cli.inline_jobs import emulate_provider
from hotline.embedded import EmbeddedRedis
from hotline.emulator import (
    Emulator,
    EmulatorError,
    HttpTransport,
    InteractiveCaller,
    PhoneBook,
    ScriptedCaller,
    WsgiTransport,
)
from hotline.emulator.control import STAFF_BEHAVIOURS  # the same --staff words either way
from hotline.extensions import db
from hotline.models import PhoneNumber, Staff, Structure
from hotline.structure_file import dump_structure

# Typed keys with --url: the call runs in simulated time here while the server's worker
# calls the staff in real time, through the server's emulator.
WAITING_ROOM_OVER_HTTP = (
    "Note: typed keys with --url run the call on an emulator of its own, which the server's"
    " worker never reaches: give --keys to ring staff through the server."
)


def _clock_from(at: str | None, timezone: str) -> Callable[[], datetime] | None:
    """A clock that starts at `at` (local time of the structure) and then runs normally."""
    if at is None:
        return None
    try:
        start = config.rehearsal_start(at, timezone)
    except ValueError:
        raise click.BadParameter(
            f"expected 'YYYY-MM-DD HH:MM', got {at!r}", param_hint="--at"
        ) from None
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def _rehearsal_database(app: Flask, to: str) -> str:
    """Copy the called structure into the rehearsal database; return that database's URL."""
    slug = db.session.scalar(
        select(Structure.slug)
        .join(PhoneNumber, PhoneNumber.structure_id == Structure.id)
        .where(PhoneNumber.e164 == to)
    )
    text = dump_structure(db.session, slug) if slug else None
    db.session.close()
    url = services.rehearsal_database_url(Path(app.instance_path))
    rehearsal = create_app({"DATABASE_URL": url})
    with rehearsal.app_context():
        migrate.upgrade(rehearsal)
        if text is not None:
            with tempfile.TemporaryDirectory() as folder:
                copy = Path(folder) / f"{slug}.yaml"
                copy.write_text(text, encoding="utf-8")
                services.load_structure_path(copy)
        db.session.close()
    return url


def _phone_book(to: str, staff: str) -> PhoneBook:
    """Every staff phone of the structure called behaves as `--staff` says."""
    structure_id = db.session.scalar(select(PhoneNumber.structure_id).where(PhoneNumber.e164 == to))
    phones = db.session.scalars(select(Staff.phone_e164).where(Staff.structure_id == structure_id))
    book = PhoneBook({phone: STAFF_BEHAVIOURS[staff] for phone in phones})
    db.session.close()  # the call is answered by another app, with its own sessions
    return book


def _emulator(
    app: Flask, url: str | None, phones: PhoneBook, clock: Callable[[], datetime] | None
) -> Emulator:
    """The emulator placing the call: over HTTP to `url`, or in-process into `app`."""
    return Emulator(
        HttpTransport() if url else WsgiTransport(app),
        url or app.config["PUBLIC_BASE_URL"],
        app.config["TWILIO_AUTH_TOKEN"],
        account_sid=app.config["TWILIO_ACCOUNT_SID"],
        phones=phones,
        clock=clock,
        # With --url, recordings are fetched by the server from the emulator `hotline run` started.
        api_base=(os.environ.get("TWILIO_API_BASE") or _local_emulator(app))
        if url
        else "https://api.twilio.com",
    )


def _local_emulator(app: Flask) -> str:
    """The REST emulator `hotline run` started on this machine (its port, if it chose one)."""
    port = run_guard.running_emulator_port(Path(app.instance_path)) or EMULATOR_PORT
    return f"http://127.0.0.1:{port}"


@click.command(help="Place a simulated call to a hotline number and show what the caller hears.")
@click.option("--to", "to", default=None, help="Number called (E.164). Default: the demo number.")
@click.option("--from", "from_", default=DEFAULT_CALLER, show_default=True, help="Caller's number.")
@click.option("--keys", default=None, help='Scripted input, e.g. "1" or "9 - 2 # 1"; omit to type.')
@click.option("--at", default=None, help='Rehearse a moment, e.g. "2026-12-01 10:00" (local time).')
@click.option(
    "--staff",
    type=click.Choice(sorted(STAFF_BEHAVIOURS)),
    default="answers",
    show_default=True,
    help="How the staff phones behave.",
)
@click.option("--url", default=None, help="Call a running server (e.g. http://127.0.0.1:5000).")
@click.option("--ascii", "ascii_only", is_flag=True, help="No emoji in the transcript.")
@with_local_app
def call(
    app: Flask,
    to: str | None,
    from_: str,
    keys: str | None,
    at: str | None,
    staff: str,
    url: str | None,
    ascii_only: bool,
) -> None:
    if url and at:
        raise click.UsageError("--at only works in-process: a running server keeps its own clock")
    if url and keys is not None:
        placed = call_server.place(
            os.environ.get("TWILIO_API_BASE") or _local_emulator(app),
            (app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"]),
            (from_, to or services.demo_number(app), keys, staff),
            ascii_only,
        )
        if placed is not None:  # in the server's own world: its worker's staff legs included
            click.echo(placed.transcript)
            for leg in placed.staff:
                click.echo("")
                click.echo(leg)
            return
    clock = _clock_from(at, app.config["HOTLINE_TIMEZONE"])
    if to is None:
        to = services.demo_number(app)
    else:  # with --url too: the staff phones of the call's <Dial> are read from it
        services.prepare_database(app)
    phones = _phone_book(to, staff)
    embedded = None
    overrides: dict[str, object] = {"CLOCK": clock} if clock is not None else {}
    if clock is not None:
        overrides["DATABASE_URL"] = _rehearsal_database(app, to)
        click.echo(
            f"Répétition : l'appel est enregistré dans {services.REHEARSAL_DATABASE}, "
            "pas dans la base réelle."
        )
    if not url and not app.config["REDIS_URL"]:
        # In-process calls still need Redis (PIN throttling, jobs): an embedded one, as `run`,
        # of this call's own: two calls at once must not share one and stop it under the other.
        folder = Path(tempfile.mkdtemp(prefix="redis-call-", dir=app.instance_path))
        embedded = EmbeddedRedis(folder)
        overrides["REDIS_URL"] = embedded.url
    caller = ScriptedCaller(keys) if keys is not None else InteractiveCaller()
    try:
        # A second app serves the call: Flask would reuse this command's app context, and its
        # database session, for every webhook of a call served by the same app.
        served = app if url else create_app(overrides or None)
        emulator = _emulator(served, url, phones, clock)
        if not url:  # staff are called through the REST API by jobs: run both here
            emulate_provider(served, emulator)
        log = emulator.place_call(from_, to, caller)
        emulator.sim.run_until_idle()  # staff legs still ending, cancelled legs
    except EmulatorError as error:
        raise click.ClickException(f"the call failed: {error}") from None
    finally:
        if embedded is not None:
            embedded.close()
            shutil.rmtree(folder, ignore_errors=True)
    click.echo(log.transcript(ascii_only=ascii_only))
    if url and log.events_of("conference"):
        click.echo(WAITING_ROOM_OVER_HTTP)
    for other in emulator.call_logs:  # the staff phones the hotline called for this caller
        if other is not log:
            click.echo("")
            click.echo(other.transcript(ascii_only=ascii_only, staff_phone=True))
