"""The frozen, normalised values a structure file becomes once checked.

Phones are E.164, times are naive wall-clock `time`s in the structure's zone, weekdays are
0 (Monday) to 6, dates are `date`s: the loader compares these with database rows as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any


@dataclass(frozen=True)
class NumberSpec:
    """A number callers dial, in E.164; `line` says where the file wrote it."""

    e164: str
    label: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ThemeSpec:
    key: str
    digit: str
    labels: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class SlotSpec:
    """One weekday of a duty row; `end <= start` crosses midnight."""

    theme: str
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class ExceptionSpec:
    """A dated day off, hours off (closed) or extra opening (not closed, with a theme)."""

    day: date
    closed: bool = True
    start: time | None = None
    end: time | None = None
    theme: str | None = None
    note: str = ""


@dataclass(frozen=True)
class StaffSpec:
    key: str
    name: str
    phone: str
    email: str | None = None
    role: str = "staff"
    active: bool = True
    slots: tuple[SlotSpec, ...] = ()
    exceptions: tuple[ExceptionSpec, ...] = ()


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    phone: str | None = None
    isolated: bool = False
    has_convention: bool = False
    risk: int = 0
    language: str | None = None


@dataclass(frozen=True)
class StructureSpec:
    """A whole structure file; themes are in menu order, closures apply to everyone."""

    path: str
    slug: str
    name: str
    timezone: str
    script: str
    languages: tuple[str, ...]
    close_on_holidays: bool
    alsace_moselle: bool
    voicemail_retention_days: int
    numbers: tuple[NumberSpec, ...]
    themes: tuple[ThemeSpec, ...]
    staff: tuple[StaffSpec, ...] = ()
    closures: tuple[ExceptionSpec, ...] = ()
    people: tuple[PersonSpec, ...] = ()
    # The `callbacks` section in its stored form (hotline.callbacks.settings); None when the file
    # has no such section, which leaves the structure's callback settings as they are.
    callbacks: Mapping[str, Any] | None = None
    # The other `retention` periods in their stored form (hotline.retention.settings).
    retention: Mapping[str, int] = field(default_factory=dict)
    # The `group_calls` section (groups of salariés, recurring group calls) in its stored form
    # (structure_file.group_calls_section); None leaves the structure's group calls as they are.
    group_calls: Mapping[str, Any] | None = None
