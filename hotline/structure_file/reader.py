"""The checks a schema cannot make, turning a schema-valid document into a StructureSpec.

Every check records a Problem at the line of the value it is about and reading goes on, so
that a coordinator sees every mistake of the file at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.callbacks.errors import SettingsError
from hotline.callbacks.settings import normalise_callback_settings
from hotline.phones import read_phone
from hotline.retention.settings import normalise_retention
from hotline.structure_file.group_calls_section import read_group_calls
from hotline.structure_file.spec import (
    ExceptionSpec,
    NumberSpec,
    PersonSpec,
    SlotSpec,
    StaffSpec,
    StructureSpec,
    ThemeSpec,
)
from hotline.structure_file.values import (
    read_date,
    read_days,
    read_time,
    read_timezone,
)
from hotline.voice.script import Script
from hotline.yamlfile import FileProblems, Problem, YamlDocument, format_location, problem_order

DEFAULT_TIMEZONE = "Europe/Paris"
DEFAULT_SCRIPT = "default"
DEFAULT_LANGUAGES = ("fr",)
DEFAULT_RETENTION_DAYS = 90

Location = tuple[str | int, ...]


def read_document(doc: YamlDocument, scripts: Mapping[str, Script]) -> StructureSpec:
    """Check a document the schema accepted; FileProblems lists everything wrong, by line."""
    reader = _Reader(doc, scripts)
    spec = reader.structure(doc.data)
    if reader.problems:
        raise FileProblems(sorted(reader.problems, key=problem_order))
    return spec


class _Reader:
    def __init__(self, doc: YamlDocument, scripts: Mapping[str, Script]) -> None:
        self.doc = doc
        self.scripts = scripts
        self.problems: list[Problem] = []

    def problem(self, location: Location, message: str) -> None:
        line = self.doc.line_of(location)
        self.problems.append(Problem(self.doc.path, line, format_location(location), message))

    def structure(self, data: Mapping[str, Any]) -> StructureSpec:
        languages = tuple(data.get("languages", DEFAULT_LANGUAGES))
        script_name = data.get("script", DEFAULT_SCRIPT)
        script = self.script(script_name, languages)
        numbers = self.numbers(data["numbers"])
        themes = self.themes(data["themes"], languages, script)
        theme_keys = [theme.key for theme in themes]
        own_numbers = {number.e164 for number in numbers}
        holidays, retention = data.get("holidays", {}), data.get("retention", {})
        group_calls = read_group_calls(
            data.get("group_calls"),
            {item["key"] for item in data.get("staff", [])},
            {item["key"] for item in data.get("people", [])},
            self.problem,
        )
        return StructureSpec(
            path=self.doc.path,
            slug=data["slug"],
            name=data["name"],
            timezone=self.timezone(data.get("timezone", DEFAULT_TIMEZONE)),
            script=script_name,
            languages=languages,
            close_on_holidays=holidays.get("close", True),
            alsace_moselle=holidays.get("alsace_moselle", False),
            voicemail_retention_days=retention.get("voicemail_days", DEFAULT_RETENTION_DAYS),
            numbers=numbers,
            themes=themes,
            staff=self.staff(data.get("staff", []), theme_keys, own_numbers),
            closures=tuple(
                dict.fromkeys(
                    self.exception(("closures", index), item, theme_keys)
                    for index, item in enumerate(data.get("closures", []))
                )
            ),
            people=self.people(data.get("people", []), languages),
            callbacks=self.callbacks(data.get("callbacks")),
            retention=self.retention(retention),
            group_calls=group_calls,
        )

    # -- values -----------------------------------------------------------------------------

    def phone(self, location: Location, raw: str) -> str:
        """The E.164 form; on a problem the raw text, so reading can go on."""
        try:
            return read_phone(raw)
        except ValueError as exc:
            self.problem(location, str(exc))
            return raw

    def timezone(self, raw: str) -> str:
        try:
            return read_timezone(raw)
        except ValueError as exc:
            self.problem(("timezone",), str(exc))
            return raw

    def unique(self, seen: dict[Any, Location], value: Any, location: Location, what: str) -> None:
        """Record where `value` was first used; a second use is a problem naming the first."""
        first = seen.setdefault(value, location)
        if first != location:
            where = format_location(first)
            line = self.doc.line_of(first)
            self.problem(location, f"{what} {value!r} is already used by {where} (line {line})")

    def known_theme(self, location: Location, key: str, theme_keys: list[str]) -> None:
        if key not in theme_keys:
            known = ", ".join(theme_keys)
            self.problem(location, f"unknown theme {key!r} (known: {known})")

    # -- sections ---------------------------------------------------------------------------

    def script(self, name: str, languages: tuple[str, ...]) -> Script | None:
        script = self.scripts.get(name)
        if script is None:
            known = ", ".join(sorted(self.scripts)) or "none"
            self.problem(("script",), f"unknown voice script {name!r} (known: {known})")
            return None
        for index, code in enumerate(languages):
            if code not in script.languages:
                offered = ", ".join(script.languages)
                self.problem(
                    ("languages", index),
                    f"language {code!r} is not in voice script {name!r} (its languages: {offered})",
                )
        return script

    def numbers(self, items: list[dict[str, Any]]) -> tuple[NumberSpec, ...]:
        seen: dict[Any, Location] = {}
        numbers = []
        for index, item in enumerate(items):
            location = ("numbers", index, "number")
            e164 = self.phone(location, item["number"])
            self.unique(seen, e164, location, "number")
            line = self.doc.line_of(location)
            numbers.append(NumberSpec(e164, item.get("label", ""), line))
        return tuple(numbers)

    def themes(
        self, items: list[dict[str, Any]], languages: tuple[str, ...], script: Script | None
    ) -> tuple[ThemeSpec, ...]:
        reserved = _reserved_digits(script) if script is not None else {}
        script_name = script.name if script is not None else ""
        keys: dict[Any, Location] = {}
        digits: dict[Any, Location] = {}
        themes = []
        for index, item in enumerate(items):
            where: Location = ("themes", index)
            self.unique(keys, item["key"], (*where, "key"), "theme key")
            self.unique(digits, item["digit"], (*where, "digit"), "digit")
            if item["digit"] in reserved:
                self.problem(
                    (*where, "digit"),
                    f"digit {item['digit']!r} is used by the voice script {script_name!r} itself "
                    f"in its menu {reserved[item['digit']]!r} "
                    f"(it keeps {', '.join(sorted(reserved))})",
                )
            for code in languages:
                if code not in item["labels"]:
                    self.problem(
                        (*where, "labels"), f"no label in {code!r}, a language the structure offers"
                    )
            keywords = {code: tuple(words) for code, words in item.get("keywords", {}).items()}
            themes.append(ThemeSpec(item["key"], item["digit"], dict(item["labels"]), keywords))
        return tuple(themes)

    def staff(
        self, items: list[dict[str, Any]], theme_keys: list[str], own_numbers: set[str]
    ) -> tuple[StaffSpec, ...]:
        keys: dict[Any, Location] = {}
        staff = []
        for index, item in enumerate(items):
            where: Location = ("staff", index)
            self.unique(keys, item["key"], (*where, "key"), "staff key")
            phone = self.phone((*where, "phone"), item["phone"])
            if phone in own_numbers:
                self.problem(
                    (*where, "phone"),
                    "this is one of the structure's own numbers: the call would ring the hotline",
                )
            staff.append(
                StaffSpec(
                    key=item["key"],
                    name=item["name"],
                    phone=phone,
                    email=item.get("email"),
                    role=item.get("role", "staff"),
                    active=item.get("active", True),
                    slots=self.duty(where, item.get("duty", []), theme_keys),
                    exceptions=tuple(
                        dict.fromkeys(
                            self.exception((*where, "exceptions", number), exception, theme_keys)
                            for number, exception in enumerate(item.get("exceptions", []))
                        )
                    ),
                )
            )
        return tuple(staff)

    def duty(
        self, where: Location, rows: list[dict[str, Any]], theme_keys: list[str]
    ) -> tuple[SlotSpec, ...]:
        """One slot per weekday of each row; a slot written twice counts once."""
        slots: list[SlotSpec] = []
        for index, row in enumerate(rows):
            self.known_theme((*where, "duty", index, "theme"), row["theme"], theme_keys)
            start, end = read_time(row["from"]), read_time(row["to"])
            slots.extend(
                SlotSpec(row["theme"], weekday, start, end) for weekday in read_days(row["days"])
            )
        return tuple(dict.fromkeys(slots))

    def exception(
        self, where: Location, item: Mapping[str, Any], theme_keys: list[str]
    ) -> ExceptionSpec:
        """A staff exception or a structure closure (which has no `open` and no `theme`)."""
        try:
            day = read_date(item["date"])
        except ValueError as exc:
            self.problem((*where, "date"), str(exc))
            day = read_date("1970-01-01")
        theme = item.get("theme")
        if theme is not None:
            self.known_theme((*where, "theme"), theme, theme_keys)
        return ExceptionSpec(
            day=day,
            closed=not item.get("open", False),
            start=read_time(item["from"]) if "from" in item else None,
            end=read_time(item["to"]) if "to" in item else None,
            theme=theme,
            note=item.get("note", ""),
        )

    def callbacks(self, section: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The queue settings in their stored form; a bad one is reported at its line."""
        if section is None:
            return None
        try:
            return normalise_callback_settings(section)
        except SettingsError as exc:
            self.problem(("callbacks", *exc.path), exc.message)
            return None

    def retention(self, section: Mapping[str, Any]) -> dict[str, int]:
        try:
            return normalise_retention(section)
        except ValueError as exc:
            self.problem(("retention",), str(exc))
            return {}

    def people(
        self, items: list[dict[str, Any]], languages: tuple[str, ...]
    ) -> tuple[PersonSpec, ...]:
        keys: dict[Any, Location] = {}
        phones: dict[Any, Location] = {}
        people = []
        for index, item in enumerate(items):
            where: Location = ("people", index)
            self.unique(keys, item["key"], (*where, "key"), "person key")
            phone = None
            if "phone" in item:
                phone = self.phone((*where, "phone"), item["phone"])
                self.unique(phones, phone, (*where, "phone"), "phone")
            language = item.get("language")
            if language is not None and language not in languages:
                offered = ", ".join(languages)
                self.problem(
                    (*where, "language"), f"{language!r} is not offered (languages: {offered})"
                )
            people.append(
                PersonSpec(
                    key=item["key"],
                    name=item["name"],
                    phone=phone,
                    isolated=item.get("isolated", False),
                    has_convention=item.get("has_convention", False),
                    risk=item.get("risk", 0),
                    language=language,
                )
            )
        return tuple(people)


def _reserved_digits(script: Script) -> dict[str, str]:
    """Digits the script's theme menus use themselves, with the menu using each."""
    reserved: dict[str, str] = {}
    for node in script.nodes.values():
        if node.themes:
            for digit in script.reserved_digits(node.id):
                reserved.setdefault(digit, node.id)
    return reserved
