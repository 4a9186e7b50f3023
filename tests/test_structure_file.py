"""Structure files as a coordinator uses them: write, check, load, edit, load again, dump.

Parsing needs no database; loading runs on the real database of the `session` fixture
(SQLite here, PostgreSQL in CI's second run).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy import event, select

from hotline.models import DutyException, DutySlot, Person, PhoneNumber, Staff, Structure, Theme
from hotline.structure_file import (
    SCHEMA_PATH,
    dump_structure,
    load_structure,
    parse_structure_file,
    structure_schema,
)
from hotline.yamlfile import FileProblems

DEMO = Path(__file__).resolve().parents[1] / "structures" / "demo.yaml"
JANUARY = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
FEBRUARY = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


# -- parsing, without a database --------------------------------------------------------------


def test_the_shipped_demo_parses_into_normalised_values() -> None:
    spec = parse_structure_file(DEMO)
    assert spec.slug == "demo"
    assert spec.languages == ("fr", "en")
    assert [number.e164 for number in spec.numbers] == ["+33184880000"]
    assert [(theme.key, theme.digit) for theme in spec.themes] == [
        ("administratif", "1"),
        ("social", "2"),
        ("numerique", "3"),
    ]
    staff = {member.key: member for member in spec.staff}
    assert staff["camille"].phone == "+33600000003"
    assert {slot.weekday for slot in staff["camille"].slots} == set(range(7))
    assert all(slot.start == slot.end == time(0) for slot in staff["camille"].slots)
    friday_night = [slot for slot in staff["karim"].slots if slot.weekday == 4]
    assert [(s.start, s.end) for s in friday_night] == [(time(20), time(2))]
    assert len(staff["amina"].slots) == 10  # weekdays, morning and afternoon
    assert staff["sophie"].role == "coordinator"
    assert staff["sophie"].slots == ()
    assert all(p.phone and p.phone.startswith("+3360000010") for p in spec.people)


def test_dates_may_be_quoted_and_phones_written_the_french_way(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["staff"][0]["phone"] = "0033 6 00 00 00 01"
        data["staff"][0]["exceptions"] = [
            {"date": "2027-01-05", "from": "14:00", "to": "16:00"},
            {
                "date": date(2027, 1, 9),
                "open": True,
                "from": "10:00",
                "to": "12:00",
                "theme": "administratif",
            },
        ]
        data["closures"] = [
            {"date": "2026-12-31", "from": "12:00", "to": "00:00", "note": "Réveillon"}
        ]

    spec = parse_structure_file(write_edited(tmp_path, edit))
    amina = spec.staff[0]
    assert amina.phone == "+33600000001"
    assert [(e.day, e.closed, e.theme) for e in amina.exceptions] == [
        (date(2027, 1, 5), True, None),
        (date(2027, 1, 9), False, "administratif"),
    ]
    assert spec.closures[0].day == date(2026, 12, 31)
    assert (spec.closures[0].start, spec.closures[0].end) == (time(12), time(0))


def test_the_schema_is_valid_and_refuses_unknown_keys_everywhere() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    with_properties = list(_subschemas_with_properties(schema))
    assert len(with_properties) > 8
    assert all(sub.get("additionalProperties") is False for sub in with_properties)


def _subschemas_with_properties(node: Any) -> Iterator[dict[str, Any]]:
    """Object schemas; an `if` only tests a value, it does not describe one."""
    if isinstance(node, dict):
        if "properties" in node:
            yield node
        for key, value in node.items():
            if key != "if":
                yield from _subschemas_with_properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subschemas_with_properties(value)


# (id, text in the demo, its replacement, the replacement's line marker, field, message part)
BROKEN = [
    (
        "unknown top-level key",
        "holidays: {close: false, alsace_moselle: false}",
        "holidays: {close: false, alsace_moselle: false}\nopening: 9-17",
        "opening: 9-17",
        "opening",
        "unknown property 'opening'",
    ),
    (
        "misspelt key",
        "    role: coordinator",
        "    rôle: coordinator",
        "rôle:",
        'staff[3]["rôle"]',
        "unknown property 'rôle'; did you mean 'role'?",
    ),
    (
        "bad phone",
        '"+33 6 00 00 00 03"',
        '"06 00 00 0x 03"',
        "0x 03",
        "staff[2].phone",
        "'06 00 00 0x 03' is not a phone number",
    ),
    (
        "phone too short",
        '"+33 6 00 00 00 02"',
        '"06 00 00"',
        '"06 00 00"',
        "staff[1].phone",
        "not a valid phone number",
    ),
    (
        "duplicate digit",
        'digit: "2"',
        'digit: "1"',
        "- key: social\n    digit",
        "themes[1].digit",
        "digit '1' is already used by themes[0].digit",
    ),
    (
        "reserved digit",
        'digit: "3"',
        'digit: "9"',
        'digit: "9"',
        "themes[2].digit",
        "digit '9' is used by the voice script 'default' itself",
    ),
    (
        "unknown theme in duty",
        "{theme: numerique, days: all",
        "{theme: numerik, days: all",
        "numerik",
        "staff[2].duty[0].theme",
        "unknown theme 'numerik' (known: administratif, social, numerique)",
    ),
    (
        "missing label",
        ', en: "social support"}',
        "}",
        "l'accompagnement social\"}",
        "themes[1].labels",
        "no label in 'en', a language the structure offers",
    ),
    (
        "invalid timezone",
        "timezone: Europe/Paris",
        "timezone: Europe/Pariss",
        "Pariss",
        "timezone",
        "unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?",
    ),
    (
        "unknown script",
        "script: default",
        "script: defaut",
        "script: defaut",
        "script",
        "unknown voice script 'defaut' (known: default)",
    ),
    (
        "language not in the script",
        "languages: [fr, en]",
        "languages: [fr, de]",
        "languages: [fr, de]",
        "languages[1]",
        "language 'de' is not in voice script 'default'",
    ),
    (
        "YAML duplicate key",
        'name: "Atelier Demo Insertion"',
        'name: "Atelier Demo Insertion"\nname: Autre',
        "name: Autre",
        "name",
        "duplicate key 'name', already written at line",
    ),
    (
        "duplicate staff key",
        "  - key: karim",
        "  - key: amina  # doublon",
        "doublon",
        "staff[1].key",
        "staff key 'amina' is already used by staff[0].key",
    ),
    (
        "duplicate person phone",
        '"+33 6 00 00 01 02"',
        '"06 00 00 01 01"',
        "p-002",
        "people[1].phone",
        "phone '+33600000101' is already used by people[0].phone",
    ),
    (
        "unquoted time",
        '"20:00", to: "02:00"',
        '20:00, to: "02:00"',
        "20:00, to",
        "staff[1].duty[1].from",
        'a time is written "HH:MM" in quotes',
    ),
    (
        "retention out of range",
        "voicemail_days: 90",
        "voicemail_days: 365",
        "365",
        "retention.voicemail_days",
        "365 is greater than the maximum of 183",
    ),
    (
        "open exception without a theme",
        '{date: 2027-08-16, note: "congés"}',
        '{date: 2027-08-16, open: true, from: "10:00", to: "12:00"}',
        "open: true",
        "staff[0].exceptions[0]",
        "missing required field 'theme'",
    ),
    (
        "date that does not exist",
        "{date: 2027-08-16,",
        '{date: "2027-02-30",',
        "02-30",
        "staff[0].exceptions[0].date",
        "'2027-02-30' is not a date that exists",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "marker", "field", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_file_is_refused_naming_its_line_and_field(
    tmp_path: Path, old: str, new: str, marker: str, field: str, message: str
) -> None:
    text = DEMO.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the demo changed: {old!r} is no longer there once"
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    line = _line_of(broken.read_text(encoding="utf-8"), marker)
    with pytest.raises(FileProblems) as refused:
        parse_structure_file(broken)
    assert f"broken.yaml:{line}: {field}: " in str(refused.value)
    assert message in str(refused.value)


def _line_of(text: str, marker: str) -> int:
    """1-based line where `marker` ends (markers may span lines to be unique)."""
    end = text.index(marker) + len(marker)
    return text.count("\n", 0, end) + 1


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace('digit: "3"', 'digit: "9"').replace("timezone: Europe/Paris", "timezone: X")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblems) as refused:
        parse_structure_file(broken)
    assert [problem.where for problem in refused.value.problems] == ["timezone", "themes[2].digit"]


# -- loading into the database ------------------------------------------------------------------


@pytest.fixture
def writes(session: Any) -> Iterator[list[str]]:
    """Every INSERT, UPDATE and DELETE sent to the database while the test runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def load(session: Any, path: Path = DEMO, now: datetime = JANUARY) -> Any:
    result = load_structure(session, parse_structure_file(path), now=now)
    session.commit()
    return result


