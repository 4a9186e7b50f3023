"""Forgetting a caller's rows: their recordings at the provider, then the rows, counts kept.

Contacts (the record) go with their party, counted per kind (`contacts_inbound`…).
The purge (2 years after the last contact) and an erasure (on request) forget the same way.
A "party" is whom rows are about: a known person (by id), or an unknown caller (by number,
on the rows not linked to a person). Before any row goes, what reports need from it is added
to `ActivityCount` (per local day, theme and metric): the counts stay, the person does not.
Recordings are deleted at the provider before their row: a row deleted first would lose the
only sid that can delete the recording, which would then be kept forever.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline import gateway
from hotline.models import (
    ActivityCount,
    Call,
    CallbackAttempt,
    CallEvent,
    Contact,
    RecordingAccess,
    Structure,
    Theme,
    Voicemail,
)
from hotline.models import Callback as CallbackRow


@dataclass(frozen=True)
class Party:
    """A known person (`person_id`), or the rows of a number linked to nobody (`phone`)."""

    person_id: int | None = None
    phone: str = ""

    def calls(self) -> ColumnElement[bool]:
        if self.person_id is not None:
            return Call.person_id == self.person_id
        return and_(Call.person_id.is_(None), Call.from_e164 == self.phone)

    def callbacks(self) -> ColumnElement[bool]:
        if self.person_id is not None:
            return CallbackRow.person_id == self.person_id
        return and_(CallbackRow.person_id.is_(None), CallbackRow.phone_e164 == self.phone)

    def contacts(self) -> ColumnElement[bool]:
        if self.person_id is not None:
            return Contact.person_id == self.person_id
        return and_(Contact.person_id.is_(None), Contact.phone_e164 == self.phone)


@dataclass
class Forgotten:
    """How many of each were deleted: what the purge logs (counts only, never who)."""

    recordings: int = 0
    calls: int = 0
    events: int = 0
    voicemails: int = 0
    accesses: int = 0
    callbacks: int = 0
    attempts: int = 0
    contacts: int = 0

    def add(self, other: Forgotten) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def words(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


@dataclass(frozen=True)
class Rows:
    """The ids of the rows about some parties, as `rows_of` found them."""

    calls: tuple[int, ...]
    callbacks: tuple[int, ...]
    voicemails: tuple[int, ...]
    contacts: tuple[int, ...] = ()


def rows_of(session: Session, structure_id: int, parties: Iterable[Party]) -> Rows:
    """Every call, callback and message of these parties in the structure."""
    wanted = list(parties)
    if not wanted:
        return Rows((), (), (), ())
    call_ids = session.scalars(
        select(Call.id).where(Call.structure_id == structure_id, or_(*(p.calls() for p in wanted)))
    ).all()
    callback_rows = session.execute(
        select(CallbackRow.id, CallbackRow.voicemail_id).where(
            CallbackRow.structure_id == structure_id, or_(*(p.callbacks() for p in wanted))
        )
    ).all()
    voicemail_ids = set(
        session.scalars(select(Voicemail.id).where(Voicemail.call_id.in_(call_ids))).all()
    )
    voicemail_ids |= {row.voicemail_id for row in callback_rows if row.voicemail_id is not None}
    contact_ids = session.scalars(
        select(Contact.id).where(
            Contact.structure_id == structure_id, or_(*(p.contacts() for p in wanted))
        )
    ).all()
    return Rows(
        tuple(call_ids),
        tuple(row.id for row in callback_rows),
        tuple(sorted(voicemail_ids)),
        tuple(contact_ids),
    )


def recording_sid(voicemail: Voicemail) -> str | None:
    """The provider's sid of the message: stored, or the last part of its URL."""
    if voicemail.recording_sid:
        return voicemail.recording_sid
    if voicemail.recording_url:
        return voicemail.recording_url.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0] or None
    return None


def delete_recording(voicemail: Voicemail) -> bool:
    """Delete the message at the provider, then forget where it was; True if it existed here.

    Already gone at the provider (404) counts as deleted: a purge interrupted after the
    provider's delete and before our commit finishes on its next run. GatewayError otherwise,
    and the row keeps its sid for the next try.
    """
    sid = recording_sid(voicemail)
    if sid is None:
        return False
    gateway.delete_recording(sid)
    voicemail.recording_sid = None
    voicemail.recording_url = None
    return True


