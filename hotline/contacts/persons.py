"""The persons a structure follows: added, edited and imported by coordinators.

One reading of what a coordinator typed (`read_person`), shared by the form and the CSV
import, so a number or a date is accepted or refused with the same French words in both.
Numbers go through `phones.read_any_french_phone` (overseas departments included) and are
stored in E.164; a number already held by another person of the structure is refused.

Persons described in the structure file belong to the file (`managed_by == "file"`): the
dashboard edits only what the file does not describe (contract end, objection, call hours,
contact frequency); the others are the dashboard's own, and loading the file never removes
them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import phones
from hotline.models import Person, Structure

MAX_EVERY_DAYS = 90
# What the file does not describe: the only fields a dashboard edit changes on a file person.
APP_OWNED = ("contract_end", "objects_to_calls", "call_from", "call_to", "contact_every_days")
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_HOURS = re.compile(r"(\d{1,2})[:h](\d{2})?\s*[-–à]+\s*(\d{1,2})[:h](\d{2})?")
_YES = {"oui", "o", "x", "1", "vrai", "true", "yes", "on"}
_NO = {"", "non", "n", "0", "faux", "false", "no", "off"}


class PersonInvalid(ValueError):
    """What is wrong with what was typed, one French sentence per field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PersonValues:
    """A person as typed and checked, ready to be written."""

    key: str
    name: str
    phone_e164: str | None
    language: str | None
    isolated: bool
    has_convention: bool
    contract_end: date | None
    objects_to_calls: bool
    call_from: time | None
    call_to: time | None
    contact_every_days: int | None

    def columns(self, only: tuple[str, ...] | None = None) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "key"}
        return {k: v for k, v in values.items() if only is None or k in only}


def plain(text: str) -> str:
    """Lower case without accents: how a header or a yes/no is compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def read_flag(raw: str | None, label: str, problems: list[str]) -> bool:
    value = plain(raw or "")
    if value in _YES:
        return True
    if value not in _NO:
        problems.append(f"{label} : répondez oui ou non (« {raw} »)")
    return False


def read_date(raw: str | None, label: str, problems: list[str]) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    problems.append(f"{label} : date attendue sous la forme 31/12/2026 (« {text} »)")
    return None


def read_hours(raw: str | None, problems: list[str]) -> tuple[time | None, time | None]:
    """ "9:00-12:30", "9h-12h", "09:00 à 17:00" → (from, to); empty → the structure's hours."""
    text = (raw or "").strip()
    if not text:
        return None, None
    found = _HOURS.fullmatch(text)
    try:
        if found is None:
            raise ValueError
        start = time(int(found[1]), int(found[2] or 0))
        end = time(int(found[3]), int(found[4] or 0))
    except ValueError:
        problems.append(f"heures d'appel : écrivez par exemple 9:00-12:30 (« {text} »)")
        return None, None
    if end <= start:
        problems.append("heures d'appel : la fin doit venir après le début, le même jour")
        return None, None
    return start, end


def read_every(raw: str | None, problems: list[str]) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_EVERY_DAYS:
        problems.append(f"fréquence : un nombre de jours de 1 à {MAX_EVERY_DAYS} (« {text} »)")
        return None
    return int(text)


