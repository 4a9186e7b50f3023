"""Importing persons from a spreadsheet: a preview first, every error with its line number.

The coordinator exports a CSV from their spreadsheet (comma or semicolon, UTF-8 or the
Windows encoding Excel uses), sees each row as it will be added and each problem as
"ligne 7 : téléphone : numéro non valide", and confirms. Nothing is added while any line is
wrong: a half-imported file would be harder to fix than a refused one. The confirmation sends
the same text back; it is read again, so what is added is exactly what was previewed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.contacts.persons import (
    PersonInvalid,
    PersonValues,
    add_person,
    next_key,
    plain,
    read_person,
)
from hotline.models import Person, Structure

COLUMNS = (
    "cle",
    "nom",
    "telephone",
    "langue",
    "isolee",
    "convention",
    "fin_contrat",
    "heures",
    "frequence_jours",
    "opposition",
)
# Headers as people write them, read without accents or case.
_ALIASES = {"téléphone": "telephone", "clé": "cle", "frequence": "frequence_jours"}
MAX_ROWS = 2000


@dataclass(frozen=True)
class ImportLine:
    line: int  # the file's line number (the header is line 1)
    values: PersonValues | None
    problems: tuple[str, ...] = ()


@dataclass
class ImportPreview:
    lines: list[ImportLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "ligne 3 : nom : obligatoire"

    @property
    def ready(self) -> bool:
        return bool(self.lines) and not self.problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's CSV in France)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def preview_import(session: Session, structure: Structure, text: str) -> ImportPreview:
    """Read the file and check every line against the structure and against itself."""
    preview = ImportPreview()
    rows = _rows(text, preview)
    if rows is None:
        return preview
    seen_phones: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    existing = _existing(session, structure.id)
    for line, raw in rows:
        try:
            values = read_person(raw, structure)
        except PersonInvalid as error:
            _refuse(preview, line, error.problems)
            continue
        problems = []
        if values.phone_e164:
            if values.phone_e164 in existing[0]:
                problems.append("téléphone : ce numéro est déjà celui d'une personne suivie")
            elif values.phone_e164 in seen_phones:
                problems.append(f"téléphone : déjà à la ligne {seen_phones[values.phone_e164]}")
            seen_phones.setdefault(values.phone_e164, line)
        if values.key:
            if values.key in existing[1]:
                problems.append(f"clé : « {values.key} » est déjà prise")
            elif values.key in seen_keys:
                problems.append(f"clé : déjà à la ligne {seen_keys[values.key]}")
            seen_keys.setdefault(values.key, line)
        if problems:
            _refuse(preview, line, problems)
        else:
            preview.lines.append(ImportLine(line, values))
    if not preview.lines and not preview.problems:
        preview.problems.append("Le fichier ne contient aucune personne.")
    return preview


def import_persons(
    session: Session, structure: Structure, text: str, *, now: datetime
) -> list[Person]:
    """Add every line of a file that previews without a problem; PersonInvalid otherwise."""
    preview = preview_import(session, structure, text)
    if not preview.ready:
        raise PersonInvalid(preview.problems or ["Le fichier ne contient aucune personne."])
    added: list[Person] = []
    keys = {line.values.key for line in preview.lines if line.values and line.values.key}
    for line in preview.lines:
        if line.values is None:  # never: a line without values carries problems
            continue
        values = line.values
        if not values.key:
            key = next_key(session, structure.id, keys)
            keys.add(key)
            values = PersonValues(**{**values.__dict__, "key": key})
        added.append(add_person(session, structure, values, now=now))
    return added


def _refuse(preview: ImportPreview, line: int, problems: list[str]) -> None:
    preview.lines.append(ImportLine(line, None, tuple(problems)))
    preview.problems.extend(f"ligne {line} : {problem}" for problem in problems)


def _rows(text: str, preview: ImportPreview) -> list[tuple[int, dict[str, str]]] | None:
    """(line number, fields by column name) for each non-empty line; None if unreadable."""
    if not text.strip():
        preview.problems.append("Le fichier est vide.")
        return None
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [_ALIASES.get(plain(name), plain(name)) for name in next(reader)]
    unknown = [name for name in header if name and name not in COLUMNS]
    if "nom" not in header or unknown:
        preview.problems.append(
            "ligne 1 : colonnes attendues "
            + ", ".join(COLUMNS)
            + (f" (inconnues : {', '.join(unknown)})" if unknown else " (nom obligatoire)")
        )
        return None
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            preview.problems.append(f"ligne {line} : plus de valeurs que de colonnes")
            continue
        rows.append((line, dict(zip(header, cells, strict=False))))
        if len(rows) > MAX_ROWS:
            preview.problems.append(f"Plus de {MAX_ROWS} lignes : découpez le fichier.")
            return None
    return rows


def _existing(session: Session, structure_id: int) -> tuple[set[str], set[str]]:
    rows = session.execute(
        select(Person.phone_e164, Person.key).where(Person.structure_id == structure_id)
    ).all()
    return {p for p, _ in rows if p}, {k for _, k in rows}
