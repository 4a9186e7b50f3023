"""`hotline emulator`: the offline Twilio REST API for `make run` (web and worker share it)."""

from __future__ import annotations

import click
from sqlalchemy import select

from hotline.emulator import Answers, PhoneBook

DEFAULT_PORT = 8790


def demo_phone_book() -> PhoneBook:
    """Every staff and person phone known to the database answers (staff press 1)."""
    from hotline.cli.call import DEFAULT_CALLER
    from hotline.extensions import db
    from hotline.models import Person, Staff

    book = PhoneBook({DEFAULT_CALLER: Answers()})
    for phone in db.session.scalars(select(Staff.phone_e164)):
        book[phone] = Answers(press="1")
    for number in db.session.scalars(select(Person.phone_e164)):
        if number:
            book[number] = Answers()
    return book


@click.command(help="Run the offline Twilio REST API (calls, SMS, recordings) on 127.0.0.1.")
@click.option("--port", default=DEFAULT_PORT, show_default=True)
def emulator(port: int) -> None:
    from hotline import create_app
    from hotline.emulator.server import run_emulator_server

    app = create_app()
    if app.config["HOTLINE_ENV"] == "production":
        raise click.UsageError("the emulator is for local rehearsals, not production")
    with app.app_context():
        phones = demo_phone_book()
    run_emulator_server(
        app.config["PUBLIC_BASE_URL"],
        app.config["TWILIO_AUTH_TOKEN"],
        app.config["TWILIO_ACCOUNT_SID"],
        port=port,
        phones=phones,
    )