def read_person(raw: Mapping[str, str], structure: Structure) -> PersonValues:
    """What a coordinator typed (form or CSV row, French field names) → checked values.

    Fields: cle, nom, telephone, langue, isolee, convention, fin_contrat, heures,
    frequence_jours, opposition. PersonInvalid lists every problem at once.
    """
    problems: list[str] = []
    name = " ".join((raw.get("nom") or "").split())
    if not name:
        problems.append("nom : obligatoire")
    elif len(name) > 200:
        problems.append("nom : 200 caractères au plus")
    key = plain(raw.get("cle") or "")
    if key and not _KEY.fullmatch(key):
        problems.append("clé : lettres, chiffres, - ou _ (64 au plus)")
    phone = None
    if (raw.get("telephone") or "").strip():
        try:
            phone = phones.read_any_french_phone(raw["telephone"])
        except ValueError:
            problems.append(f"téléphone : numéro non valide (« {raw['telephone'].strip()} »)")
    language = plain(raw.get("langue") or "") or None
    if language is not None and language not in (structure.languages or ["fr"]):
        offered = ", ".join(structure.languages or ["fr"])
        problems.append(f"langue : une des langues de la structure ({offered})")
    call_from, call_to = read_hours(raw.get("heures"), problems)
    values = PersonValues(
        key=key,
        name=name,
        phone_e164=phone,
        language=language,
        isolated=read_flag(raw.get("isolee"), "isolée", problems),
        has_convention=read_flag(raw.get("convention"), "convention", problems),
        contract_end=read_date(raw.get("fin_contrat"), "fin de contrat", problems),
        objects_to_calls=read_flag(raw.get("opposition"), "opposition", problems),
        call_from=call_from,
        call_to=call_to,
        contact_every_days=read_every(raw.get("frequence_jours"), problems),
    )
    if problems:
        raise PersonInvalid(problems)
    return values


def check_unique(
    session: Session, structure_id: int, values: PersonValues, person_id: int | None = None
) -> None:
    """PersonInvalid when another person of the structure has this key or this number."""
    problems = []
    others = select(Person).where(Person.structure_id == structure_id)
    if person_id is not None:
        others = others.where(Person.id != person_id)
    if values.phone_e164 and session.scalar(others.where(Person.phone_e164 == values.phone_e164)):
        problems.append("téléphone : ce numéro est déjà celui d'une autre personne")
    if values.key and session.scalar(others.where(Person.key == values.key)):
        problems.append(f"clé : « {values.key} » est déjà prise")
    if problems:
        raise PersonInvalid(problems)


def next_key(
    session: Session, structure_id: int, taken: frozenset[str] | set[str] = frozenset()
) -> str:
    """A free key "p-042" for a person added without one."""
    count = session.scalar(select(func.count(Person.id)).where(Person.structure_id == structure_id))
    number = (count or 0) + 1
    while True:
        key = f"p-{number:03d}"
        clash = session.scalar(
            select(Person.id).where(Person.structure_id == structure_id, Person.key == key)
        )
        if clash is None and key not in taken:
            return key
        number += 1


def add_person(
    session: Session, structure: Structure, values: PersonValues, *, now: datetime
) -> Person:
    """A new person managed in the dashboard (flushed); PersonInvalid on a taken key or number."""
    check_unique(session, structure.id, values)
    person = Person(
        structure_id=structure.id,
        key=values.key or next_key(session, structure.id),
        managed_by="dashboard",
        created_at=now,
        risk=0,
        **values.columns(),
    )
    session.add(person)
    session.flush()
    return person


def update_person(session: Session, person: Person, values: PersonValues) -> list[str]:
    """Change a person (flushed); returns the names of the fields the file owns and kept.

    A person of the structure file keeps its name, number, language and flags (the file
    owns them: a reload would undo an edit made here); the rest changes.
    """
    owned_by_file = person.managed_by == "file"
    check_unique(session, person.structure_id, values, person.id)
    wanted = values.columns(APP_OWNED if owned_by_file else None)
    for name, value in wanted.items():
        setattr(person, name, value)
    session.flush()
    if not owned_by_file:
        return []
    return [
        name
        for name, value in values.columns().items()
        if name not in wanted and getattr(person, name) != value
    ]


def person_form(person: Person) -> dict[str, str]:
    """A person as the form shows it (the same field names `read_person` reads)."""
    hours = ""
    if person.call_from and person.call_to:
        hours = f"{person.call_from:%H:%M}-{person.call_to:%H:%M}"
    return {
        "cle": person.key,
        "nom": person.name,
        "telephone": person.phone_e164 or "",
        "langue": person.language or "",
        "isolee": "oui" if person.isolated else "",
        "convention": "oui" if person.has_convention else "",
        "fin_contrat": f"{person.contract_end:%d/%m/%Y}" if person.contract_end else "",
        "heures": hours,
        "frequence_jours": str(person.contact_every_days or ""),
        "opposition": "oui" if person.objects_to_calls else "",
    }
