"""Commands' glue: load a structure file and refresh the caches that depend on it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from hotline import accounts, clock, migrate
from hotline.directory import directory
from hotline.extensions import db
from hotline.models import Staff, Structure
from hotline.structure_file import LoadResult, load_structure, parse_structure_file

DEMO_FILE = Path(__file__).resolve().parents[2] / "structures" / "demo.yaml"
REHEARSAL_DATABASE = "rehearsal.sqlite3"


def rehearsal_database_url(instance: Path) -> str:
    """The database of rehearsals (`--at`), beside the live one and never the live one."""
    return f"sqlite:///{instance / REHEARSAL_DATABASE}"


def load_structure_path(path: Path) -> LoadResult:
    """Validate, load and commit a structure file; the webhooks see it at once here."""
    spec = parse_structure_file(path)
    result = load_structure(db.session, spec, now=clock.now())
    db.session.commit()
    directory().invalidate()
    return result


def prepare_demo(app: Flask, demo_file: Path, port: int = 5000) -> list[str]:
    """Migrate, load the demo structure (idempotently) and describe how to call it.

    Loading again never undoes what the dashboard or the phone menu changed (the file owns
    only what it describes, see the structure file loader), so every start may do it.
    """
    migrate.upgrade(app)
    result = load_structure_path(demo_file)
    info = directory().by_slug(db.session, result.slug)
    if info is None:  # the file was just committed: only a concurrent delete gets here
        raise LookupError(f"structure {result.slug!r} vanished right after it was loaded")
    lines = [f"Structure de démonstration : {info.name} ({result.slug})"]
    lines += [f"  numéro : {number}" for number in info.numbers]
    if app.config["HOTLINE_ENV"] != "production":
        lines += _demo_accounts(info.id, port)
    number = info.numbers[0]
    lines.append("Pour appeler (dans un autre terminal) :")
    lines.append(f"  .venv/bin/hotline call --to {number}")
    # Numbers of their own: the language is asked only of a number that never called.
    lines.append(f'  .venv/bin/hotline call --to {number} --from +33600000301 --keys "1 3"')
    lines.append(  # Jean Martin, whose language the file gives: no language question
        f"  .venv/bin/hotline call --url http://127.0.0.1:{port} --to {number} "
        '--from +33600000101 --keys "1 wait:600 # 1" --staff no-answer'
    )
    return lines


def demo_number(app: Flask) -> str:
    """The demo's first number; the demo is prepared first if this database lacks it."""
    spec = parse_structure_file(DEMO_FILE)
    if not migrate.is_current(app) or directory().by_slug(db.session, spec.slug) is None:
        prepare_demo(app, DEMO_FILE)
    info = directory().by_slug(db.session, spec.slug)
    if info is None:
        raise LookupError(f"structure {spec.slug!r} vanished right after it was loaded")
    return info.numbers[0]


def prepare_database(app: Flask) -> None:
    """Migrate an unprepared database and give it the demo if it has no structure at all."""
    if migrate.is_current(app) and db.session.scalar(select(Structure.id).limit(1)) is not None:
        return
    prepare_demo(app, DEMO_FILE)


DEMO_PASSWORD = "accueil-demo-2026"
DEMO_PIN = "2580"


def _demo_accounts(structure_id: int, port: int) -> list[str]:
    """Give the demo staff a known password and PIN (never in production), and say so."""
    staff = db.session.scalars(select(Staff).where(Staff.structure_id == structure_id)).all()
    lines = [f"Tableau de bord (http://127.0.0.1:{port}/login), mot de passe {DEMO_PASSWORD} :"]
    for member in staff:
        if member.email and member.password_hash is None:
            accounts.set_password(member, DEMO_PASSWORD)
        if member.pin_hash is None:
            accounts.set_pin(member, DEMO_PIN)
        if member.email:
            lines.append(f"  {member.email} ({member.role})")
    lines.append(f"Code personnel du menu téléphonique des accompagnants : {DEMO_PIN}")
    db.session.commit()
    return lines
