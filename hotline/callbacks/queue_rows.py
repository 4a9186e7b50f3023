"""A queue page's entries read as plain rows: only the columns the page shows (issue 11).

The queue page shows 50 entries of 20,000, and two workers serve every staff member: loading
them as ORM objects with their person, holder, theme, voicemail and messages took six round
trips and the ORM's bookkeeping for each row. Here one SELECT joins the four one-to-one
neighbours and says which entries have messages; a second reads those messages only when
there are any. Each entry is a frozen `QueueRow` with what the page, the JSON and the
reasons read, and nothing left to load later.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from hotline.models import (
    Callback,
    CallbackMessage,
    CallbackOutcome,
    CallbackSource,
    CallbackStatus,
    Person,
    Staff,
    Theme,
    Voicemail,
)
from hotline.models.plain import read_plain


@dataclass(frozen=True)
class PersonLine:
    """The person an entry is for: their name, and the traits a policy reads."""

    key: str
    name: str
    isolated: bool
    has_convention: bool
    risk: int


@dataclass(frozen=True)
class ThemeLine:
    key: str
    labels: dict[str, str]


@dataclass(frozen=True)
class HolderLine:
    """The staff member who holds the entry."""

    id: int
    name: str


@dataclass(frozen=True)
class MessageLine:
    status: str
    created_at: datetime
    duration_seconds: int


@dataclass(frozen=True)
class QueueRow:
    """One entry as the queue shows it (the names of `Callback`'s, read once)."""

    id: int
    status: CallbackStatus
    source: CallbackSource
    phone_e164: str
    created_at: datetime
    due_at: datetime | None
    attempts: int
    claim_expires_at: datetime | None
    outcome: CallbackOutcome | None
    version: int
    person: PersonLine | None
    theme: ThemeLine | None
    claimed_by: HolderLine | None
    has_recording: bool  # the entry's own voicemail has a recording
    message_seconds: int  # and its length (0 without one)
    messages: tuple[MessageLine, ...]  # every message that joined the entry, oldest first


# `QueueRow`'s fields read from the entry's own columns, in its order (`_row` passes them on
# by position): every field before `person`.
_ENTRY_FIELDS = tuple(
    itertools.takewhile(lambda name: name != "person", (field.name for field in fields(QueueRow)))
)
_ENTRY_WIDTH = len(_ENTRY_FIELDS)
_COLUMNS = (
    *(getattr(Callback, name) for name in _ENTRY_FIELDS),
    Callback.person_id,
    Person.key.label("person_key"),
    Person.name.label("person_name"),
    Person.isolated,
    Person.has_convention,
    Person.risk,
    Callback.theme_id,
    Theme.key.label("theme_key"),
    Theme.labels,
    Callback.claimed_by_id,
    Staff.name.label("holder_name"),
    Voicemail.recording_sid,
    Voicemail.duration_seconds,
    select(CallbackMessage.id)
    .where(CallbackMessage.callback_id == Callback.id)
    .exists()
    .label("has_messages"),
)
_JOINED = (
    select(*_COLUMNS)
    .outerjoin(Person, Person.id == Callback.person_id)
    .outerjoin(Theme, Theme.id == Callback.theme_id)
    .outerjoin(Staff, Staff.id == Callback.claimed_by_id)
    .outerjoin(Voicemail, Voicemail.id == Callback.voicemail_id)
)
# Built once: only the ids change from one page to the next. PostgreSQL takes them as one
# array: the statement's text stays the same, so psycopg converts it once and prepares it
# (a list of 51 bound ids was spelled out and converted again at every page: 0.5 ms).
_PAGE_BY_ARRAY = _JOINED.where(Callback.id == any_(bindparam("ids", type_=ARRAY(Integer))))
_PAGE_BY_LIST = _JOINED.where(Callback.id.in_(bindparam("ids", expanding=True)))  # SQLite


def _messages(session: Session, ids: Sequence[int]) -> dict[int, list[MessageLine]]:
    """The page's messages per entry, oldest first (as `Callback.messages` orders them)."""
    rows = read_plain(
        session,
        select(
            CallbackMessage.callback_id,
            Voicemail.status,
            Voicemail.created_at,
            Voicemail.duration_seconds,
        )
        .join(Voicemail, Voicemail.id == CallbackMessage.voicemail_id)
        .where(CallbackMessage.callback_id.in_(ids))
        .order_by(Voicemail.created_at),
    )
    found: dict[int, list[MessageLine]] = {}
    for callback_id, status, created_at, seconds in rows:
        found.setdefault(callback_id, []).append(MessageLine(str(status), created_at, seconds))
    return found


def _row(row: Sequence[Any], messages: list[MessageLine]) -> QueueRow:
    """The entry of one row of `_COLUMNS`, read by position in their order.

    By position, not by name: a `Row`'s attribute lookup cost about 0.3 ms a page (25 names
    read on 50 rows), a third of building the page's entries.
    """
    (
        person_id,
        person_key,
        person_name,
        isolated,
        has_convention,
        risk,
        theme_id,
        theme_key,
        labels,
        holder_id,
        holder_name,
        recording_sid,
        duration_seconds,
        _has_messages,
    ) = row[_ENTRY_WIDTH:]
    person = None
    if person_id is not None:
        person = PersonLine(person_key, person_name, isolated, has_convention, risk)
    theme = ThemeLine(theme_key, labels or {}) if theme_id is not None else None
    holder = HolderLine(holder_id, holder_name) if holder_id is not None else None
    # The entry's own columns, then the fields from `person` on (Any: mypy cannot count them).
    values: Any = (
        *row[:_ENTRY_WIDTH],
        person,
        theme,
        holder,
        bool(recording_sid),
        duration_seconds or 0,
        tuple(messages),
    )
    return QueueRow(*values)


def queue_rows(session: Session, ids: Sequence[int]) -> list[QueueRow]:
    """These entries, in the order of `ids` (ids no longer found are left out)."""
    if not ids:
        return []
    postgresql = session.get_bind().dialect.name == "postgresql"
    page = _PAGE_BY_ARRAY if postgresql else _PAGE_BY_LIST
    rows = read_plain(session, page, {"ids": list(ids)}).all()
    with_messages = [row.id for row in rows if row.has_messages]
    messages = _messages(session, with_messages) if with_messages else {}
    by_id = {row.id: _row(row, messages.get(row.id, [])) for row in rows}
    return [by_id[callback_id] for callback_id in ids if callback_id in by_id]
