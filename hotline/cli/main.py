"""The `hotline` command: run the services, load structures, check scripts, place calls."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from hotline import migrate
from hotline.cli import demo as services
from hotline.cli.app import with_any_app, with_app
from hotline.cli.call import call
from hotline.cli.conference import conference
from hotline.cli.emulator import emulator
from hotline.cli.rights import person, purge
from hotline.cli.run import run
from hotline.cli.staff import staff
from hotline.emulator.voices import voice_problem
from hotline.extensions import db as database
from hotline.extensions import redis_store
from hotline.structure_file import dump_structure
from hotline.voice.check import check_all
from hotline.voice.script import scripts_root
from hotline.voice.speech import report as speech_report
from hotline.yamlfile import FileProblems
from workers.process import run_worker
from workers.sweeps import run_scheduler


@click.group(help="hotline: a telephone hotline for work-integration social enterprises.")
def main() -> None:
    pass


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply the migrations (the Procfile's release step).")
@with_any_app
def db_upgrade(app: Flask) -> None:
    migrate.upgrade(app)
    click.echo("database is up to date")


@main.group(help="Structure files (YAML): load and dump.")
def structure() -> None:
    pass


@structure.command(
    "load", help="Load (or update in place) a structure file; loading twice changes nothing."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app
def structure_load(_app: Flask, path: Path) -> None:
    try:
        result = services.load_structure_path(path)
    except FileProblems as problems:
        raise click.ClickException(f"{path} was not loaded:\n{problems}") from None
    verb = "created" if result.created else ("updated" if result.changes else "unchanged")
    click.echo(f"structure {result.slug!r} {verb}")
    for change in result.changes:
        click.echo(f"  - {change}")
    for kept in result.kept:
        click.echo(f"  = kept, owned by the dashboard, phone or command line: {kept}")


@structure.command("dump", help="Write a structure back as YAML (to stdout).")
@click.argument("name")
@with_app
def structure_dump(_app: Flask, name: str) -> None:
    try:
        click.echo(dump_structure(database.session, name), nl=False)
    except LookupError as error:
        raise click.ClickException(str(error)) from None


@main.group(help="Voice scripts.")
def scripts() -> None:
    pass


@scripts.command(
    "check",
    help="Validate every voice script (schema, graph, translations, Twilio voices) and time"
    " the speech before each menu's last option against the script's speech_budget.",
)
@click.argument(
    "root", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
def scripts_check(root: Path | None) -> None:
    folder = root or scripts_root()
    if folder.is_dir():
        for line in speech_report(folder):
            click.echo(line)
    problems = check_all(folder, voice_check=voice_problem)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {folder}")
    click.echo(f"voice scripts in {folder}: OK")


@main.command(help="Migrate, load the demo structure and print its numbers.")
@with_any_app
def demo(app: Flask) -> None:
    for line in services.prepare_demo(app, services.DEMO_FILE):
        click.echo(line)


@main.command(
    help="Run the RQ worker (with RQ's scheduler for delayed jobs); Redis lost is waited out."
)
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--log-level",
    envvar="HOTLINE_WORKER_LOG_LEVEL",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="RQ's own lines: INFO shows every job, sweeps included (`hotline run` says WARNING).",
)
@with_any_app  # it needs only Redis to start: jobs meet the database, which a release migrates
def worker(_app: Flask, burst: bool, log_level: str) -> None:
    run_worker(redis_store.connection, burst=burst, logging_level=log_level.upper())


@main.command(help="Run the periodic sweeps (one process per deployment).")
@with_app
def scheduler(_app: Flask) -> None:
    run_scheduler(redis_store.connection)


main.add_command(call)
main.add_command(conference)
main.add_command(emulator)
main.add_command(run)
main.add_command(staff)
main.add_command(purge)
main.add_command(person)
