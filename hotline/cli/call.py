"""`hotline call`: a terminal phone on top of the offline emulator.

By default the call is placed in-process into a fresh app on the configured
database, so `--at` can rehearse any moment without any way of setting the
clock of a running server. `--url` sends it to a running server instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from sqlalchemy import select

from hotline import create_app
from hotline.cli import demo as services
from hotline.cli.app import with_local_app
from hotline.cli.emulator import DEFAULT_CALLER
from hotline.cli.emulator import DEFAULT_PORT as EMULATOR_PORT
from hotline.cli.inline_jobs import emulate_provider
from hotline.embedded import EmbeddedRedis
from hotline.emulator import (
    Answers,
    Busy,
    Emulator,
    EmulatorError,
    HttpTransport,
    InteractiveCaller,
    NoAnswer,
    PersonalVoicemail,
    PhoneBehaviour,
    PhoneBook,
    ScriptedCaller,
    WsgiTransport,
)
from hotline.extensions import db
from hotline.models import PhoneNumber, Staff

STAFF_BEHAVIOURS: dict[str, PhoneBehaviour] = {
    "answers": Answers(press="1"),
    "no-answer": NoAnswer(),
    "busy": Busy(),
    "voicemail": PersonalVoicemail(),
}


# With --url the call runs in simulated time here while the server's worker calls the staff
# in real time, through the server's own emulator: the two never meet.
WAITING_ROOM_OVER_HTTP = (
    "Note: with --url, the staff are called by the server's worker in real time, on its own"
    " emulator, while this call runs in simulated time: rehearse ringing staff without --url."
)


def _clock_from(at: str | None, timezone: str) -> Callable[[], datetime] | None:
    """A clock that starts at `at` (local time of the structure) and then runs normally."""
    if at is None:
        return None
    try:
        start = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(
            f"expected 'YYYY-MM-DD HH:MM', got {at!r}", param_hint="--at"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(timezone))
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def _demo_number(app: Flask) -> str:
    """Prepare the demo (idempotently) and return its first number, as `hotline demo` prints it."""
    lines = services.prepare_demo(app, services.DEMO_FILE)
    return lines[1].split(":")[-1].strip()


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
        api_base=(os.environ.get("TWILIO_API_BASE") or f"http://127.0.0.1:{EMULATOR_PORT}")
        if url
        else "https://api.twilio.com",
    )


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
    clock = _clock_from(at, app.config["HOTLINE_TIMEZONE"])
    to = to or _demo_number(app)
    phones = _phone_book(to, staff)
    embedded = None
    overrides: dict[str, object] = {"CLOCK": clock} if clock is not None else {}
    if not url and not app.config["REDIS_URL"]:
        # In-process calls still need Redis (PIN throttling, jobs): an embedded one, as `run`.
        embedded = EmbeddedRedis(Path(app.instance_path) / "redis-call")
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
    click.echo(log.transcript(ascii_only=ascii_only))
    if url and log.events_of("conference"):
        click.echo(WAITING_ROOM_OVER_HTTP)
    for other in emulator.call_logs:  # the staff phones the hotline called for this caller
        if other is not log:
            click.echo("")
            click.echo(other.transcript(ascii_only=ascii_only))
