"""Creating and editing a series from the dashboard: the same rules as the structure file.

`save_series` checks every value and says what is wrong in French; a change applies to the
sessions planned after it (a running session keeps its participants; planned sessions keep
their time unless moved one by one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.recurrence import rule_error
from hotline.models import MAX_GROUP_SIZE, Audience, GroupSeries, PersonGroup, Staff

PIN = re.compile(r"^[0-9]{4,8}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SeriesForm:
    """What a coordinator fills in; `person_group_id` only for `audience` GROUP."""

    key: str
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
    active: bool = True


def _problem(db: Session, structure_id: int, form: SeriesForm) -> str | None:
    checks = [
        (
            not form.title.strip() or len(form.title) > 200,
            "Donnez un titre (200 caractères au plus).",
        ),
        (not KEY.match(form.key), "L'identifiant est fait de minuscules, chiffres, - et _."),
        (not PIN.match(form.pin), "Le code est fait de 4 à 8 chiffres."),
        (not 5 <= form.duration_minutes <= 480, "La durée va de 5 minutes à 8 heures."),
        (not 2 <= form.max_participants <= MAX_GROUP_SIZE, "De 2 à 250 participants."),
        (
            not 1 <= form.retry_delay_minutes <= 60,
            "Le nouvel essai a lieu de 1 à 60 minutes après.",
        ),
        (len(form.hold_message) > 500, "Le message d'attente fait 500 caractères au plus."),
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
            return "Choisissez un groupe de la structure."
    return None


def save_series(
    db: Session, structure_id: int, form: SeriesForm, now: datetime, series_id: int | None = None
) -> GroupSeries:
    """Create (no `series_id`) or update a series of this structure; GroupCallError if wrong."""
    reason = _problem(db, structure_id, form)
    if reason:
        raise GroupCallError(reason)
    taken = db.scalar(
        select(GroupSeries.id).where(
            GroupSeries.structure_id == structure_id, GroupSeries.key == form.key
        )
    )
    if taken is not None and taken != series_id:
        raise GroupCallError("Cet identifiant est déjà pris par une autre série.")
    hosts = db.scalars(
        select(Staff).where(Staff.structure_id == structure_id, Staff.id.in_(form.host_ids))
    ).all()
    if series_id is None:
        series = GroupSeries(structure_id=structure_id)
        db.add(series)
    else:
        found = db.get(GroupSeries, series_id)
        if found is None or found.structure_id != structure_id:
            raise GroupCallError("Cette série n'existe pas, ou pas dans votre structure.")
        series = found
    values = {
        name: getattr(form, name)
        for name in SeriesForm.__dataclass_fields__
        if name not in ("host_ids", "rrule", "title")
    }
    for name, value in values.items():
        setattr(series, name, value)
    series.title = form.title.strip()
    series.rrule = form.rrule.strip().upper()
    series.person_group_id = form.person_group_id if form.audience is Audience.GROUP else None
    series.hosts = list(hosts)
    series.updated_at = now
    db.flush()
    return series
