"""Load a checked structure file into the database, in place and idempotently.

The file is the coordinator's statement of how things should be; loading it makes the rows
say the same with as few writes as possible. Children are matched by their keys (numbers by
E.164, themes, staff and people by `key`), so ids — and everything pointing at them, like
callbacks and calls — survive an edit, and loading an unchanged file writes nothing at all.

The file owns what it describes, and only that (README, "Who owns what"): the dashboard owns
the callback policy once a coordinator chose one in Réglages, the phone menu owns "off duty
today", and the command line owns accounts — staff it created (not in the file), sign-in
addresses and roles once an account exists. A load never undoes them.

Three flushes keep the unique constraints satisfied whatever the edit: first every row that
must go is deleted, then rows whose unique value (a theme digit, a person's phone) moves are
parked on a placeholder, then the final values and new rows are written. Without the middle
step, swapping the digits of two themes would violate `(structure_id, digit)` on the first
UPDATE, on PostgreSQL as on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    DutyException,
    DutySlot,
    Person,
    PhoneNumber,
    Staff,
    Structure,
    Theme,
)
from hotline.structure_file.audit_load import audit_settings
from hotline.structure_file.callbacks_section import apply_callbacks, changed_words, log_policy
from hotline.structure_file.group_calls_section import apply_group_calls
from hotline.structure_file.ownership import (
    callbacks_to_apply,
    came_from_file,
    remember_file_staff,
)
from hotline.structure_file.sections import apply_check_ins, apply_retention
from hotline.structure_file.spec import ExceptionSpec, SlotSpec, StaffSpec, StructureSpec
from hotline.yamlfile import FileProblems, Problem

# Parking values for theme digits while digits move between themes: never real digits.
_PARKED_DIGITS = "abcdefghijklmnopqrstuvwxyz"

# Changes are reported in the file's words, not the columns'.
_FILE_NAMES = {
    "phone_e164": "phone",
    "close_on_holidays": "holidays.close",
    "alsace_moselle": "holidays.alsace_moselle",
    "voicemail_retention_days": "retention.voicemail_days",
}


@dataclass(frozen=True)
class LoadResult:
    """What a load did: `changes` is empty when the database already matched the file."""

    slug: str
    created: bool
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # what the file says but the app owns


def load_structure(
    session: Session, spec: StructureSpec, now: datetime | None = None
) -> LoadResult:
    """Create or update the structure `spec.slug` to match the file; flushes, never commits.

    `updated_at` becomes `now` (aware; default the wall clock) only when a row changed.
    A number that already belongs to another structure raises FileProblems at its line.
    The optional `callbacks` section replaces the queue settings; a changed policy is logged.
    """
    structure = session.scalar(select(Structure).where(Structure.slug == spec.slug))
    _refuse_numbers_of_others(session, spec)
    created = structure is None
    if structure is None:
        structure = Structure(slug=spec.slug, settings={})
        session.add(structure)
    with session.no_autoflush:
        sync = _Sync(session, structure, spec)
        changes = sync.run()
    before = (structure.settings or {}).get("callbacks")
    callbacks, kept = callbacks_to_apply(session, structure, spec.callbacks)
    policy = apply_callbacks(structure, callbacks)
    remember_file_staff(structure, [staff.key for staff in spec.staff])
    changes += changed_words(created, before, structure)
    changes += apply_retention(structure, spec, created)
    changes += apply_check_ins(structure, spec, created)
    if not created:
        group_changes, group_kept = apply_group_calls(session, structure, spec.group_calls)
        changes, kept = changes + group_changes, kept + group_kept
    at = now or datetime.now(UTC)
    if created or changes:
        structure.updated_at = at
    session.flush()
    if created:  # the groups' members and the series' hosts need the rows' ids
        apply_group_calls(session, structure, spec.group_calls)
    if policy is not None:
        log_policy(session, structure, policy, at)
    audit_settings(session, structure, changes, policy is not None, at)
    return LoadResult(spec.slug, created, changes, sync.kept + kept)


def _refuse_numbers_of_others(session: Session, spec: StructureSpec) -> None:
    wanted = {number.e164: (index, number.line) for index, number in enumerate(spec.numbers)}
    owned = session.execute(
        select(PhoneNumber.e164, Structure.slug)
        .join(Structure, PhoneNumber.structure_id == Structure.id)
        .where(PhoneNumber.e164.in_(list(wanted)), Structure.slug != spec.slug)
    ).all()
    problems = [
        Problem(
            spec.path,
            wanted[e164][1],
            f"numbers[{wanted[e164][0]}].number",
            f"{e164} already belongs to the structure {slug!r}; a number belongs to one only",
        )
        for e164, slug in owned
    ]
    if problems:
        raise FileProblems(sorted(problems, key=lambda problem: problem.line or 0))


def _assign(row: Any, values: Mapping[str, Any]) -> list[str]:
    """Set only the attributes that differ (an equal value written would still be an UPDATE)."""
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def _slot_key(slot: DutySlot) -> SlotSpec:
    return SlotSpec(slot.theme.key, slot.weekday, slot.start, slot.end)


def _exception_key(row: DutyException) -> ExceptionSpec:
    theme = row.theme.key if row.theme is not None else None
    return ExceptionSpec(row.day, row.closed, row.start, row.end, theme, row.note or "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class _Sync:
    """One load: prune, park moving unique values, then write; collects what changed."""

    def __init__(self, session: Session, structure: Structure, spec: StructureSpec) -> None:
        self.session = session
        self.structure = structure
        self.spec = spec
        self.changes: list[str] = []
        self.kept: list[str] = []
        self.staff_specs = {staff.key: staff for staff in spec.staff}

    def run(self) -> list[str]:
        self.write_fields()  # first: a new structure must be complete when first flushed
        self.prune()
        self.session.flush()
        if self.park():
            self.session.flush()
        self.write()
        return self.changes

    # -- 1. delete what the file no longer has ----------------------------------------------

    def prune(self) -> None:
        spec, structure = self.spec, self.structure
        for staff in list(structure.staff):
            wanted = self.staff_specs.get(staff.key)
            if wanted is None:
                if came_from_file(structure, staff.key, staff.password_hash is not None):
                    self.drop_staff(staff)
                else:
                    self.kept.append(f"staff {staff.key!r}: created outside the file")
            else:
                self.prune_duty(staff, wanted)
        closures = [e for e in structure.closures if e.staff is None]
        self.prune_exceptions("closures", closures, spec.closures)
        self.drop_missing("number", structure.numbers, {n.e164 for n in spec.numbers}, "e164")
        self.drop_missing("theme", structure.themes, {t.key for t in spec.themes}, "key")
        # Persons a coordinator added in the dashboard are the app's: a file never removes them.
        wanted_people = {p.key for p in spec.people}
        for person in list(structure.people):
            if person.managed_by == "dashboard" and person.key not in wanted_people:
                wanted_people.add(person.key)
        self.drop_missing("person", structure.people, wanted_people, "key")

    def drop_staff(self, staff: Staff) -> None:
        for exception in list(staff.exceptions):
            self.drop_exception(exception)
        self.structure.staff.remove(staff)
        self.session.delete(staff)
        self.changes.append(f"staff {staff.key!r} removed")

    def drop_exception(self, exception: DutyException) -> None:
        """Out of both collections it sits in, so no cascade keeps or re-parents it."""
        if exception in self.structure.closures:
            self.structure.closures.remove(exception)
        if exception.staff is not None:
            exception.staff.exceptions.remove(exception)
        self.session.delete(exception)

    def drop_missing(self, noun: str, rows: list[Any], wanted: set[str], attribute: str) -> None:
        for row in list(rows):
            if getattr(row, attribute) not in wanted:
                rows.remove(row)
                self.session.delete(row)
                self.changes.append(f"{noun} {getattr(row, attribute)!r} removed")

    def prune_duty(self, staff: Staff, wanted: StaffSpec) -> None:
        wanted_slots, seen = set(wanted.slots), set()
        removed = 0
        for slot in list(staff.slots):
            key = _slot_key(slot)
            if key not in wanted_slots or key in seen:
                staff.slots.remove(slot)
                self.session.delete(slot)
                removed += 1
            seen.add(key)
        if removed:
            self.changes.append(f"staff {staff.key!r}: {_plural(removed, 'duty slot')} removed")
        own = [row for row in staff.exceptions if not row.set_by_phone]
        self.prune_exceptions(f"staff {staff.key!r}", own, wanted.exceptions)

    def prune_exceptions(
        self, owner: str, rows: Iterable[DutyException], wanted: Iterable[ExceptionSpec]
    ) -> None:
        wanted_set, seen = set(wanted), set()
        removed = 0
        for row in rows:
            key = _exception_key(row)
            if key not in wanted_set or key in seen:
                self.drop_exception(row)
                removed += 1
            seen.add(key)
        if removed:
            self.changes.append(f"{owner}: {_plural(removed, 'dated exception')} removed")

    # -- 2. park unique values that move between rows ---------------------------------------

    def park(self) -> bool:
        """Theme digits and person phones that change get a value no final row will hold."""
        parked = False
        digits = {theme.key: theme.digit for theme in self.spec.themes}
        for index, theme in enumerate(self.structure.themes):
            if theme.digit != digits[theme.key]:
                theme.digit = _PARKED_DIGITS[index]
                parked = True
        phones = {person.key: person.phone for person in self.spec.people}
        for person in self.structure.people:
            if person.key not in phones:  # added in the dashboard: the file says nothing
                continue
            if person.phone_e164 is not None and person.phone_e164 != phones[person.key]:
                person.phone_e164 = None
                parked = True
        return parked

    # -- 3. write final values and new rows -------------------------------------------------

    def write(self) -> None:
        self.write_numbers()
        themes = self.write_themes()
        by_key = {staff.key: staff for staff in self.structure.staff}
        for wanted in self.spec.staff:
            self.write_staff(by_key.get(wanted.key), wanted, themes)
        closures = [e for e in self.structure.closures if e.staff is None]
        self.add_exceptions("closures", None, closures, self.spec.closures, themes)
        self.write_people()

    def write_fields(self) -> None:
        spec = self.spec
        changed = _assign(
            self.structure,
            {
                "name": spec.name,
                "timezone": spec.timezone,
                "script": spec.script,
                "languages": list(spec.languages),
                "close_on_holidays": spec.close_on_holidays,
                "alsace_moselle": spec.alsace_moselle,
                "voicemail_retention_days": spec.voicemail_retention_days,
            },
        )
        if self.structure.id is not None:  # a new structure has no "before" to report
            self.changes.extend(f"{_FILE_NAMES.get(name, name)} changed" for name in changed)

    def write_numbers(self) -> None:
        existing = {number.e164: number for number in self.structure.numbers}
        for wanted in self.spec.numbers:
            row = existing.get(wanted.e164)
            if row is None:
                self.structure.numbers.append(PhoneNumber(e164=wanted.e164, label=wanted.label))
                self.changes.append(f"number {wanted.e164!r} added")
            elif _assign(row, {"label": wanted.label}):
                self.changes.append(f"number {wanted.e164!r}: label changed")

    def write_themes(self) -> dict[str, Theme]:
        existing = {theme.key: theme for theme in self.structure.themes}
        for position, wanted in enumerate(self.spec.themes):
            values = {
                "digit": wanted.digit,
                "position": position,
                "labels": dict(wanted.labels),
                "keywords": {code: list(words) for code, words in wanted.keywords.items()},
            }
            row = existing.get(wanted.key)
            if row is None:
                existing[wanted.key] = Theme(key=wanted.key, **values)
                self.structure.themes.append(existing[wanted.key])
                self.changes.append(f"theme {wanted.key!r} added")
            else:
                self.report(f"theme {wanted.key!r}", _assign(row, values))
        return existing

    def report(self, owner: str, changed: list[str]) -> None:
        if changed:
            names = ", ".join(_FILE_NAMES.get(name, name) for name in changed)
            self.changes.append(f"{owner}: {names} changed")

    def write_staff(self, row: Staff | None, wanted: StaffSpec, themes: dict[str, Theme]) -> None:
        values: dict[str, Any] = {
            "name": wanted.name,
            "phone_e164": wanted.phone,
            "active": wanted.active,
        }
        account = {"email": wanted.email, "role": wanted.role}
        owner = f"staff {wanted.key!r}"
        if row is None:
            row = Staff(key=wanted.key, **values, **account)
            self.structure.staff.append(row)
            self.changes.append(f"{owner} added")
        else:
            if row.password_hash is None:  # no account yet: the file still says who signs in
                values.update(account)
            elif any(getattr(row, name) != value for name, value in account.items()):
                self.kept.append(f"{owner}: email and role of the account")
            self.report(owner, _assign(row, values))
        have = {_slot_key(slot) for slot in row.slots}
        missing = [slot for slot in wanted.slots if slot not in have]
        for slot in missing:
            row.slots.append(
                DutySlot(
                    theme=themes[slot.theme], weekday=slot.weekday, start=slot.start, end=slot.end
                )
            )
        if missing and row.id is not None:
            self.changes.append(f"{owner}: {_plural(len(missing), 'duty slot')} added")
        self.add_exceptions(owner, row, list(row.exceptions), wanted.exceptions, themes)

    def add_exceptions(
        self,
        owner: str,
        staff: Staff | None,
        rows: Iterable[DutyException],
        wanted: Iterable[ExceptionSpec],
        themes: dict[str, Theme],
    ) -> None:
        have = {_exception_key(row) for row in rows}
        missing = [exception for exception in wanted if exception not in have]
        for exception in missing:
            # Added explicitly: since SQLAlchemy 2.0, setting the many-to-one side does not
            # cascade the new row into the session.
            self.session.add(
                DutyException(
                    structure=self.structure,
                    staff=staff,
                    theme=themes[exception.theme] if exception.theme else None,
                    day=exception.day,
                    closed=exception.closed,
                    start=exception.start,
                    end=exception.end,
                    note=exception.note,
                )
            )
        if missing and (staff is None or staff.id is not None):
            self.changes.append(f"{owner}: {_plural(len(missing), 'dated exception')} added")

    def write_people(self) -> None:
        existing = {person.key: person for person in self.structure.people}
        for wanted in self.spec.people:
            values = {
                "name": wanted.name,
                "phone_e164": wanted.phone,
                "language": wanted.language,
                "isolated": wanted.isolated,
                "has_convention": wanted.has_convention,
                "risk": wanted.risk,
            }
            row = existing.get(wanted.key)
            if row is not None and row.managed_by != "file":
                row.managed_by = "file"  # the file now describes them: it owns these fields
            if row is None:
                self.structure.people.append(Person(key=wanted.key, managed_by="file", **values))
                self.changes.append(f"person {wanted.key!r} added")
            else:
                self.report(f"person {wanted.key!r}", _assign(row, values))