def ids(session: Any, model: Any) -> dict[Any, int]:
    """Row ids by a readable key, to tell rows kept from rows replaced."""
    key: Callable[[Any], Any] = {
        Theme: lambda row: row.key,
        Staff: lambda row: row.key,
        Person: lambda row: row.key,
        PhoneNumber: lambda row: row.e164,
        DutySlot: lambda row: (row.staff.key, row.weekday, row.start),
        DutyException: lambda row: (row.staff.key if row.staff else None, row.day),
    }[model]
    return {key(row): row.id for row in session.scalars(select(model))}


def write_edited(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], name: str = "s.yaml"
) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_loading_creates_the_structure(session: Any) -> None:
    result = load(session)
    assert (result.slug, result.created) == ("demo", True)
    structure = session.scalar(select(Structure).where(Structure.slug == "demo"))
    assert structure.updated_at == JANUARY
    assert [n.e164 for n in structure.numbers] == ["+33184880000"]
    assert [(t.position, t.digit, t.key) for t in structure.themes] == [
        (0, "1", "administratif"),
        (1, "2", "social"),
        (2, "3", "numerique"),
    ]
    karim = next(s for s in structure.staff if s.key == "karim")
    assert karim.phone_e164 == "+33600000002"
    assert {(s.weekday, s.start, s.end, s.theme.key) for s in karim.slots} == {
        (1, time(9), time(17), "social"),
        (3, time(9), time(17), "social"),
        (4, time(20), time(2), "social"),
    }
    assert {p.key: p.phone_e164 for p in structure.people} == {
        "p-001": "+33600000101",
        "p-002": "+33600000102",
    }


