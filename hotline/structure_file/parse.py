"""A structure file, validated without a database into frozen, normalised values.

Coordinators write these files by hand. Every problem found is reported at once, each as
`file:line: field: what is wrong`, so a file is fixed in one pass rather than one error per
attempt. The schema catches shapes and misspelt names; `reader` adds what a schema cannot
know: phone numbers, time zones, the voice script with its languages and reserved digits,
unique keys, themes that exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hotline.structure_file.reader import read_document
from hotline.structure_file.spec import (
    ExceptionSpec,
    NumberSpec,
    PersonSpec,
    SlotSpec,
    StaffSpec,
    StructureSpec,
    ThemeSpec,
)
from hotline.voice.script import Script, load_scripts, scripts_root
from hotline.yamlfile import FileProblems, Problem, YamlDocument, load_yaml, schema_problems

__all__ = [
    "SCHEMA_PATH",
    "ExceptionSpec",
    "NumberSpec",
    "PersonSpec",
    "SlotSpec",
    "StaffSpec",
    "StructureSpec",
    "ThemeSpec",
    "parse_structure_file",
    "structure_schema",
]

SCHEMA_PATH = Path(__file__).with_name("structure.schema.json")


@cache
def _schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def structure_schema() -> dict[str, Any]:
    """The published JSON Schema of structure files (a fresh copy: callers may change it)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def parse_structure_file(
    path: str | Path, scripts: Mapping[str, Script] | None = None
) -> StructureSpec:
    """Read and check a structure file; any problem raises FileProblems naming its line.

    `scripts` are the voice scripts the file may name (default: every script under
    `scripts_root()`), so theme digits and languages are checked against the script the
    structure will really use.
    """
    try:
        doc = load_yaml(path)
    except ValueError as exc:  # PyYAML builds dates itself, and 2027-02-30 fails there
        raise FileProblems([_impossible_date(Path(path), exc)]) from None
    doc = YamlDocument(_dates_as_text(doc.data), doc.path, doc.lines)
    problems = schema_problems(doc, structure_schema())
    if problems:
        raise FileProblems(problems)
    if scripts is None:
        scripts = load_scripts(scripts_root())
    return read_document(doc, scripts)


_DATE_LIKE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


def _impossible_date(path: Path, exc: ValueError) -> Problem:
    """Point at the first date written unquoted that no calendar has (YAML gives no line)."""
    text = path.read_text(encoding="utf-8-sig")
    for number, line in enumerate(text.splitlines(), start=1):
        for found in _DATE_LIKE.finditer(line.split("#", 1)[0]):
            try:
                date.fromisoformat(found.group(0))
            except ValueError:
                message = f"{found.group(0)!r} is not a date that exists"
                return Problem(str(path), number, "", message)
    return Problem(str(path), None, "", f"a value cannot be read: {exc}")


def _dates_as_text(value: Any) -> Any:
    """YAML reads 2026-12-24 as a date, JSON Schema only knows text: write dates back as text.

    Either spelling is then accepted, and checked by the same pattern.
    """
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value
