"""Whether the structures' directory changed: one row, bumped by every change to it.

`hotline.directory` snapshots structures, their numbers, themes and closures, their staff
and duty hours. Any flush that adds, changes or deletes one of those rows bumps
`directory_version` in the same transaction (an ORM event, so no writer can forget it); a
process whose snapshot is due reads the row — one statement — and rebuilds the snapshot only
when it moved. Rows written with Core statements would not bump it: none of these tables is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from hotline.models import (
    DirectoryVersion,
    DutyException,
    DutySlot,
    PhoneNumber,
    Staff,
    Structure,
    Theme,
)

WATCHED = (Structure, PhoneNumber, Theme, Staff, DutySlot, DutyException)
ROW_ID = 1


def current(session: Session) -> int | None:
    """The directory's version; None when the row is missing (tables made without migrations)."""
    return session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == ROW_ID))


def _bump_if_changed(session: Session, _context: Any, _instances: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, WATCHED) for row in changed):
        session.connection().execute(
            update(DirectoryVersion)
            .where(DirectoryVersion.id == ROW_ID)
            .values(version=DirectoryVersion.version + 1)
        )


def watch_changes() -> None:
    """Bump the version on every flush that touches the directory (once per process)."""
    if not event.contains(Session, "before_flush", _bump_if_changed):
        event.listen(Session, "before_flush", _bump_if_changed)