def test_loading_the_same_file_twice_changes_nothing(session: Any, writes: list[str]) -> None:
    load(session)
    before = {model: ids(session, model) for model in (Theme, Staff, Person, DutySlot)}
    writes.clear()
    result = load(session, now=FEBRUARY)
    assert (result.created, result.changes) == (False, [])
    assert writes == []
    assert {model: ids(session, model) for model in before} == before
    assert session.scalar(select(Structure.updated_at)) == JANUARY


def test_an_edited_file_updates_in_place(session: Any, tmp_path: Path) -> None:
    load(session)
    themes, staff, slots = ids(session, Theme), ids(session, Staff), ids(session, DutySlot)

    def edit(data: dict[str, Any]) -> None:
        data["themes"][1]["labels"]["fr"] = "l'accompagnement social et le logement"
        data["staff"] = [member for member in data["staff"] if member["key"] != "karim"]
        data["staff"][0]["duty"][0]["from"] = "09:30"  # amina's mornings

    result = load(session, write_edited(tmp_path, edit), now=FEBRUARY)
    assert not result.created
    assert "staff 'karim' removed" in result.changes
    assert "theme 'social': labels changed" in result.changes
    assert "staff 'amina': 5 duty slots added" in result.changes
    assert ids(session, Theme) == themes
    assert ids(session, Staff) == {key: id_ for key, id_ in staff.items() if key != "karim"}
    kept = {key: id_ for key, id_ in slots.items() if key[0] == "camille" or key[2] == time(14)}
    after = ids(session, DutySlot)
    assert {key: after[key] for key in kept} == kept
    assert {key[1] for key in after if key[0] == "amina" and key[2] == time(9, 30)} == set(range(5))
    assert not any(key[0] == "karim" for key in after)
    social = session.scalar(select(Theme).where(Theme.key == "social"))
    assert social.labels["fr"] == "l'accompagnement social et le logement"
    assert session.scalar(select(Structure.updated_at)) == FEBRUARY


def test_swapping_two_theme_digits_keeps_the_themes(session: Any, tmp_path: Path) -> None:
    """Each UPDATE alone would collide with the other theme's digit; the load must not."""
    load(session)
    themes = ids(session, Theme)

    def edit(data: dict[str, Any]) -> None:
        data["themes"][0]["digit"], data["themes"][1]["digit"] = "2", "1"
        data["people"][0]["phone"], data["people"][1]["phone"] = (
            data["people"][1]["phone"],
            data["people"][0]["phone"],
        )

    load(session, write_edited(tmp_path, edit))
    assert ids(session, Theme) == themes
    digits = {t.key: t.digit for t in session.scalars(select(Theme))}
    assert digits == {"administratif": "2", "social": "1", "numerique": "3"}
    phones = {p.key: p.phone_e164 for p in session.scalars(select(Person))}
    assert phones == {"p-001": "+33600000102", "p-002": "+33600000101"}


def test_a_number_of_another_structure_is_refused_at_its_line(session: Any, tmp_path: Path) -> None:
    load(session)

    def edit(data: dict[str, Any]) -> None:
        data["slug"] = "autre"
        data["people"] = []
        data.pop("group_calls")  # its group names the people removed above

    other = write_edited(tmp_path, edit, name="autre.yaml")
    line = _line_of(other.read_text(encoding="utf-8"), "- number:")
    with pytest.raises(FileProblems) as refused:
        load_structure(session, parse_structure_file(other), now=JANUARY)
    assert f"autre.yaml:{line}: numbers[0].number: " in str(refused.value)
    assert "+33184880000 already belongs to the structure 'demo'" in str(refused.value)
    session.rollback()
    assert session.scalars(select(Structure.slug)).all() == ["demo"]


