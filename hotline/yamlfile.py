"""YAML files read with line numbers, and problems that point at a file and a line.

Voice scripts and structure files are written by hand, by people who are not developers. A
complaint is only useful when it says `file:line`, but PyYAML forgets where a value came from
once it has built Python objects; this loader keeps those positions in a side index keyed by
path. It also refuses duplicate keys: silently keeping the last one is how a file loses a setting.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError

_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, said so that its author can find and fix it."""

    path: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = self.path if self.line is None else f"{self.path}:{self.line}"
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


def problem_order(problem: Problem) -> tuple[str, bool, int, str]:
    """Sort key: by file, then by line (problems without a line last), then by place."""
    return (problem.path, problem.line is None, problem.line or 0, problem.where)


class FileProblems(Exception):
    """Raised when a file cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def format_location(location: Sequence[Any]) -> str:
    """`themes[1].digit`, `options["*"]`: a path as the author would point at it."""
    out = ""
    for part in location:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_NAME.fullmatch(part):
            out += f".{part}" if out else part
        elif isinstance(part, str):
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
        else:
            out += f"[{part!r}]"
    return out


@dataclass(frozen=True)
class YamlDocument:
    """The data of one YAML file, plus the line where each mapping key and list item sits."""

    data: Any
    path: str
    lines: Mapping[tuple[Any, ...], int] = field(default_factory=dict, repr=False, compare=False)

    def line_of(self, location: Sequence[str | int]) -> int | None:
        """1-based line of the key or item at `location`, else of its nearest existing ancestor.

        A key written `1:` is the integer 1 in the data; `line_of(["options", "1"])` still
        finds it, because people and error paths spell keys as text.
        """
        wanted = tuple(location)
        for end in range(len(wanted), -1, -1):
            prefix = wanted[:end]
            line = self.lines.get(prefix)
            if line is None:
                line = self.lines.get(tuple(str(part) for part in prefix))
            if line is not None:
                return line
        return None


class LineLoader(yaml.SafeLoader):
    """The safe loader, used node by node so positions can be read before construction."""


class _Indexer:
    """Walks the composed node tree: records lines by path, reports duplicate keys."""

    def __init__(self, loader: LineLoader, path: str) -> None:
        self.loader = loader
        self.path = path
        self.lines: dict[tuple[Any, ...], int] = {}
        self.problems: list[Problem] = []

    def record(self, location: tuple[Any, ...], line: int) -> None:
        self.lines.setdefault(location, line)
        self.lines.setdefault(tuple(str(part) for part in location), line)

    def walk(self, node: yaml.Node, location: tuple[Any, ...], ancestors: frozenset[int]) -> None:
        if id(node) in ancestors:  # an alias pointing back up: recursive data
            return
        ancestors = ancestors | {id(node)}
        if isinstance(node, yaml.MappingNode):
            self.walk_mapping(node, location, ancestors)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.record((*location, index), item.start_mark.line + 1)
                self.walk(item, (*location, index), ancestors)

    def walk_mapping(
        self, node: yaml.MappingNode, location: tuple[Any, ...], ancestors: frozenset[int]
    ) -> None:
        first_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *base` overrides are intended, not duplicates
                continue
            key = self.loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = first_lines.get(key)
            except TypeError:  # unhashable key: the constructor reports it
                continue
            if first is not None:
                self.problems.append(self.duplicate(location, key, line, first))
                continue
            first_lines[key] = line
            self.record((*location, key), line)
            self.walk(value_node, (*location, key), ancestors)

    def duplicate(self, location: tuple[Any, ...], key: Any, line: int, first: int) -> Problem:
        message = (
            f"duplicate key {key!r}, already written at line {first}; "
            "only one of the two values would be kept"
        )
        return Problem(self.path, line, format_location((*location, key)), message)


def load_yaml(path: str | Path) -> YamlDocument:
    """Read one YAML file; any syntax error or duplicate key raises FileProblems with its line."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileProblems([Problem(name, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileProblems([Problem(name, None, "", f"cannot read the file: {exc}")]) from None
    loader = LineLoader(text)
    try:
        return _load(loader, name)
    except yaml.MarkedYAMLError as exc:
        raise FileProblems([_syntax_problem(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _load(loader: LineLoader, name: str) -> YamlDocument:
    node = loader.get_single_node()
    if node is None:
        return YamlDocument(None, name, {})
    indexer = _Indexer(loader, name)
    indexer.record((), node.start_mark.line + 1)
    indexer.walk(node, (), frozenset())
    if indexer.problems:
        raise FileProblems(indexer.problems)
    data = loader.construct_document(node)
    return YamlDocument(data, name, indexer.lines)


def _syntax_problem(name: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    message = f"YAML syntax error: {exc.problem or exc.context or 'unreadable'}"
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return Problem(name, line, "", message)


def schema_problems(doc: YamlDocument, schema: Mapping[str, Any]) -> list[Problem]:
    """Validate against a JSON Schema (Draft 2020-12): one readable Problem per error, by line.

    A subschema may carry `errorMessage`: it then replaces the generic text of errors raised by
    its own `oneOf`/`anyOf`/`pattern`, which jsonschema words for schema authors, not for users.
    """
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(doc.data):
        problems.extend(_describe(doc, error))
    # Two branches of a schema may reject the same value in the same words: say it once.
    return sorted(dict.fromkeys(problems), key=problem_order)


def _describe(doc: YamlDocument, error: ValidationError) -> list[Problem]:
    location = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        return [_key_problem(doc, location, error)]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_properties(doc, location, error)
    if error.validator == "required":
        missing = next(
            (name for name in error.validator_value if error.message.startswith(repr(name))),
            error.message,
        )
        message = f"missing required field {missing!r}"
    else:
        message = _custom_message(error) or _plain_message(error)
    return [Problem(doc.path, doc.line_of(location), format_location(location), message)]


def _custom_message(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in ("oneOf", "anyOf", "pattern", "enum") and "errorMessage" in schema:
        return str(schema["errorMessage"])
    return None


def _plain_message(error: ValidationError) -> str:
    """jsonschema's wording, except where it would dump a whole value at the reader."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        return _plain_message(jsonschema.exceptions.best_match(error.context))
    if error.validator == "type" and error.instance is None:
        return "no value given" if error.absolute_path else "the file is empty"
    if error.validator in ("minItems", "maxItems") and isinstance(error.instance, list):
        bound = "at least" if error.validator == "minItems" else "at most"
        return f"{len(error.instance)} items, {bound} {error.validator_value} expected"
    return error.message


def _key_problem(doc: YamlDocument, location: tuple[Any, ...], error: ValidationError) -> Problem:
    key = error.instance
    where = (*location, key)
    if isinstance(key, int) and not isinstance(key, bool):
        message = f'key {key} is read as a number; put it in quotes: "{key}"'
    elif not isinstance(key, str):
        message = f"key {key!r} is not read as text; put it in quotes"
    else:
        message = f"key {key!r} is not valid: {_custom_message(error) or error.message}"
    return Problem(doc.path, doc.line_of(where), format_location(where), message)


def _unknown_properties(
    doc: YamlDocument, location: tuple[Any, ...], error: ValidationError
) -> list[Problem]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = list(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    problems = []
    for key in error.instance:
        if key in known or any(isinstance(key, str) and re.search(p, key) for p in patterns):
            continue
        message = f"unknown property {key!r}"
        close = difflib.get_close_matches(str(key), known, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        where = (*location, key)
        problems.append(Problem(doc.path, doc.line_of(where), format_location(where), message))
    return problems
