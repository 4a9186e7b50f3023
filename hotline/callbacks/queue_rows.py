"""A queue page's entries read as plain rows: only the columns the page shows (issue 11).

The queue page shows 50 entries of 20,000, and two workers serve every staff member: loading
them as ORM objects with their person, holder, theme, voicemail and messages took six round
trips and the ORM's bookkeeping for each row. Here one SELECT joins the four one-to-one
neighbours and says which entries have messages; a second reads those messages only when
there are any. Each entry is a frozen `QueueRow` with what the page, the JSON and the
reasons read, and nothing left to load later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

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


# `QueueRow`'s fields read from the entry's own columns, in its order: every field before
# `person`. `_row` passes them on by position, so the two orders cannot drift.
_FIELD_NAMES = [field.name for field in fields(QueueRow)]
_ENTRY_FIELDS = tuple(_FIELD_NAMES[: _FIELD_NAMES.index("person")])


class _Tail(NamedTuple):
    """The rest of a row, after the entry's own columns, read by name (`_TAIL_COLUMNS`).

    Outer joins: a person's, theme's or holder's columns are None when their id is, and
    read only when it is not.
    """

    person_id: int | None
    person_key: str
    person_name: str
    isolated: bool
    has_convention: bool
    risk: int
    theme_id: int | None
    theme_key: str
    labels: dict[str, str] | None
    holder_id: int | None
    holder_name: str
    recording_sid: str | None
    duration_seconds: int | None
    has_messages: bool


_TAIL_COLUMNS: dict[str, Any] = {
    "person_id": Callback.person_id,
    "person_key": Person.key,
    "person_name": Person.name,
    "isolated": Person.isolated,
    "has_convention": Person.has_convention,
    "risk": Person.risk,
    "theme_id": Callback.theme_id,
    "theme_key": Theme.key,
    "labels": Theme.labels,
    "holder_id": Callback.claimed_by_id,
    "holder_name": Staff.name,
    "recording_sid": Voicemail.recording_sid,
    "duration_seconds": Voicemail.duration_seconds,
    "has_messages": select(CallbackMessage.id)
    .where(CallbackMessage.callback_id == Callback.id)
    .exists(),
}
_COLUMNS = (
    *(getattr(Callback, name) for name in _ENTRY_FIELDS),
    *(_TAIL_COLUMNS[name].label(name) for name in _Tail._fields),  # in `_Tail`'s order
)
_ENTRY_WIDTH = len(_ENTRY_FIELDS)
_ID = _ENTRY_FIELDS.index("id")
_HAS_MESSAGES = _ENTRY_WIDTH + _Tail._fields.index("has_messages")
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
    """The entry of one row of `_COLUMNS`: its own columns by position, the rest as a `_Tail`.

    Not by the `Row`'s attributes: their lookup cost about 0.3 ms a page (25 names read on
    50 rows), a third of building the page's entries.
    """
    tail = _Tail._make(row[_ENTRY_WIDTH:])
    person = None
    if tail.person_id is not None:
        person = PersonLine(
            tail.person_key, tail.person_name, tail.isolated, tail.has_convention, tail.risk
        )
    theme = ThemeLine(tail.theme_key, tail.labels or {}) if tail.theme_id is not None else None
    holder = None
    if tail.holder_id is not None:
        holder = HolderLine(tail.holder_id, tail.holder_name)
    seconds = tail.duration_seconds or 0
    # The fields from `person` on, in `QueueRow`'s order (Any: mypy cannot count a slice).
    has_recording, kept = bool(tail.recording_sid), tuple(messages)
    values: Any = (*row[:_ENTRY_WIDTH], person, theme, holder, has_recording, seconds, kept)
    return QueueRow(*values)


def queue_rows(session: Session, ids: Sequence[int]) -> list[QueueRow]:
    """These entries, in the order of `ids` (ids no longer found are left out)."""
    if not ids:
        return []
    postgresql = session.get_bind().dialect.name == "postgresql"
    page = _PAGE_BY_ARRAY if postgresql else _PAGE_BY_LIST
    rows = read_plain(session, page, {"ids": list(ids)}).all()
    with_messages = [row[_ID] for row in rows if row[_HAS_MESSAGES]]
    messages = _messages(session, with_messages) if with_messages else {}
    by_id = {row[_ID]: _row(row, messages.get(row[_ID], [])) for row in rows}
    return [by_id[callback_id] for callback_id in ids if callback_id in by_id]
