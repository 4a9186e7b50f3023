"""Commands' glue: load a structure file and refresh the caches that depend on it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hotline import clock, migrate
from hotline.directory import directory
from hotline.extensions import db
from hotline.structures import LoadResult, load_structure, parse_structure_file


def load_structure_path(path: Path) -> LoadResult:
    """Validate, load and commit a structure file; the webhooks see it at once here."""
    spec = parse_structure_file(path)
    result = load_structure(db.session, spec, now=clock.now())
    db.session.commit()
    directory().invalidate()
    return result


def prepare_demo(app: Flask, demo_file: Path) -> list[str]:
    """Migrate, load the demo structure (idempotently) and describe how to call it."""
    migrate.upgrade(app)
    result = load_structure_path(demo_file)
    info = directory().by_slug(db.session, result.slug)
    assert info is not None
    lines = [f"Structure de démonstration : {info.name} ({result.slug})"]
    lines += [f"  numéro : {number}" for number in info.numbers]
    lines.append("Pour appeler (dans un autre terminal) :")
    lines.append(f"  .venv/bin/hotline call --to {info.numbers[0]}")
    lines.append(f'  .venv/bin/hotline call --to {info.numbers[0]} --keys "3 1"')
    return lines
