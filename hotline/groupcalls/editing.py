"""Creating and editing a series from the dashboard: the same rules as the structure file.

`save_series` checks every value and says what is wrong in French. The dashboard's form gives
weekdays and "every N weeks"; the rule stored is the RFC 5545 RRULE those make
(`rule_words.weekly_rule`), or a richer rule from the structure file kept as it was.
Changing when a series happens re-plans its future sessions that nobody touched: a session
already moved or cancelled by hand keeps that choice, one running or past is never changed,
and a running session keeps the participants it copied at its start.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.ownership import take_over_from_file
from hotline.groupcalls.recurrence import occurrences, rule_error
from hotline.groupcalls.sessions import PLAN_HORIZON, add_session
from hotline.models import (
    DEFAULT_RECORDING_DAYS,
    MAX_GROUP_SIZE,
    MAX_RECORDING_DAYS,
    RECORDING_PURPOSES,
    Audience,
    GroupSeries,
    GroupSession,
    PersonGroup,
    SessionStatus,
    Staff,
    Structure,
)

PIN = re.compile(r"^[0-9]{4,8}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SeriesForm:
    """What a coordinator fills in; `person_group_id` only for `audience` GROUP; an empty
    `key` (the dashboard's form has none) is made from the title."""

    title: str
    audience: Audience
    rrule: str
    first_day: date
    start_time: time
    duration_minutes: int
    pin: str
    host_ids: Sequence[int] = ()
    person_group_id: int | None = None
    muted_on_entry: bool = False
    announce_joins: bool = True
    max_participants: int = MAX_GROUP_SIZE
    hold_message: str = ""
    end_on_host_exit: bool = False
    retry_delay_minutes: int = 5
    remind_day_before: bool = True
    remind_hour_before: bool = True
    recording: bool = False
    recording_purpose: str = ""
    recording_days: int = DEFAULT_RECORDING_DAYS
    active: bool = True
    key: str = ""


def new_pin() -> str:
    """Six random digits: said to participants, typed on a keypad."""
    return f"{secrets.randbelow(10**6):06d}"


def _problem(db: Session, structure_id: int, form: SeriesForm) -> str | None:
    checks = [
        (
            not form.title.strip() or len(form.title) > 200,
            "Donnez un titre (200 caractères au plus).",
        ),
        (
            bool(form.key) and not KEY.match(form.key),
            "L'identifiant est fait de minuscules, chiffres, - et _.",
        ),
        (not PIN.match(form.pin), "Le code est fait de 4 à 8 chiffres."),
        (not 5 <= form.duration_minutes <= 480, "La durée va de 5 minutes à 8 heures."),
        (
            not 2 <= form.max_participants <= MAX_GROUP_SIZE,
            f"Le nombre de participants va de 2 à {MAX_GROUP_SIZE} (limite du fournisseur).",
        ),
        (
            not 1 <= form.retry_delay_minutes <= 60,
            "Le nouvel essai a lieu de 1 à 60 minutes après.",
        ),
        (len(form.hold_message) > 500, "Le message d'attente fait 500 caractères au plus."),
        (
            form.recording and form.recording_purpose not in RECORDING_PURPOSES,
            "Pour enregistrer, dites pourquoi : formation, évaluation ou qualité"
            " (la CNIL n'admet pas d'enregistrement systématique).",
        ),
        (
            not 1 <= form.recording_days <= MAX_RECORDING_DAYS,
            f"Un enregistrement est gardé de 1 à {MAX_RECORDING_DAYS} jours (six mois au plus).",
        ),
    ]
    for failed, reason in checks:
        if failed:
            return reason
    error = rule_error(form.rrule)
    if error:
        return error
    if form.audience is Audience.GROUP:
        group = db.get(PersonGroup, form.person_group_id or 0)
        if group is None or group.structure_id != structure_id:
            return "Choisissez le groupe de salariés à appeler."
    return None


def _hosts(db: Session, structure_id: int, form: SeriesForm) -> list[Staff]:
    """The hosts, all of this structure; at least one (the room starts when a host is in)."""
    hosts = list(
        db.scalars(
            select(Staff).where(Staff.structure_id == structure_id, Staff.id.in_(form.host_ids))
        )
    )
    if not hosts or len(hosts) != len(set(form.host_ids)):
        raise GroupCallError("Choisissez au moins un animateur parmi l'équipe.")
    return hosts


def _key(db: Session, structure_id: int, form: SeriesForm, series_id: int | None) -> str:
    """The form's key if free, else a stable one made from the title ("point-numerique")."""
    taken = dict(
        db.execute(
            select(GroupSeries.key, GroupSeries.id).where(GroupSeries.structure_id == structure_id)
        ).all()
    )
    if form.key:
        if taken.get(form.key, series_id) != series_id:
            raise GroupCallError("Cet identifiant est déjà pris par une autre série.")
        return form.key
    ascii_title = form.title.lower().encode("ascii", "ignore").decode()
    base = (re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-") or "reunion")[:50]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def save_series(
    db: Session, structure_id: int, form: SeriesForm, now: datetime, series_id: int | None = None
) -> GroupSeries:
    """Create (no `series_id`) or update a series of this structure, then re-plan its future
    sessions; `GroupCallError` (French) if a value is wrong."""
    reason = _problem(db, structure_id, form)
    if reason:
        raise GroupCallError(reason)
    hosts = _hosts(db, structure_id, form)
    if series_id is None:
        series = GroupSeries(structure_id=structure_id, key=_key(db, structure_id, form, None))
        db.add(series)
    else:
        found = db.get(GroupSeries, series_id)
        if found is None or found.structure_id != structure_id:
            raise GroupCallError("Cette série n'existe pas, ou pas dans votre structure.")
        series = found
        series.key = _key(db, structure_id, form, series_id) if form.key else series.key
    rule = form.rrule.strip().upper()
    when_changed = (series.rrule, series.first_day, series.start_time) != (
        rule,
        form.first_day,
        form.start_time,
    )
    skipped = ("host_ids", "rrule", "title", "key")
    for name in SeriesForm.__dataclass_fields__:
        if name not in skipped:
            setattr(series, name, getattr(form, name))
    series.title = form.title.strip()
    series.rrule = rule
    series.person_group_id = form.person_group_id if form.audience is Audience.GROUP else None
    series.hosts = hosts
    series.updated_at = now
    if series_id is not None:
        take_over_from_file(db.get_one(Structure, structure_id), series.key)
    db.flush()
    replan_series(db, series, now, drop_untouched=when_changed or not series.active)
    return series


def replan_series(db: Session, series: GroupSeries, now: datetime, *, drop_untouched: bool) -> int:
    """Bring the future sessions in line with the series; how many were created.

    With `drop_untouched`, scheduled sessions still at their rule's time that the new rule no
    longer holds are deleted (their reminders with them); those it still holds are kept, so
    nobody is reminded twice of the same session.
    """
    tz = db.get_one(Structure, series.structure_id).timezone
    wanted = occurrences(series, tz, now, now + PLAN_HORIZON) if series.active else []
    future = db.scalars(
        select(GroupSession).where(
            GroupSession.series_id == series.id,
            GroupSession.status == SessionStatus.SCHEDULED,
            GroupSession.starts_at > now,
        )
    ).all()
    for session in future:
        untouched = session.starts_at == session.occurrence_at
        if drop_untouched and untouched and session.occurrence_at not in wanted:
            db.delete(session)
        else:
            session.duration_minutes = series.duration_minutes
    db.flush()
    db.expire(series, ["sessions"])
    created = sum(add_session(db, series, at) for at in wanted)
    db.flush()
    return created


def local_start(day: date, at: time, tz: str) -> datetime:
    """A local day and time typed in the form, as an aware UTC instant (to move a session)."""
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def next_monday(now: datetime, tz: str) -> date:
    """The first day a new series form proposes."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)
