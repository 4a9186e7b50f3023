"""Checks of a voice script folder: schema, call graph and translations.

A script is edited by a structure's coordinator, not by a developer, and a mistake in it is
heard by a caller in the middle of a call. So everything that can be checked before a call is
checked here, and every problem names the file and the line to fix. `load_script` refuses a
script with problems; `hotline scripts check` lists them.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hotline.voice.script import (
    LANGUAGE_MENU_PLACEHOLDERS,
    MENU_PLACEHOLDERS,
    MOMENT_PLACEHOLDERS,
    OPTION_PLACEHOLDERS,
    OPTIONAL_PLACEHOLDERS,
    RECORDABLE_PLACEHOLDERS,
    REQUIRED_PROMPTS,
    SAY_PLACEHOLDERS,
    SCRIPT_FILE,
    placeholders,
)
from hotline.yamlfile import (
    FileProblems,
    Problem,
    YamlDocument,
    format_location,
    load_yaml,
    problem_order,
    schema_problems,
)

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "voice_scripts" / "schema"

Location = tuple[Any, ...]
Uses = dict[str, list[tuple[Location, frozenset[str]]]]  # prompt key -> (place, placeholders given)
# (voice, language) -> why the provider would refuse the pair, or None.
VoiceCheck = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class ScriptFiles:
    """A script folder whose files passed every check: what `load_script` builds from."""

    folder: Path
    script: YamlDocument
    translations: Mapping[str, YamlDocument]  # language code -> <code>.yaml, in script order


def check_script(folder: Path) -> list[Problem]:
    """Every problem of one script folder, by file and line; empty when the script is usable."""
    return inspect_script(folder)[1]


def check_all(root: Path, voice_check: VoiceCheck | None = None) -> list[Problem]:
    """Every problem of every script under `root` (what `hotline scripts check` prints).

    Each script is also timed against its speech budget (`hotline.voice.speech`). With
    `voice_check`, each language's voice is also checked against the provider's list.
    """
    from hotline.voice.speech import budget_problems  # speech loads scripts, which use this

    root = Path(root)
    if not root.is_dir():
        return [Problem(str(root), None, "", "voice script folder not found")]
    folders = script_folders(root)
    if not folders:
        return [Problem(str(root), None, "", f"no voice script here (a folder with {SCRIPT_FILE})")]
    problems = [problem for folder in folders for problem in check_script(folder)]
    problems += [problem for folder in folders for problem in budget_problems(folder)]
    if voice_check is not None:
        problems += [p for folder in folders for p in voice_problems(folder, voice_check)]
    return problems


def voice_problems(folder: Path, voice_check: VoiceCheck) -> list[Problem]:
    """Each language's `voice` with its `say_language`, as `voice_check` judges the pair.

    The table of Twilio's voices is the emulator's (`hotline.emulator.voices`), which this
    layer may not import: the command line passes it in. A voice Twilio refuses for its
    language would fail every <Say> of that language, live.
    """
    try:
        doc = load_yaml(Path(folder) / SCRIPT_FILE)
    except FileProblems:
        return []  # reported by check_script
    languages = doc.data.get("languages") if isinstance(doc.data, dict) else None
    problems = []
    for code, spec in (languages or {}).items():
        voice = spec.get("voice") if isinstance(spec, dict) else None
        language = spec.get("say_language") if isinstance(spec, dict) else None
        if isinstance(voice, str) and isinstance(language, str):
            problem = voice_check(voice, language)
            if problem:
                problems.append(_problem(doc, ("languages", code, "voice"), problem))
    return problems


def script_folders(root: Path) -> list[Path]:
    """Sub-folders of `root` holding a script.yaml, by name; `schema/` is not a script."""
    return sorted(
        child
        for child in Path(root).iterdir()
        if child.is_dir() and child.name != "schema" and (child / SCRIPT_FILE).is_file()
    )


def inspect_script(folder: Path) -> tuple[ScriptFiles | None, list[Problem]]:
    """Read and check a folder; the files come back only when there is no problem at all."""
    folder = Path(folder)
    problems: list[Problem] = []
    script = _read(folder / SCRIPT_FILE, "script", problems)
    translations = {
        file.stem: _read(file, "prompts", problems)
        for file in sorted(folder.glob("*.yaml"))
        if file.name != SCRIPT_FILE
    }
    if script is not None:
        languages = script.data["languages"]
        problems += _check_header(script, folder) + _check_graph(script)
        problems += _check_translation_files(script, translations)
        valid = {
            code: doc
            for code, doc in translations.items()
            if doc is not None and code in languages and doc.data["language"] == code
        }
        problems += _check_prompts(script, valid, folder)
    problems.sort(key=problem_order)
    if problems or script is None:
        return None, problems
    ordered = {code: doc for code in script.data["languages"] if (doc := translations[code])}
    return ScriptFiles(folder, script, MappingProxyType(ordered)), problems


@cache
def _schema(name: str) -> Mapping[str, Any]:
    with (SCHEMA_DIR / f"{name}.schema.json").open(encoding="utf-8") as file:
        return MappingProxyType(json.load(file))


def _read(path: Path, schema: str, problems: list[Problem]) -> YamlDocument | None:
    try:
        doc = load_yaml(path)
    except FileProblems as exc:
        problems.extend(exc.problems)
        return None
    found = schema_problems(doc, _schema(schema))
    problems.extend(found)
    return None if found else doc


def _problem(doc: YamlDocument, location: Location, message: str) -> Problem:
    return Problem(doc.path, doc.line_of(location), format_location(location), message)


def _did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fmt(names: frozenset[str] | set[str]) -> str:
    return " ".join(f"{{{name}}}" for name in sorted(names)) or "no placeholder"


# --- script.yaml ---------------------------------------------------------------------------


def _check_header(doc: YamlDocument, folder: Path) -> list[Problem]:
    data, problems = doc.data, []
    if data["name"] != folder.name:
        message = f"the script is named {data['name']!r} but its folder is {folder.name!r}"
        problems.append(_problem(doc, ("name",), message))
    if data["default_language"] not in data["languages"]:
        message = f"{data['default_language']!r} is not one of the script's languages"
        problems.append(_problem(doc, ("default_language",), message))
    return problems


def _edges(node_id: str, node: Mapping[str, Any]) -> Iterator[tuple[Location, str]]:
    """Every (place, target node) a node can lead to."""
    base = ("nodes", node_id)
    if "next" in node:
        yield (*base, "next"), node["next"]
    for digit, option in node.get("options", {}).items():
        if "next" in option:
            yield (*base, "options", digit, "next"), option["next"]
    if "next" in node.get("on_failure", {}):
        yield (*base, "on_failure", "next"), node["on_failure"]["next"]


def _check_graph(doc: YamlDocument) -> list[Problem]:
    nodes, start = doc.data["nodes"], doc.data["start"]
    problems = []
    if start not in nodes:
        problems.append(
            _problem(doc, ("start",), f"unknown node {start!r}" + _did_you_mean(start, nodes))
        )
    for node_id, node in nodes.items():
        for location, target in _edges(node_id, node):
            if target not in nodes:
                message = f"unknown node {target!r}" + _did_you_mean(target, nodes)
                problems.append(_problem(doc, location, message))
        problems += _dead_ends(doc, node_id, node)
    if start in nodes:
        reached = _reachable(nodes, start)
        for node_id in nodes:
            if node_id not in reached:
                message = f"node {node_id!r} is never reached from start {start!r}"
                problems.append(_problem(doc, ("nodes", node_id), message))
    return problems + _silent_loops(doc)


def _reachable(nodes: Mapping[str, Any], start: str) -> set[str]:
    reached, todo = {start}, [start]
    while todo:
        node_id = todo.pop()
        for _location, target in _edges(node_id, nodes[node_id]):
            if target in nodes and target not in reached:
                reached.add(target)
                todo.append(target)
    return reached


def _dead_ends(doc: YamlDocument, node_id: str, node: Mapping[str, Any]) -> list[Problem]:
    location = ("nodes", node_id)
    if ("say" in node or "language_menu" in node) and "next" not in node:
        kind = "say" if "say" in node else "language_menu"
        return [_problem(doc, location, f"dead end: a {kind} node needs `next`")]
    if "menu" in node and not node.get("options") and not node.get("themes"):
        return [_problem(doc, location, "dead end: a menu needs `options` or `themes: true`")]
    if node.get("on_failure", {}).get("action") == "repeat":
        message = "on_failure cannot be `repeat`: a silent caller would hear the menu forever"
        return [_problem(doc, (*location, "on_failure", "action"), message)]
    return []


def _silent_loops(doc: YamlDocument) -> list[Problem]:
    """Say nodes that lead back to themselves without a menu would talk forever."""
    nodes, problems = doc.data["nodes"], []
    for node_id in nodes:
        path = [node_id]
        while True:
            node = nodes.get(path[-1], {})
            target = node.get("next")
            if "menu" in node or target not in nodes or target in path:
                break
            path.append(target)
        if target == node_id and node_id == min(path):
            message = f"{' → '.join([*path, node_id])} loops without a menu to stop it"
            problems.append(_problem(doc, ("nodes", node_id), message))
    return problems


# --- <lang>.yaml ---------------------------------------------------------------------------


def _check_translation_files(
    script: YamlDocument, translations: Mapping[str, YamlDocument | None]
) -> list[Problem]:
    languages, problems = script.data["languages"], []
    for code in languages:
        if code not in translations:
            message = f"no translation file {code}.yaml next to {SCRIPT_FILE}"
            problems.append(_problem(script, ("languages", code), message))
    for stem, doc in translations.items():
        if doc is None:  # unreadable or off-schema: already reported
            continue
        if stem not in languages:
            message = f"{stem}.yaml is not listed under `languages` in {SCRIPT_FILE}"
            problems.append(_problem(doc, ("language",), message))
        elif doc.data["language"] != stem:
            message = f"says {doc.data['language']!r} but the file is {stem}.yaml"
            problems.append(_problem(doc, ("language",), message))
    return problems


def _prompt_uses(nodes: Mapping[str, Any]) -> Uses:
    """Every place in script.yaml that names a prompt, with the placeholders given there."""
    uses: Uses = defaultdict(list)
    for node_id, node in nodes.items():
        base = ("nodes", node_id)
        for index, key in enumerate(node.get("say", ())):
            uses[key].append(((*base, "say", index), SAY_PLACEHOLDERS))
        if "menu" in node:
            uses[node["menu"]].append(((*base, "menu"), MENU_PLACEHOLDERS))
        if "language_menu" in node:
            uses[node["language_menu"]].append(
                ((*base, "language_menu"), LANGUAGE_MENU_PLACEHOLDERS)
            )
        for digit, option in node.get("options", {}).items():
            if "prompt" in option:
                uses[option["prompt"]].append(
                    ((*base, "options", digit, "prompt"), OPTION_PLACEHOLDERS)
                )
    return uses


def _check_prompts(
    script: YamlDocument, translations: Mapping[str, YamlDocument], folder: Path
) -> list[Problem]:
    uses = _prompt_uses(script.data["nodes"])
    default = script.data["default_language"]
    reference = translations.get(default)
    problems = _misplaced_prompts(script, uses)
    for code, doc in translations.items():
        problems += _missing_prompts(script, doc, uses)
        for key, value in doc.data["prompts"].items():
            if isinstance(value, dict):
                problems += _audio_problems(doc, key, value, folder)
            else:
                other = reference if code != default else None
                problems += _placeholder_problems(doc, key, value, uses.get(key, ()), other)
        problems += _moment_problems(doc)
    return problems


def _misplaced_prompts(script: YamlDocument, uses: Uses) -> list[Problem]:
    """A required prompt named where the flow cannot fill it in ({theme} in a say node)."""
    problems = []
    for key, places in uses.items():
        for location, given in places:
            lacking = REQUIRED_PROMPTS.get(key, frozenset()) - given
            if lacking:
                message = f"prompt {key!r} needs {_fmt(lacking)}, which is not given here"
                problems.append(_problem(script, location, message))
    return problems


def _missing_prompts(script: YamlDocument, doc: YamlDocument, uses: Uses) -> list[Problem]:
    prompts, problems = doc.data["prompts"], []
    for key in REQUIRED_PROMPTS:
        if key not in prompts:
            message = f"missing prompt {key!r}: the call flow needs it in every language"
            problems.append(_problem(doc, ("prompts", key), message))
    for key, places in uses.items():
        if key not in prompts and key not in REQUIRED_PROMPTS:
            location = places[0][0]
            message = (
                f"missing prompt {key!r}, used by node {location[1]!r} "
                f"({Path(script.path).name}:{script.line_of(location)})"
            )
            problems.append(_problem(doc, ("prompts", key), message))
    return problems


def _placeholder_problems(
    doc: YamlDocument,
    key: str,
    text: str,
    places: Sequence[tuple[Location, frozenset[str]]],
    reference: YamlDocument | None,
) -> list[Problem]:
    location = ("prompts", key)
    try:
        used = placeholders(text)
    except ValueError as exc:
        return [_problem(doc, location, str(exc))]
    if key in REQUIRED_PROMPTS:
        optional = OPTIONAL_PLACEHOLDERS.get(key, frozenset())
        message = _compare(used - optional, REQUIRED_PROMPTS[key], "the call flow gives")
        return [_problem(doc, location, message)] if message else []
    given = frozenset.intersection(*(p[1] for p in places)) if places else SAY_PLACEHOLDERS
    if used - given:
        message = (
            f"unknown placeholder {_fmt(used - given)}: here the call flow gives {_fmt(given)}"
        )
        return [_problem(doc, location, message)]
    other = reference.data["prompts"].get(key) if reference else None
    if reference is not None and isinstance(other, str):
        try:
            expected = placeholders(other)
        except ValueError:
            return []  # reported in the reference file
        message = _compare(used, expected, f"{Path(reference.path).name} uses")
        return [_problem(doc, location, message)] if message else []
    return []


def _compare(used: frozenset[str], expected: frozenset[str], source: str) -> str | None:
    """A readable difference between the placeholders a text uses and those it must use."""
    if used == expected:
        return None
    parts = []
    if expected - used:
        parts.append(f"missing {_fmt(expected - used)}")
    if used - expected:
        parts.append(f"unknown {_fmt(used - expected)}")
    return f"placeholders differ ({', '.join(parts)}): {source} {_fmt(expected)}"


def _audio_problems(
    doc: YamlDocument, key: str, value: Mapping[str, str], folder: Path
) -> list[Problem]:
    problems = []
    base = folder.resolve()
    file = (folder / value["audio"]).resolve()
    if not file.is_relative_to(base) or not file.is_file():
        message = f"audio file {value['audio']!r} not found in {folder.name}/"
        problems.append(_problem(doc, ("prompts", key, "audio"), message))
    varying = REQUIRED_PROMPTS.get(key, frozenset()) - RECORDABLE_PLACEHOLDERS
    if varying:
        message = (
            f"prompt {key!r} must say {_fmt(varying)}, which changes from call to call; "
            "a recording cannot, so write it as text"
        )
        problems.append(_problem(doc, ("prompts", key), message))
    return problems


def _moment_problems(doc: YamlDocument) -> list[Problem]:
    moments, problems = doc.data["moments"], []
    for key, expected in MOMENT_PLACEHOLDERS.items():
        location = ("moments", key)
        try:
            message = _compare(placeholders(moments[key]), expected, "the call flow gives")
        except ValueError as exc:
            message = str(exc)
        if message:
            problems.append(_problem(doc, location, message))
    return problems
