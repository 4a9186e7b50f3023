"""Creating and changing a series from the dashboard's form (the coordinator's side).

The form gives weekdays and "every N weeks"; the rule stored is the RFC 5545 RRULE those
make (`rule_words.weekly_rule`), or a richer rule from the structure file kept as it was.
Changing when a series happens re-plans its future sessions that nobody touched: a session
already moved or cancelled by hand keeps that choice, one running or past is never changed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.groupcalls.errors import NOT_FOUND, GroupCallError
from hotline.groupcalls.recurrence import occurrences, rule_error
from hotline.groupcalls.sessions import PLAN_HORIZON, add_session
from hotline.models import (
    MAX_GROUP_SIZE,
    Audience,
    GroupSeries,
    GroupSession,
    PersonGroup,
    SessionStatus,
    Staff,
    Structure,
)

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
MIN_MINUTES, MAX_MINUTES = 5, 240


@dataclass
class SeriesFields:
    """What the form submits, already typed; `rrule` is the rule the form's days make."""

    title: str
    audience: Audience
    rrule: str
    first_day: date
    start_time: time
    duration_minutes: int
    pin: str
    person_group_id: int | None = None
    host_ids: list[int] = field(default_factory=list)
    muted_on_entry: bool = False
    announce_joins: bool = True
    max_participants: int = MAX_GROUP_SIZE
    hold_message: str = ""
    end_on_host_exit: bool = False
    retry_delay_minutes: int = 5
    remind_day_before: bool = True
    remind_hour_before: bool = True
    active: bool = True


def new_pin() -> str:
    """Six random digits: said to participants, typed on a keypad."""
    return f"{secrets.randbelow(10**6):06d}"


def _check(db: Session, structure_id: int, fields: SeriesFields) -> list[Staff]:
    """The hosts, once every field is valid; `GroupCallError` names the first problem."""
    problems = [
        (
            not fields.title.strip() or len(fields.title) > 200,
            "Donnez un titre (200 caractères au plus).",
        ),
        (bool(rule_error(fields.rrule)), rule_error(fields.rrule) or ""),
        (
            not MIN_MINUTES <= fields.duration_minutes <= MAX_MINUTES,
            f"La durée va de {MIN_MINUTES} à {MAX_MINUTES} minutes.",
        ),
        (not PIN_PATTERN.fullmatch(fields.pin), "Le code (PIN) compte 4 à 8 chiffres."),
        (
            not 2 <= fields.max_participants <= MAX_GROUP_SIZE,
            f"Le nombre de participants va de 2 à {MAX_GROUP_SIZE} (limite du fournisseur).",
        ),
        (len(fields.hold_message) > 500, "Le message d'attente compte 500 caractères au plus."),
        (not 1 <= fields.retry_delay_minutes <= 60, "Le délai avant le 2e appel va de 1 à 60 min."),
    ]
    for failed, reason in problems:
        if failed:
            raise GroupCallError(reason)
    if fields.audience is Audience.GROUP:
        group = db.get(PersonGroup, fields.person_group_id or 0)
        if group is None or group.structure_id != structure_id:
            raise GroupCallError("Choisissez le groupe de salariés à appeler.")
    hosts = list(
        db.scalars(
            select(Staff).where(Staff.id.in_(fields.host_ids), Staff.structure_id == structure_id)
        )
    )
    if not hosts or len(hosts) != len(set(fields.host_ids)):
        raise GroupCallError("Choisissez au moins un animateur parmi l'équipe.")
    return hosts


def _key(db: Session, structure_id: int, title: str) -> str:
    """A stable id for the structure file, made from the title ("reunion-d-equipe")."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower().encode("ascii", "ignore").decode()).strip("-")
    base = (base or "reunion")[:50]
    taken = set(db.scalars(select(GroupSeries.key).where(GroupSeries.structure_id == structure_id)))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def save_series(
    db: Session,
    structure_id: int,
    series_id: int | None,
    fields: SeriesFields,
    *,
    now: datetime,
) -> GroupSeries:
    """Create (`series_id` None) or change a series of this structure, then re-plan it.

    Participant changes apply from the next session: a running session keeps the people it
    copied at its start.
    """
    hosts = _check(db, structure_id, fields)
    if series_id is None:
        series = GroupSeries(structure_id=structure_id, key=_key(db, structure_id, fields.title))
        db.add(series)
    else:
        found = db.get(GroupSeries, series_id)
        if found is None or found.structure_id != structure_id:
            raise GroupCallError(NOT_FOUND)
        series = found
    when_changed = (series.rrule, series.first_day, series.start_time) != (
        fields.rrule,
        fields.first_day,
        fields.start_time,
    )
    for name in SeriesFields.__dataclass_fields__:
        if name != "host_ids":
            setattr(series, name, getattr(fields, name))
    series.title = fields.title.strip()
    series.person_group_id = fields.person_group_id if fields.audience is Audience.GROUP else None
    series.hosts = hosts
    series.updated_at = now
    db.flush()
    replan_series(db, series, now, drop_untouched=when_changed or not series.active)
    return series


def replan_series(db: Session, series: GroupSeries, now: datetime, *, drop_untouched: bool) -> int:
    """Bring the future sessions in line with the series; how many were created.

    With `drop_untouched`, scheduled sessions still at their rule's time are deleted first
    (their reminders with them) and planned again from the new rule.
    """
    future = (
        GroupSession.series_id == series.id,
        GroupSession.status == SessionStatus.SCHEDULED,
        GroupSession.starts_at > now,
    )
    if drop_untouched:
        db.execute(
            delete(GroupSession)
            .where(*future, GroupSession.starts_at == GroupSession.occurrence_at)
            .execution_options(synchronize_session=False)
        )
    for session in db.scalars(select(GroupSession).where(*future)):
        session.duration_minutes = series.duration_minutes
    db.flush()
    db.expire(series, ["sessions"])
    if not series.active:
        return 0
    tz = db.get_one(Structure, series.structure_id).timezone
    created = sum(
        add_session(db, series, at) for at in occurrences(series, tz, now, now + PLAN_HORIZON)
    )
    db.flush()
    return created


def local_start(day: date, at: time, tz: str) -> datetime:
    """A local day and time typed in the form, as an aware UTC instant (to move a session)."""
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def next_monday(now: datetime, tz: str) -> date:
    """The first day a new series form proposes."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)
