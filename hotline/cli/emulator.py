"""`hotline emulator`: the offline Twilio REST API for `make run` (web and worker share it)."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from hotline.cli.app import with_app
from hotline.emulator import Answers, PhoneBook
from hotline.emulator.live import DEFAULT_SPEED
from hotline.emulator.server import run_emulator_server
from hotline.extensions import db
from hotline.models import Person, Staff

DEFAULT_PORT = 8790
DEFAULT_CALLER = "+33600000999"  # who `hotline call` rings from unless told otherwise


def demo_phone_book() -> PhoneBook:
    """Every staff and person phone known to the database answers (staff press 1)."""
    book = PhoneBook({DEFAULT_CALLER: Answers()})
    for phone in db.session.scalars(select(Staff.phone_e164)):
        book[phone] = Answers(press="1")
    for number in db.session.scalars(select(Person.phone_e164)):
        if number:
            book[number] = Answers()
    return book


@click.command(help="Run the offline Twilio REST API (calls, SMS, recordings) on 127.0.0.1.")
@click.option("--port", default=DEFAULT_PORT, show_default=True)
@click.option(
    "--speed",
    default=DEFAULT_SPEED,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Simulated seconds per real second (a 25 s ring lasts 2.5 s at 10).",
)
@with_app
def emulator(app: Flask, port: int, speed: float) -> None:
    if app.config["HOTLINE_ENV"] == "production":
        raise click.UsageError("the emulator is for local rehearsals, not production")
    phones = demo_phone_book()
    db.session.close()  # the server runs until Ctrl-C: hold no database connection meanwhile
    run_emulator_server(
        app.config["PUBLIC_BASE_URL"],
        app.config["TWILIO_AUTH_TOKEN"],
        app.config["TWILIO_ACCOUNT_SID"],
        port=port,
        phones=phones,
        speed=speed,
    )
