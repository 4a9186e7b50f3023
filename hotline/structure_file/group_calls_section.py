"""The optional `group_calls:` section: groups of salariés and the recurring group calls.

Read into a plain normalised mapping (like `callbacks`), applied by key: a group or series
of the file is created or updated to match it; one that is not in the file (made in the
dashboard) is left alone, and a file without the section touches none. Sessions already
planned keep their own status; a changed rule or time applies to the sessions planned next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.groupcalls.ownership import edited_in_dashboard, remember_file_series
from hotline.groupcalls.recurrence import rule_error
from hotline.models import (
    DEFAULT_RECORDING_DAYS,
    MAX_GROUP_SIZE,
    RECORDING_PURPOSES,
    Audience,
    GroupSeries,
    PersonGroup,
    Staff,
    Structure,
)
from hotline.structure_file.values import read_time, write_time

Location = tuple[str | int, ...]
Problem = Callable[[Location, str], None]

SERIES_DEFAULTS: Mapping[str, Any] = {
    "hosts": [],
    "duration_minutes": 60,
    "muted_on_entry": False,
    "announce_joins": True,
    "max_participants": MAX_GROUP_SIZE,
    "hold_message": "",
    "end_on_host_exit": False,
    "retry_delay_minutes": 5,
    "reminders": {"day_before": True, "hour_before": True},
    "recording": False,
    "recording_purpose": "",
    "recording_days": DEFAULT_RECORDING_DAYS,
    "active": True,
}


def read_group_calls(
    section: Mapping[str, Any] | None,
    staff_keys: set[str],
    person_keys: set[str],
    problem: Problem,
) -> dict[str, Any] | None:
    """The section in its stored form; each problem reported at its place."""
    if section is None:
        return None
    groups = []
    for index, item in enumerate(section.get("groups", [])):
        for member in item.get("members", []):
            if member not in person_keys:
                problem(("group_calls", "groups", index, "members"), f"unknown person {member!r}")
        groups.append(
            {"key": item["key"], "name": item["name"], "members": list(item.get("members", []))}
        )
    group_keys = {g["key"] for g in groups}
    series = [
        _series(("group_calls", "series", index), item, staff_keys, group_keys, problem)
        for index, item in enumerate(section.get("series", []))
    ]
    return {"groups": groups, "series": series}


def _series(
    where: Location,
    item: Mapping[str, Any],
    staff_keys: set[str],
    group_keys: set[str],
    problem: Problem,
) -> dict[str, Any]:
    data = {**SERIES_DEFAULTS, **item}
    data["reminders"] = {**SERIES_DEFAULTS["reminders"], **item.get("reminders", {})}
    audience = data["audience"]
    if audience != "staff" and audience.get("group") not in group_keys:
        problem((*where, "audience"), f"unknown group {audience.get('group')!r}")
    for host in data["hosts"]:
        if host not in staff_keys:
            problem((*where, "hosts"), f"unknown staff member {host!r}")
    error = rule_error(data["rrule"])
    if error:
        problem((*where, "rrule"), error)
    if data["recording"] and data["recording_purpose"] not in RECORDING_PURPOSES:
        problem(
            (*where, "recording_purpose"),
            "a recorded group call needs its purpose: " + ", ".join(RECORDING_PURPOSES),
        )
    data["first_day"] = str(data["first_day"])
    data["start"] = write_time(read_time(data["start"]))
    data["pin"] = str(data["pin"])
    return data


def apply_group_calls(
    session: Session, structure: Structure, wanted: Mapping[str, Any] | None
) -> tuple[list[str], list[str]]:
    """Make the groups and series of the file match it; what changed and what was kept.

    A file series a coordinator has since edited in the dashboard is the dashboard's
    (`hotline.groupcalls.ownership`): left alone, and reported as kept.
    """
    if wanted is None:
        return [], []
    people = {p.key: p for p in structure.people}
    staff = {s.key: s for s in structure.staff}
    changes: list[str] = []
    groups: dict[str, PersonGroup] = {}
    for item in wanted["groups"]:
        group = _row(session, PersonGroup, structure.id, item["key"])
        members = [people[key] for key in item["members"] if key in people]
        if group.name != item["name"] or [m.key for m in group.members] != item["members"]:
            group.name = item["name"]
            group.members = members
            changes.append(f"group {item['key']} changed")
        groups[item["key"]] = group
    kept: list[str] = []
    for item in wanted["series"]:
        if edited_in_dashboard(structure, item["key"]):
            kept.append(f"group call {item['key']!r}: edited in the dashboard")
            continue
        series = _row(session, GroupSeries, structure.id, item["key"])
        if _assign_series(series, item, groups, staff):
            changes.append(f"group call {item['key']} changed")
    remember_file_series(structure, [item["key"] for item in wanted["series"]])
    session.flush()
    return changes, kept


def _row(session: Session, model: Any, structure_id: int, key: str) -> Any:
    found = session.scalar(
        select(model).where(model.structure_id == structure_id, model.key == key)
    )
    if found is None:
        found = model(structure_id=structure_id, key=key)
        session.add(found)
    return found


def _assign_series(
    series: GroupSeries,
    item: Mapping[str, Any],
    groups: Mapping[str, PersonGroup],
    staff: Mapping[str, Staff],
) -> bool:
    audience = item["audience"]
    group = None if audience == "staff" else groups.get(audience["group"])
    values: dict[str, Any] = {
        "title": item["title"],
        "audience": Audience.STAFF if group is None else Audience.GROUP,
        "person_group": group,
        "rrule": item["rrule"].strip().upper(),
        "first_day": date.fromisoformat(item["first_day"]),
        "start_time": read_time(item["start"]),
        "duration_minutes": item["duration_minutes"],
        "pin": item["pin"],
        "muted_on_entry": item["muted_on_entry"],
        "announce_joins": item["announce_joins"],
        "max_participants": item["max_participants"],
        "hold_message": item["hold_message"],
        "end_on_host_exit": item["end_on_host_exit"],
        "retry_delay_minutes": item["retry_delay_minutes"],
        "remind_day_before": item["reminders"]["day_before"],
        "remind_hour_before": item["reminders"]["hour_before"],
        "recording": item["recording"],
        "recording_purpose": item["recording_purpose"] if item["recording"] else "",
        "recording_days": item["recording_days"],
        "active": item["active"],
    }
    changed = False
    for name, value in values.items():
        if getattr(series, name, None) != value:
            setattr(series, name, value)
            changed = True
    hosts = [staff[key] for key in item["hosts"] if key in staff]
    if [h.key for h in series.hosts] != [h.key for h in hosts]:
        series.hosts = hosts
        changed = True
    return changed


def dump_group_calls(session: Session, structure: Structure) -> dict[str, Any] | None:
    """The section as a coordinator would write it; None when the structure has none."""
    groups = session.scalars(
        select(PersonGroup)
        .where(PersonGroup.structure_id == structure.id)
        .order_by(PersonGroup.key)
    ).all()
    series = session.scalars(
        select(GroupSeries)
        .where(GroupSeries.structure_id == structure.id)
        .order_by(GroupSeries.key)
    ).all()
    if not groups and not series:
        return None
    return {
        "groups": [
            {"key": g.key, "name": g.name, "members": [m.key for m in g.members]} for g in groups
        ],
        "series": [_dump_series(s) for s in series],
    }


def _dump_series(s: GroupSeries) -> dict[str, Any]:
    audience: Any = "staff" if s.person_group is None else {"group": s.person_group.key}
    return {
        "key": s.key,
        "title": s.title,
        "audience": audience,
        "hosts": [h.key for h in s.hosts],
        "rrule": s.rrule,
        "first_day": s.first_day.isoformat(),
        "start": write_time(s.start_time),
        "duration_minutes": s.duration_minutes,
        "pin": s.pin,
        "muted_on_entry": s.muted_on_entry,
        "announce_joins": s.announce_joins,
        "max_participants": s.max_participants,
        "hold_message": s.hold_message,
        "end_on_host_exit": s.end_on_host_exit,
        "retry_delay_minutes": s.retry_delay_minutes,
        "reminders": {"day_before": s.remind_day_before, "hour_before": s.remind_hour_before},
        "recording": s.recording,
        "recording_purpose": s.recording_purpose,
        "recording_days": s.recording_days,
        "active": s.active,
    }
