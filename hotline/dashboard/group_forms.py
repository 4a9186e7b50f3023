"""What the series form submits, turned into what `groupcalls.editing.save_series` takes.

The form has weekday boxes and "toutes les N semaines"; a rule the form cannot show (from the
structure file: monthly, a COUNT) comes back unchanged in a hidden field unless the days were
ticked, so saving the title never rewrites a richer rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from werkzeug.datastructures import MultiDict

from hotline.groupcalls.editing import SeriesForm
from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.rule_words import as_weekly, weekly_rule
from hotline.models import Audience, GroupSeries


def _int(form: Mapping[str, str], name: str, default: int, what: str) -> int:
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise GroupCallError(f"{what} : un nombre entier est attendu.")
    return int(raw)


def read_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise GroupCallError("Indiquez la date de la première réunion (jj/mm/aaaa).") from None


def read_time(raw: str) -> time:
    try:
        parsed = time.fromisoformat(raw.strip())
    except ValueError:
        raise GroupCallError("Indiquez l'heure de début (hh:mm).") from None
    return parsed.replace(second=0, microsecond=0)


def _rule(form: MultiDict[str, str]) -> str:
    days = [int(d) for d in form.getlist("days") if d.isdigit() and int(d) < 7]
    kept = (form.get("kept_rrule") or "").strip()
    if not days and kept:
        return kept
    try:
        return weekly_rule(days, _int(form, "interval", 1, "Toutes les … semaines"))
    except ValueError as error:
        raise GroupCallError(str(error)) from None


def series_fields(form: MultiDict[str, str]) -> SeriesForm:
    """The typed fields of the form; `GroupCallError` (French) for what cannot be read."""
    try:
        audience = Audience(form.get("audience", ""))
    except ValueError:
        raise GroupCallError("Choisissez qui est invité : l'équipe ou un groupe.") from None
    group = form.get("person_group_id", "")
    return SeriesForm(
        title=form.get("title", "").strip(),
        audience=audience,
        person_group_id=int(group) if group.isdigit() and len(group) < 10 else None,
        host_ids=tuple(int(h) for h in form.getlist("hosts") if h.isdigit() and len(h) < 10),
        rrule=_rule(form),
        first_day=read_date(form.get("first_day", "")),
        start_time=read_time(form.get("start_time", "")),
        duration_minutes=_int(form, "duration_minutes", 60, "Durée"),
        pin=form.get("pin", "").strip(),
        muted_on_entry=form.get("muted_on_entry") == "on",
        announce_joins=form.get("announce_joins") == "on",
        max_participants=_int(form, "max_participants", 250, "Nombre maximum"),
        hold_message=form.get("hold_message", "").strip(),
        end_on_host_exit=form.get("end_on_host_exit") == "on",
        retry_delay_minutes=_int(form, "retry_delay_minutes", 5, "Délai avant le 2e appel"),
        remind_day_before=form.get("remind_day_before") == "on",
        remind_hour_before=form.get("remind_hour_before") == "on",
        recording=form.get("recording") == "on",
        recording_purpose=form.get("recording_purpose", "").strip(),
        recording_days=_int(form, "recording_days", 30, "Durée de conservation"),
        active=form.get("active", "on") == "on",
    )


def form_values(series: GroupSeries | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """What the form shows: the series' values, or `defaults` for a new one."""
    if series is None:
        return defaults
    weekly = as_weekly(series.rrule, series.first_day)
    return {
        "title": series.title,
        "audience": series.audience.value,
        "person_group_id": series.person_group_id,
        "host_ids": [h.id for h in series.hosts],
        "days": list(weekly.days) if weekly else [],
        "interval": weekly.interval if weekly else 1,
        "kept_rrule": "" if weekly else series.rrule,
        "first_day": series.first_day.isoformat(),
        "start_time": series.start_time.strftime("%H:%M"),
        "duration_minutes": series.duration_minutes,
        "pin": series.pin,
        "muted_on_entry": series.muted_on_entry,
        "announce_joins": series.announce_joins,
        "max_participants": series.max_participants,
        "hold_message": series.hold_message,
        "end_on_host_exit": series.end_on_host_exit,
        "retry_delay_minutes": series.retry_delay_minutes,
        "remind_day_before": series.remind_day_before,
        "remind_hour_before": series.remind_hour_before,
        "recording": series.recording,
        "recording_purpose": series.recording_purpose,
        "recording_days": series.recording_days,
        "active": series.active,
    }


def values_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """A refused form is shown again with what was typed, not with the old values."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["host_ids"] = [int(h) for h in form.getlist("hosts") if h.isdigit() and len(h) < 10]
    values["days"] = [int(d) for d in form.getlist("days") if d.isdigit() and int(d) < 7]
    group = form.get("person_group_id", "")
    values["person_group_id"] = int(group) if group.isdigit() and len(group) < 10 else None
    for box in (
        "muted_on_entry",
        "announce_joins",
        "end_on_host_exit",
        "remind_day_before",
        "remind_hour_before",
        "recording",
        "active",
    ):
        values[box] = form.get(box) == "on"
    return values
