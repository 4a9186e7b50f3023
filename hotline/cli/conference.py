"""`hotline conference`: list the group-call series, and watch one session in the emulator.

`start-now SERIES` starts a session of the series now, in-process on the configured database,
with the offline emulator as the telephone network: every invitee's phone is simulated (most
answer and press 1, one is a voicemail, one does not answer and is called again after the
series' retry delay, one opens the `*` menu), and the command prints what each one heard and
pressed, in simulated time, then the attendance summary. Nobody real is ever called.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import create_app, gateway, groupcalls
from hotline.cli.app import with_local_app
from hotline.embedded import EmbeddedRedis
from hotline.emulator import (
    Answers,
    Emulator,
    EmulatorHttpClient,
    FakeTwilio,
    NoAnswer,
    OutboundCall,
    PersonalVoicemail,
    PhoneBehaviour,
    PhoneBook,
    WsgiTransport,
)
from hotline.extensions import db
from hotline.models import GroupSeries, GroupSession, ParticipantRole, Structure
from workers import group_jobs

ROLES = {"host": "anime", "invitee": "invité·e", "guest": "par code"}


@click.group(help="Group phone calls (réunions téléphoniques).")
def conference() -> None:
    pass


@conference.command("list", help="The series, one per line, id first.")
@with_local_app
def conference_list(app: Flask) -> None:
    rows = db.session.execute(
        select(GroupSeries, Structure.slug)
        .join(Structure, Structure.id == GroupSeries.structure_id)
        .order_by(GroupSeries.id)
    ).all()
    for series, slug in rows:
        audience = "équipe" if series.person_group is None else series.person_group.name
        hosts = ", ".join(h.name for h in series.hosts) or "sans animateur"
        state = "" if series.active else "  (inactive)"
        click.echo(
            f"{series.id}\t{slug}/{series.key}\t{series.title}\t{series.rrule}"
            f" {series.start_time:%H:%M} ({series.duration_minutes} min)"
            f"\t{audience}\t{hosts}{state}"
        )


def _series(value: str) -> GroupSeries:
    query = select(GroupSeries)
    query = query.where(
        GroupSeries.id == int(value) if value.isdigit() else GroupSeries.key == value
    )
    found = db.session.scalars(query).first()
    if found is None:
        raise click.ClickException(
            f"no series {value!r}: see `hotline conference list` (or run `hotline demo`)"
        )
    return found


def _phones(invitees: list[groupcalls.Invitee]) -> PhoneBook:
    """A lively mix: the host stays, one opens the * menu, one voicemail, one no answer."""
    book = PhoneBook()
    guests = [i for i in invitees if i.role is not ParticipantRole.HOST]
    for invitee in invitees:
        if invitee.phone_e164:
            book[invitee.phone_e164] = Answers(press="1 wait:300 hangup")
    behaviours: list[PhoneBehaviour] = [
        Answers(press="1 wait:60 * 2 1 wait:120 hangup"),
        PersonalVoicemail(pickup_seconds=3),
        NoAnswer(),
    ]
    for invitee, behaviour in zip(guests, behaviours, strict=False):
        if invitee.phone_e164:
            book[invitee.phone_e164] = behaviour
    return book


class _SimulatedClock:
    """The app's clock in the rehearsal: the emulator's time, moved by the dialling pauses."""

    def __init__(self, start: datetime) -> None:
        self.instant = start

    def __call__(self) -> datetime:
        return self.instant

    def wait(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)


@conference.command("start-now", help="Start a session of SERIES (id or key) in the emulator.")
@click.argument("series_ref", metavar="SERIES")
@click.option("--ascii", "ascii_only", is_flag=True, help="No emoji in the transcript.")
@with_local_app
def start_now(app: Flask, series_ref: str, ascii_only: bool) -> None:
    series = _series(series_ref)
    invitees = groupcalls.invitees(db.session, series)
    names = {i.phone_e164: (i.name, ROLES[i.role.value]) for i in invitees}
    phones = _phones(invitees)
    embedded = None
    if not app.config["REDIS_URL"]:
        embedded = EmbeddedRedis(Path(app.instance_path) / "redis-conference")
    try:
        _rehearse(app, series, phones, names, embedded, ascii_only)
    finally:
        if embedded is not None:
            embedded.close()


def _rehearse(
    app: Flask,
    series: GroupSeries,
    phones: PhoneBook,
    names: dict[str | None, tuple[str, str]],
    embedded: EmbeddedRedis | None,
    ascii_only: bool,
) -> None:
    clock = _SimulatedClock(app.config["CLOCK"]())
    overrides: dict[str, object] = {"PACE_SLEEP": clock.wait}
    if embedded is not None:
        overrides["REDIS_URL"] = embedded.url
    served = create_app(overrides)  # the webhooks' own app (see `hotline call`)
    emulator = Emulator(
        WsgiTransport(served),
        served.config["PUBLIC_BASE_URL"],
        served.config["TWILIO_AUTH_TOKEN"],
        account_sid=served.config["TWILIO_ACCOUNT_SID"],
        phones=phones,
        clock=clock,
    )
    fake = FakeTwilio(emulator)
    for each in (app, served):
        each.config.update(overrides, CLOCK=emulator.now)
        gateway.init_app(each, http_client=EmulatorHttpClient(fake))
    if embedded is not None:
        from hotline.extensions import redis_store

        redis_store.init_app(app)
    session = groupcalls.start_now(db.session, series.structure_id, series.id, emulator.now())
    db.session.commit()
    click.echo(
        f"Réunion « {series.title} » : session {session.id}, salle {session.conference_name}"
    )
    group_jobs.start_group_session(session.id)
    placed = fake.run_pending()
    placed += _retries(session.id, clock, emulator, fake)
    for call in placed:
        name, role = names.get(call.to, (call.to, ""))
        click.echo(f"\n── {name} ({role})")
        if call.log is not None:
            click.echo(call.log.transcript(ascii_only=ascii_only, times=True))
    _summary(session.id, series.structure_id, ascii_only)


def _retries(
    session_id: int, clock: _SimulatedClock, emulator: Emulator, fake: FakeTwilio
) -> list[OutboundCall]:
    """Place the retries of the unanswered when they fall due (the scheduler's job)."""
    placed: list[OutboundCall] = []
    db.session.expire_all()
    row = db.session.get(GroupSession, session_id)
    while row is not None:
        pending = groupcalls.legs_to_place(db.session, session_id)
        if not pending:
            break
        legs = [groupcalls.leg_context(db.session, leg_id) for leg_id in pending]
        due = min(ctx.leg.dial_at for ctx in legs if ctx is not None)
        ahead = (due - emulator.now()).total_seconds()
        if ahead > 0:
            clock.wait(ahead)
        for leg_id in pending:
            group_jobs.place_group_leg(leg_id)
        placed += fake.run_pending()
        db.session.expire_all()
    return placed


def _summary(session_id: int, structure_id: int, ascii_only: bool) -> None:
    db.session.expire_all()
    summary = groupcalls.session_summary(db.session, structure_id, session_id)
    click.echo(
        f"\nBilan : {summary.invited} invité·es, {summary.reached} joint·es,"
        f" {summary.joined} entré·es, {summary.minutes} min au total,"
        f" {summary.left_early} parti·es avant la fin."
    )
    for row in summary.rows:
        state = groupcalls.STATE_WORDS.get(row.status, row.status)
        click.echo(f"  {row.name} : {state}, {row.minutes} min {row.failure_reason}".rstrip())
