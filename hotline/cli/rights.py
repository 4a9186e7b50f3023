"""`hotline purge` and `hotline person export|erase`: retention and a person's rights.

`purge` runs what the daily job runs (`--dry-run` says what would go and deletes nothing).
`person export` writes everything about one person (JSON or CSV), `person erase` deletes it
(recordings at the provider first); both are written to the audit log with no staff member.
Messages are in French: the coordinator often runs them.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from hotline import clock, gateway, retention
from hotline.cli.app import with_app
from hotline.extensions import db
from hotline.models import Structure


@click.command(help="Delete what the retention settings say must go (daily job, by hand).")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_app
def purge(_app: Flask, dry_run: bool) -> None:
    reports = retention.purge_all(db.session, clock.now(), dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for report in reports:
        for line in report.lines():
            click.echo(line)


@click.group(help="A person's rights: export (access) or erase their data.")
def person() -> None:
    pass


def _subject(slug: str, key: str | None, phone: str | None) -> retention.Subject:
    structure = db.session.scalar(select(Structure).where(Structure.slug == slug))
    if structure is None:
        raise click.ClickException(f"Aucune structure « {slug} ».")
    if bool(key) == bool(phone):
        raise click.ClickException("Donnez --key (une personne connue) ou --phone (un numéro).")
    try:
        return retention.find_subject(db.session, structure, key=key, phone=phone)
    except retention.SubjectNotFound as error:
        raise click.ClickException(str(error)) from None


_WHO = [
    click.argument("slug"),
    click.option("--key", help="The person's key in the structure file (p-001)."),
    click.option("--phone", help="A caller's number, known person or not."),
]


def _who(command: click.decorators.FC) -> click.decorators.FC:
    for decorator in reversed(_WHO):
        command = decorator(command)
    return command


@person.command("export", help="Write everything stored about one person (JSON or CSV).")
@_who
@click.option("--format", "kind", type=click.Choice(["json", "csv"]), default="json")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@with_app
def export(
    _app: Flask, slug: str, key: str | None, phone: str | None, kind: str, output: Path | None
) -> None:
    subject = _subject(slug, key, phone)
    data = retention.export_subject(db.session, subject, staff_id=None, now=clock.now())
    text = retention.to_json(data) if kind == "json" else retention.to_csv(data)
    db.session.commit()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"export écrit dans {output}", err=True)


@person.command("erase", help="Erase everything about one person (recordings included).")
@_who
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_app
def erase(_app: Flask, slug: str, key: str | None, phone: str | None, yes: bool) -> None:
    subject = _subject(slug, key, phone)
    if not yes:
        click.confirm("Effacer définitivement toutes les données de cette personne ?", abort=True)
    try:
        done = retention.erase_subject(db.session, subject, staff_id=None, now=clock.now())
    except gateway.GatewayError as error:
        db.session.rollback()
        raise click.ClickException(
            f"Rien n'a été effacé : un enregistrement n'a pas pu être supprimé chez "
            f"l'opérateur ({error.reason}). Réessayez plus tard."
        ) from None
    db.session.commit()
    click.echo(f"effacé : {done.words()}")
    if key:
        click.echo("Retirez aussi cette personne du fichier de la structure (people:).")
