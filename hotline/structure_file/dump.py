"""Write a structure back as a structure file, the way a coordinator would have written it.

The result is accepted by `parse_structure_file` and loads back with no change: duty slots
are regrouped into one row per theme and hours (`days: weekdays` rather than five rows),
keys follow the schema's order, phones are E.164 and times "HH:MM" in quotes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from hotline.models import DutyException, Person, Staff, Structure, Theme
from hotline.retention.settings import stored_retention
from hotline.structure_file.group_calls_section import dump_group_calls
from hotline.structure_file.values import write_days, write_time


class _Flow(dict[str, Any]):
    """A mapping written on one line: `{number: "+33…", label: …}`."""


class _FlowList(list[Any]):
    """A list written on one line: `[fr, en]`."""


class _Quoted(str):
    """Text always written in double quotes: times and phones must not be read as numbers."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)
_Dumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, True)
)
_Dumper.add_representer(
    _Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, '"')
)


def dump_structure(session: Session, slug: str) -> str:
    """The structure file of `slug`, as YAML text; LookupError when there is no such structure."""
    structure = session.scalar(select(Structure).where(Structure.slug == slug))
    if structure is None:
        raise LookupError(f"no structure named {slug!r}")
    header = (
        f"# Structure {slug!r}, written by `hotline structure dump {slug}`.\n"
        "# Format: hotline/structure_file/structure.schema.json\n"
    )
    body = yaml.dump(
        _document(structure), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120
    )
    return header + body


def _document(structure: Structure) -> dict[str, Any]:
    languages = list(structure.languages or ["fr"])
    document = {
        "slug": structure.slug,
        "name": structure.name,
        "timezone": structure.timezone,
        "script": structure.script,
        "languages": _FlowList(languages),
        "holidays": _Flow(
            close=structure.close_on_holidays, alsace_moselle=structure.alsace_moselle
        ),
        "retention": _Flow(
            voicemail_days=structure.voicemail_retention_days, **stored_retention(structure)
        ),
        "numbers": [
            _Flow(number=_Quoted(number.e164), label=number.label) for number in structure.numbers
        ],
        "themes": [_theme(theme, languages) for theme in structure.themes],
        "staff": [_staff(staff) for staff in structure.staff],
        "closures": [
            _exception(row) for row in _by_date(e for e in structure.closures if e.staff is None)
        ],
        "people": [_person(person) for person in structure.people],
    }
    callbacks = (structure.settings or {}).get("callbacks")
    if callbacks is not None:
        document["callbacks"] = _callbacks(callbacks)
    group_calls = dump_group_calls(object_session(structure), structure)  # type: ignore[arg-type]
    if group_calls is not None:
        for series in group_calls["series"]:
            series["start"] = _Quoted(series["start"])
            series["pin"] = _Quoted(series["pin"])
            series["first_day"] = _Quoted(series["first_day"])
            series["hosts"] = _FlowList(series["hosts"])
            series["reminders"] = _Flow(series["reminders"])
        for group in group_calls["groups"]:
            group["members"] = _FlowList(group["members"])
        document["group_calls"] = group_calls
    return document


def _callbacks(stored: dict[str, Any]) -> dict[str, Any]:
    """The queue settings as stored (already normalised), laid out like the demo file."""
    hours = stored["outbound_hours"]
    rows = [
        _Flow(
            days=_days_text(row["days"]),
            **{"from": _Quoted(row["from"]), "to": _Quoted(row["to"])},
        )
        for row in hours["hours"]
    ]
    data = dict(stored)
    data["policy"] = _Flow(stored["policy"])
    if "weights" in stored["policy"]:
        data["policy"]["weights"] = _Flow(stored["policy"]["weights"])
    data["outbound_hours"] = {"hours": rows, "close_on_holidays": hours["close_on_holidays"]}
    data["attempt_delays_minutes"] = _FlowList(stored["attempt_delays_minutes"])
    return data


def _days_text(days: str | list[str]) -> Any:
    return days if isinstance(days, str) else _FlowList(days)


def _theme(theme: Theme, languages: list[str]) -> dict[str, Any]:
    """Labels and keywords in the structure's language order, then any others."""

    def ordered(mapping: dict[str, Any]) -> list[str]:
        return [code for code in languages if code in mapping] + sorted(
            code for code in mapping if code not in languages
        )

    labels = theme.labels or {}
    keywords = theme.keywords or {}
    data: dict[str, Any] = {
        "key": theme.key,
        "digit": _Quoted(theme.digit),
        "labels": _Flow({code: labels[code] for code in ordered(labels)}),
    }
    if keywords:
        data["keywords"] = {code: _FlowList(keywords[code]) for code in ordered(keywords)}
    return data


def _staff(staff: Staff) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": staff.key,
        "name": staff.name,
        "phone": _Quoted(staff.phone_e164),
    }
    if staff.email:
        data["email"] = staff.email
    data["role"] = staff.role
    if not staff.active:
        data["active"] = False
    if staff.slots:
        data["duty"] = _duty_rows(staff)
    if staff.exceptions:
        data["exceptions"] = [_exception(row) for row in _by_date(staff.exceptions)]
    return data


def _duty_rows(staff: Staff) -> list[_Flow]:
    """One row per theme and hours, listing its weekdays, in menu then week order."""
    days: dict[tuple[int, str, time, time], set[int]] = defaultdict(set)
    for slot in staff.slots:
        days[(slot.theme.position, slot.theme.key, slot.start, slot.end)].add(slot.weekday)
    rows = sorted(days.items(), key=lambda item: (item[0][0], min(item[1]), item[0][2]))
    return [
        _Flow(
            theme=key,
            days=_days(weekdays),
            **{"from": _Quoted(write_time(start)), "to": _Quoted(write_time(end))},
        )
        for (_, key, start, end), weekdays in rows
    ]


def _days(weekdays: set[int]) -> Any:
    written = write_days(weekdays)
    return written if isinstance(written, str) else _FlowList(written)


def _by_date(rows: Any) -> list[DutyException]:
    return sorted(rows, key=lambda row: (row.day, row.start or time.min, row.closed, row.note))


def _exception(row: DutyException) -> _Flow:
    data = _Flow(date=row.day)
    if not row.closed:
        data["open"] = True
    if row.start is not None and row.end is not None:
        data["from"] = _Quoted(write_time(row.start))
        data["to"] = _Quoted(write_time(row.end))
    if row.theme is not None:
        data["theme"] = row.theme.key
    if row.note:
        data["note"] = row.note
    return data


def _person(person: Person) -> _Flow:
    data = _Flow(key=person.key, name=person.name)
    if person.phone_e164:
        data["phone"] = _Quoted(person.phone_e164)
    data.update(isolated=person.isolated, has_convention=person.has_convention, risk=person.risk)
    if person.language:
        data["language"] = person.language
    return data