def forget_rows(session: Session, structure: Structure, rows: Rows) -> Forgotten:
    """Delete these rows (recordings first), adding their counts to the daily aggregates.

    GatewayError when a recording could not be deleted at the provider: nothing was deleted
    here then (the caller rolls back or skips these rows until the next run).
    """
    done = Forgotten()
    voicemails = session.scalars(select(Voicemail).where(Voicemail.id.in_(rows.voicemails))).all()
    for voicemail in voicemails:
        done.recordings += delete_recording(voicemail)
    session.flush()
    _count(session, structure, rows)
    done.accesses = _delete(
        session, RecordingAccess, RecordingAccess.voicemail_id.in_(rows.voicemails)
    )
    done.attempts = _delete(
        session, CallbackAttempt, CallbackAttempt.callback_id.in_(rows.callbacks)
    )
    done.callbacks = _delete(session, CallbackRow, CallbackRow.id.in_(rows.callbacks))
    # Another party's callback may point at these rows (a number later linked to a person).
    session.execute(
        update(CallbackRow).where(CallbackRow.call_id.in_(rows.calls)).values(call_id=None)
    )
    session.execute(
        update(CallbackRow)
        .where(CallbackRow.voicemail_id.in_(rows.voicemails))
        .values(voicemail_id=None)
    )
    done.voicemails = _delete(session, Voicemail, Voicemail.id.in_(rows.voicemails))
    done.contacts = _delete(session, Contact, Contact.id.in_(rows.contacts))
    done.events = _delete(session, CallEvent, CallEvent.call_id.in_(rows.calls))
    done.calls = _delete(session, Call, Call.id.in_(rows.calls))
    session.flush()
    session.expire_all()
    return done


def _delete(session: Session, model: type, where: ColumnElement[bool]) -> int:
    result = session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _count(session: Session, structure: Structure, rows: Rows) -> None:
    """Add the rows about to go to `ActivityCount`, by local day, theme and metric."""
    tz = ZoneInfo(structure.timezone)
    themes = dict(
        session.execute(select(Theme.id, Theme.key).where(Theme.structure_id == structure.id)).all()
    )
    counts: Counter[tuple[date, str, str]] = Counter()

    def add(at: datetime, theme_id: int | None, metric: str) -> None:
        counts[
            (at.astimezone(tz).date(), themes.get(theme_id, "") if theme_id else "", metric)
        ] += 1

    for call in session.scalars(select(Call).where(Call.id.in_(rows.calls))):
        add(call.started_at, call.theme_id, f"calls_{call.direction}")
        if call.answered_at is not None:
            add(call.started_at, call.theme_id, f"calls_{call.direction}_answered")
    for voicemail in session.scalars(select(Voicemail).where(Voicemail.id.in_(rows.voicemails))):
        add(voicemail.created_at, voicemail.theme_id, "voicemails")
    for callback in session.scalars(select(CallbackRow).where(CallbackRow.id.in_(rows.callbacks))):
        add(callback.created_at, callback.theme_id, f"callbacks_{callback.source}")
        if callback.outcome is not None:
            add(
                callback.closed_at or callback.created_at,
                callback.theme_id,
                f"callbacks_{callback.outcome}",
            )
        for attempt in callback.attempt_rows:
            add(attempt.started_at, callback.theme_id, "callback_attempts")
    for contact in session.scalars(select(Contact).where(Contact.id.in_(rows.contacts))):
        add(contact.started_at, contact.theme_id, f"contacts_{contact.kind}")
    for (day, theme_key, metric), count in counts.items():
        _add_count(session, structure.id, day, theme_key, metric, count)


def _add_count(
    session: Session, structure_id: int, day: date, theme_key: str, metric: str, count: int
) -> None:
    row = session.scalar(
        select(ActivityCount).where(
            ActivityCount.structure_id == structure_id,
            ActivityCount.day == day,
            ActivityCount.theme_key == theme_key,
            ActivityCount.metric == metric,
        )
    )
    if row is None:
        session.add(
            ActivityCount(
                structure_id=structure_id, day=day, theme_key=theme_key, metric=metric, count=count
            )
        )
    else:
        row.count += count
    session.flush()
