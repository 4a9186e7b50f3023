"""An in-process, read-only snapshot of every structure, keyed by its numbers.

The hot path (a webhook) must not run a dozen queries to learn which structure
was called, its themes and who is on duty. Every STRUCTURE_CACHE_SECONDS a process
reads the directory's version (one statement, `hotline.directory_version`) and
rebuilds the snapshot (seven) only when a change bumped it, or after
`REBUILD_ANYWAY_SECONDS` whatever it says; the process that changed it rebuilds at
once (`invalidate`). Other processes pick a change up within the delay.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline import directory_version
from hotline.models import DutyException, Staff, Structure
from hotline.retention.settings import retention_settings
from hotline.schedules import Calendar, DatedException, WeeklySlot

# A safety net: rebuilt at least this often, even if no flush bumped the version.
REBUILD_ANYWAY_SECONDS = 300


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    key: str
    digit: str
    labels: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]

    def label(self, lang: str, default_lang: str) -> str:
        return self.labels.get(lang) or self.labels.get(default_lang) or self.key


@dataclass(frozen=True)
class Duty:
    """When one staff member answers for one theme."""

    staff_id: int
    theme_id: int
    slots: tuple[WeeklySlot, ...]
    exceptions: tuple[DatedException, ...]


@dataclass(frozen=True)
class StructureInfo:
    id: int
    slug: str
    name: str
    tz: ZoneInfo
    calendar: Calendar
    script: str
    languages: tuple[str, ...]
    retention_days: int
    numbers: tuple[str, ...]
    themes: tuple[ThemeInfo, ...]
    duties: tuple[Duty, ...]
    staff_phones: Mapping[int, str] = field(repr=False)
    contact_months: int = 24  # calls and callbacks kept after the last contact (retention)
    # TwiML this snapshot always answers the same (the greeting), by what it depends on; a
    # rebuilt snapshot starts empty, so a changed structure is never answered from here.
    rendered: dict[tuple[object, ...], tuple[object, str]] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def theme_by_key(self, key: str | None) -> ThemeInfo | None:
        return next((t for t in self.themes if t.key == key), None)

    def theme_by_digit(self, digit: str) -> ThemeInfo | None:
        return next((t for t in self.themes if t.digit == digit), None)


class Directory:
    """Number → StructureInfo, refreshed from the database when stale."""

    def __init__(self, max_age_seconds: float) -> None:
        self._max_age = max_age_seconds
        self._lock = threading.Lock()
        self._by_number: dict[str, StructureInfo] = {}
        self._by_slug: dict[str, StructureInfo] = {}
        self._by_id: dict[int, StructureInfo] = {}
        self._loaded_at: float | None = None  # last looked at the version
        self._built_at: float = 0.0  # last rebuilt the snapshot
        self._version: int | None = None

    def invalidate(self) -> None:
        self._loaded_at = None

    def by_number(self, session: Session, e164: str) -> StructureInfo | None:
        self._refresh_if_stale(session)
        return self._by_number.get(e164)

    def by_slug(self, session: Session, slug: str) -> StructureInfo | None:
        self._refresh_if_stale(session)
        return self._by_slug.get(slug)

    def by_id(self, session: Session, structure_id: int) -> StructureInfo | None:
        """The structure a row belongs to (a call, a callback): no need to re-derive it."""
        self._refresh_if_stale(session)
        return self._by_id.get(structure_id)

    def _refresh_if_stale(self, session: Session) -> None:
        loaded, now = self._loaded_at, monotonic_time.monotonic()
        if loaded is not None and now - loaded < self._max_age:
            return
        with self._lock:
            version = directory_version.current(session)
            unchanged = version is not None and version == self._version
            if loaded is None or not unchanged or now - self._built_at > REBUILD_ANYWAY_SECONDS:
                infos = [snapshot(s) for s in _all_structures(session)]
                self._by_number = {n: info for info in infos for n in info.numbers}
                self._by_slug = {info.slug: info for info in infos}
                self._by_id = {info.id: info for info in infos}
                self._version, self._built_at = version, now
            self._loaded_at = now


def _all_structures(session: Session) -> list[Structure]:
    query = select(Structure).options(
        selectinload(Structure.numbers),
        selectinload(Structure.themes),
        selectinload(Structure.closures),
        selectinload(Structure.staff).selectinload(Staff.slots),
        selectinload(Structure.staff).selectinload(Staff.exceptions),
    )
    return list(session.scalars(query))


def snapshot(structure: Structure) -> StructureInfo:
    """Freeze a structure and its schedule into plain, thread-safe values."""
    tz = ZoneInfo(structure.timezone)
    retention = retention_settings(structure)
    themes = tuple(
        ThemeInfo(
            id=t.id,
            key=t.key,
            digit=t.digit,
            labels=dict(t.labels or {}),
            keywords={lang: tuple(words) for lang, words in (t.keywords or {}).items()},
        )
        for t in structure.themes
    )
    active_staff = [s for s in structure.staff if s.active]
    closures = tuple(_dated(e) for e in structure.closures if e.staff_id is None)
    duties = tuple(d for staff in active_staff for d in _duties_of(staff, closures))
    return StructureInfo(
        id=structure.id,
        slug=structure.slug,
        name=structure.name,
        tz=tz,
        calendar=Calendar(
            tz=tz,
            close_on_holidays=structure.close_on_holidays,
            alsace_moselle=structure.alsace_moselle,
        ),
        script=structure.script,
        languages=tuple(structure.languages or ["fr"]),
        retention_days=retention.voicemail_days,
        contact_months=retention.contact_months,
        numbers=tuple(n.e164 for n in structure.numbers),
        themes=themes,
        duties=duties,
        staff_phones={s.id: s.phone_e164 for s in active_staff},
    )


def _duties_of(staff: Staff, closures: tuple[DatedException, ...]) -> list[Duty]:
    theme_ids = {slot.theme_id for slot in staff.slots}
    theme_ids |= {e.theme_id for e in staff.exceptions if not e.closed and e.theme_id}
    duties = []
    for theme_id in sorted(theme_ids):
        slots = tuple(
            WeeklySlot(weekday=s.weekday, start=s.start, end=s.end)
            for s in staff.slots
            if s.theme_id == theme_id
        )
        own = tuple(
            _dated(e)
            for e in staff.exceptions
            if e.theme_id in (None, theme_id) and (e.closed or e.theme_id == theme_id)
        )
        duties.append(Duty(staff.id, theme_id, slots, own + closures))
    return duties


def _dated(exception: DutyException) -> DatedException:
    return DatedException(
        day=exception.day, closed=exception.closed, start=exception.start, end=exception.end
    )


def init_app(app: Flask) -> None:
    directory_version.watch_changes()
    app.extensions["hotline.directory"] = Directory(app.config["STRUCTURE_CACHE_SECONDS"])


def directory() -> Directory:
    """The current app's directory."""
    found: Directory = current_app.extensions["hotline.directory"]
    return found