def test_dump_then_load_changes_nothing(session: Any, tmp_path: Path) -> None:
    def enrich(data: dict[str, Any]) -> None:
        amina = data["staff"][0]
        amina["exceptions"] += [
            {"date": "2027-01-05", "from": "14:00", "to": "16:00", "theme": "administratif"},
            {
                "date": "2027-01-09",
                "open": True,
                "from": "10:00",
                "to": "12:00",
                "theme": "administratif",
                "note": "permanence du samedi",
            },
        ]
        data["staff"][1]["active"] = False
        data["staff"][1]["duty"].append(
            {"theme": "social", "days": ["mon", "sat"], "from": "22:00", "to": "06:00"}
        )
        data["closures"] = [
            {"date": "2026-12-31", "from": "12:00", "to": "00:00", "note": "Réveillon"},
            {"date": "2027-05-07"},
        ]
        data["people"].append({"key": "p-003", "name": "Sans Téléphone"})

    load(session, write_edited(tmp_path, enrich))
    copy = tmp_path / "dumped.yaml"
    copy.write_text(dump_structure(session, "demo"), encoding="utf-8")
    result = load(session, copy, now=FEBRUARY)
    assert (result.created, result.changes) == (False, [])
    assert session.scalar(select(Structure.updated_at)) == JANUARY
    assert session.scalar(select(PhoneNumber.e164)) == "+33184880000"


def test_the_dump_is_readable_and_follows_the_schema_order(session: Any) -> None:
    load(session)
    text = dump_structure(session, "demo")
    data = yaml.safe_load(text)
    schema = structure_schema()
    assert list(data) == [key for key in schema["properties"] if key in data]
    staff_order = list(schema["$defs"]["staff"]["properties"])
    for member in data["staff"]:
        assert list(member) == [key for key in staff_order if key in member]
    assert '{number: "+33184880000", label: Ligne principale}' in text
    assert '{theme: numerique, days: all, from: "00:00", to: "00:00"}' in text
    assert '{theme: administratif, days: weekdays, from: "09:00", to: "12:30"}' in text
    assert '{theme: social, days: [fri], from: "20:00", to: "02:00"}' in text


def test_dumping_an_unknown_structure_names_it(session: Any) -> None:
    with pytest.raises(LookupError, match="no structure named 'nope'"):
        dump_structure(session, "nope")


def test_an_unquoted_date_that_does_not_exist_is_found_by_line(tmp_path: Path) -> None:
    """YAML itself fails on 2027-02-30 before any line is known; the check still finds it."""
    text = DEMO.read_text(encoding="utf-8").replace("{date: 2027-08-16,", "{date: 2027-02-30,")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(FileProblems) as refused:
        parse_structure_file(broken)
    line = _line_of(text, "2027-02-30")
    assert str(refused.value).endswith(
        f"broken.yaml:{line}: '2027-02-30' is not a date that exists"
    )


def test_a_group_call_recorded_without_a_purpose_is_refused_at_its_line(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["group_calls"]["series"][1]["recording"] = True

    with pytest.raises(FileProblems, match=r"series\[1\]\.recording_purpose: a recorded group"):
        parse_structure_file(write_edited(tmp_path, edit))


def test_a_recording_kept_over_six_months_is_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["group_calls"]["series"][1].update(
            recording=True, recording_purpose="formation", recording_days=200
        )

    with pytest.raises(FileProblems, match=r"recording_days"):
        parse_structure_file(write_edited(tmp_path, edit))


def test_a_group_call_with_an_unusable_rule_or_host_is_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["group_calls"]["series"][0]["rrule"] = "BYDAY=MO"
        data["group_calls"]["series"][0]["hosts"] = ["nobody"]

    with pytest.raises(FileProblems) as refused:
        parse_structure_file(write_edited(tmp_path, edit))
    assert "series[0].rrule: La règle de récurrence doit indiquer FREQ" in str(refused.value)
    assert "series[0].hosts: unknown staff member 'nobody'" in str(refused.value)


def test_loading_creates_the_demo_group_calls(session: Any) -> None:
    load(session)
    from hotline.models import GroupSeries

    rows = session.scalars(select(GroupSeries).order_by(GroupSeries.key)).all()
    assert [(s.key, s.start_time.strftime("%H:%M"), [h.key for h in s.hosts]) for s in rows] == [
        ("cafe-jeudi", "14:00", ["camille"]),
        ("reunion-equipe", "10:00", ["sophie"]),
    ]
    assert [m.key for m in rows[0].person_group.members] == ["p-001", "p-002"]
