"""Every command the README and the start banner show, as argument lists the tests can run.

A newcomer copies these lines; they drifted (a banner pressing 3 at the language menu, calls
without `--to`). `tests/test_readme_commands.py` runs each one, so they cannot drift again.

A command is a line of a ```sh block (its `# comment` dropped) or an inline code span that
starts like one (`make …`, `.venv/bin/hotline …`, `hotline …`, `HOTLINE_ENV=… hotline …`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ANY_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_SPAN = re.compile(r"`([^`]+)`")  # a span may be wrapped over two lines
_STARTS = ("make ", ".venv/bin/hotline", "hotline ", "HOTLINE_ENV=")


@dataclass(frozen=True)
class Command:
    """One shown command: `words` without the program, the environment or a redirection."""

    text: str
    program: str  # "hotline" or "make"
    words: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    output: str | None = None  # the file after `>`

    @property
    def subcommand(self) -> str:
        return self.words[0] if self.words else ""

    def option(self, name: str) -> str | None:
        """The value after `name` (e.g. "--url"), or None."""
        words = list(self.words)
        return words[words.index(name) + 1] if name in words else None


def parse(text: str) -> Command | None:
    """The command in `text`, or None when it is prose that only looks like one."""
    words = shlex.split(text, comments=True)
    env: list[tuple[str, str]] = []
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env.append((name, value))
    if not words or Path(words[0]).name not in ("hotline", "make"):
        return None
    output = None
    if ">" in words:
        at = words.index(">")
        output, words = words[at + 1], words[:at]
    return Command(text, Path(words[0]).name, tuple(words[1:]), tuple(env), output)


def _candidates(markdown: str) -> list[str]:
    found: list[str] = []
    for block in _BLOCK.findall(markdown):
        found += [line for line in block.splitlines() if line.strip()]
    prose = _ANY_BLOCK.sub("", markdown)  # a yaml block's backticks would pair spans wrongly
    spans = (" ".join(span.split()) for span in _SPAN.findall(prose))
    found += [span for span in spans if span.startswith(_STARTS)]
    return found


def readme_commands(markdown: str | None = None) -> list[Command]:
    """The README's commands, in order, each once."""
    text = README.read_text(encoding="utf-8") if markdown is None else markdown
    commands: dict[str, Command] = {}
    for candidate in _candidates(text):
        command = parse(candidate)
        if command is not None:
            commands.setdefault(shlex.join(command.words) + command.program, command)
    return list(commands.values())


def banner_commands(lines: list[str]) -> list[Command]:
    """The commands the start banner (`hotline run`, `hotline demo`) tells a newcomer to type."""
    found = [parse(line.strip()) for line in lines if line.strip().startswith(".venv/bin/hotline")]
    return [command for command in found if command is not None]
