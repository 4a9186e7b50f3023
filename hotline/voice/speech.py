"""How long a caller listens before they can choose: the speech budget of a voice script.

Callers often phone from a basic phone, sometimes with little French; every second of
speech before the choices is a second they may give up in. So `hotline scripts check`
times each menu as a caller first meets it — from pick-up, or from the key press that led
to it — at text-to-speech pace (2.5 words a second), up to the start of the menu's last
option, and fails a script above its `speech_budget`. The privacy notice is counted as the
caller hears it, with the retention periods filled in (hotline's defaults), and theme lines
with the labels of the script's example structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hotline.retention.settings import RetentionSettings
from hotline.voice.script import SCRIPT_FILE, Node, Script, load_script
from hotline.yamlfile import FileProblems, Problem, format_location, load_yaml

WORDS_PER_SECOND = 2.5
# A word as a listener counts it: "l'accompagnement" and "quatre-vingt" are one, ":" none.
WORD = re.compile(r"[\w'’-]+")


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def seconds_of(words: int) -> float:
    return words / WORDS_PER_SECOND


@dataclass(frozen=True)
class MenuTiming:
    """The speech a caller hears in `lang` before the last option of `menu`, on one path."""

    script: str
    lang: str
    menu: str  # node id
    path: str  # how the caller got there: "from pick-up", "after choose_language"…
    words: int

    @property
    def seconds(self) -> float:
        return seconds_of(self.words)


def menu_timings(script: Script) -> list[MenuTiming]:
    """Every menu's timing, per language, on each path a caller first meets it by."""
    timings = []
    for lang in script.languages:
        for start, path, ask in _entries(script):
            if ask and lang != script.default_language:
                continue  # a caller asked the language has heard nothing but the default one
            for menu, words in _walk(script, lang, start, ask):
                timings.append(MenuTiming(script.name, lang, menu, path, words))
    return timings


def over_budget(script: Script) -> list[MenuTiming]:
    """The timings above the script's budget."""
    budget = script.speech_budget.seconds
    return [timing for timing in menu_timings(script) if timing.seconds > budget]


def report(root: Path) -> list[str]:
    """What `hotline scripts check` prints: per script and language, each menu's timing."""
    from hotline.voice.check import script_folders  # check imports this module lazily

    lines = []
    for folder in script_folders(root):
        try:
            script = load_script(folder)
        except FileProblems:
            continue  # its problems are listed instead
        budget = script.speech_budget.seconds
        lines.append(
            f"voice script {script.name!r}: speech before each menu's last option "
            f"(budget {budget:g} s, {WORDS_PER_SECOND:g} words a second)"
        )
        for timing in menu_timings(script):
            verdict = "  OVER BUDGET" if timing.seconds > budget else ""
            lines.append(
                f"  {timing.lang}  {timing.menu:<16} {timing.seconds:5.1f} s"
                f"  {timing.path}{verdict}"
            )
    return lines


def budget_problems(folder: Path) -> list[Problem]:
    """A problem per menu heard after more speech than the script allows, by file and line.

    A script that does not load has its own problems (`check_script`): it is not timed.
    """
    try:
        script = load_script(folder)
    except FileProblems:
        return []
    doc = load_yaml(Path(folder) / SCRIPT_FILE)
    budget = script.speech_budget.seconds
    problems = []
    for timing in over_budget(script):
        location = ("nodes", timing.menu)
        message = (
            f"voice script {script.name!r}, language {timing.lang}, menu {timing.menu!r} "
            f"({timing.path}): {timing.seconds:.1f} s of speech before its last option, "
            f"over the budget of {budget:g} s (speech_budget.seconds)"
        )
        where = format_location(location)
        problems.append(Problem(doc.path, doc.line_of(location), where, message))
    return problems


def _entries(script: Script) -> Iterator[tuple[str, str, bool]]:
    """Where a caller starts hearing speech without choosing: (node, path, ask languages).

    From pick-up the language menu is skipped when the number tells the language (or the
    structure offers one); otherwise it is asked. After a language is chosen, the call
    goes on from the language menu's `next`.
    """
    language_menus = [n for n in script.nodes.values() if n.kind == "language_menu"]
    if not language_menus or len(script.languages) < 2:
        yield script.start, "from pick-up", False
        return
    yield script.start, "from pick-up, language known", False
    yield script.start, "from pick-up, language asked", True
    for node in language_menus:
        if node.next is not None:
            yield node.next, f"after {node.id}", False


def _walk(script: Script, lang: str, node_id: str, ask: bool) -> Iterator[tuple[str, int]]:
    """Follow say-nodes from `node_id` to the first menu; yield it with its word count."""
    said = 0
    seen: set[str] = set()
    while node_id in script.nodes and node_id not in seen:
        seen.add(node_id)
        node = script.nodes[node_id]
        if node.kind == "say":
            said += sum(_words(script, lang, key) for key in node.prompts)
        elif node.kind == "language_menu" and ask:
            yield node.id, said + sum(_language_lines(script, node)[:-1])
            return
        elif node.kind == "menu":
            yield node.id, said + sum(_menu_lines(script, lang, node)[:-1])
            return
        if node.next is None:
            return
        node_id = node.next


def _example(script: Script) -> dict[str, object]:
    retention = RetentionSettings()
    return {
        "structure": script.speech_budget.structure,
        "retention_days": retention.voicemail_days,
        "contact_months": retention.contact_months,
    }


def _words(script: Script, lang: str, key: str, **params: object) -> int:
    return count_words(script.prompt(lang, key, **_example(script), **params).text)


def _language_lines(script: Script, node: Node) -> list[int]:
    lines = []
    for position, lang in enumerate(script.languages, start=1):
        name = script.prompt(lang, "language_name").text
        lines.append(_words(script, lang, node.prompts[0], language_name=name, digit=position))
    return lines


def _menu_lines(script: Script, lang: str, node: Node) -> list[int]:
    """Words of each line of a menu, in the order `render.menu` says them."""
    lines = [_words(script, lang, key) for key in node.prompts]
    if node.themes:
        budget = script.speech_budget
        labels = budget.themes.get(lang) or budget.themes.get(script.default_language, ())
        for position, label in enumerate(labels, start=1):
            lines.append(_words(script, lang, "theme_option", theme=label, digit=position))
    for option in node.options:
        if option.prompt:
            key = script.key_name(lang, option.digit)
            lines.append(_words(script, lang, option.prompt, digit=key))
    return lines
