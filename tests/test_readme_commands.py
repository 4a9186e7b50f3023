"""Every command the README and the start banner show is run here, so none can drift again.

In-process, against the test database, in a temporary folder: the calls, `demo`, `structure
load|dump`, `staff`, `person`, `purge`, `scripts check`. Commands that serve forever (`run`,
`worker`…) are parsed here and run for real in `test_run_command.py`, with the `--url` calls,
which need a running server. `make` targets must exist in the Makefile.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from hotline.cli import main
from tests.conftest import DEMO_FILE, ROOT
from tests.readme_commands import Command, banner_commands, readme_commands

COMMANDS = readme_commands()
SERVES_FOREVER = {"run", "worker", "scheduler", "emulator"}
PLACEHOLDERS = {"ma-structure.yaml": str(DEMO_FILE), "structures/demo.yaml": str(DEMO_FILE)}
TYPED = {  # what a newcomer types at the prompts of these commands
    ("call",): "1\n3\n",
    ("staff", "set-pin"): "2580\n2580\n",  # the demo PIN, which the staff-menu call types
    ("person", "erase"): "y\n",
}
EXPECTED = {  # a command's text -> what its output must say
    '--keys "1 3"': "-> +33600000003\n  ↳ +33600000003 picks up",  # Camille's phone rang…
    "--staff busy": "⌨ keys: 1",
    '"1 3"   #': "☎ keys: 1",  # …and she pressed 1: her keys, not the caller's
    "2026-12-05 15:00": "lundi",
    '"2580# 1"': "Pour prendre le prochain rappel",  # the PIN was accepted
    "hotline demo": "numéro : +33184880000",
    "scripts check": "OK",
    "structure load": "structure 'demo'",
    "staff invite": "Mot de passe",
}


def _leaf(words: tuple[str, ...]) -> tuple[click.Command, list[str]]:
    """The (sub)command the words name, and the words left for it."""
    command: click.Command = main
    rest = list(words)
    while isinstance(command, click.Group) and rest and rest[0] in command.commands:
        command = command.commands[rest.pop(0)]
    return command, rest


def _is_mention(command: Command) -> bool:
    """Prose naming a command (`hotline structure load`), not a line to type."""
    leaf, rest = _leaf(command.words)
    return not rest and any(param.required for param in leaf.params)


def _runs_here(command: Command) -> bool:
    return (
        command.program == "hotline"
        and command.subcommand not in SERVES_FOREVER
        and command.option("--url") is None
        and not _is_mention(command)
    )


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z-]+):", text, re.MULTILINE))


@pytest.mark.parametrize("command", COMMANDS, ids=[c.text for c in COMMANDS])
def test_every_readme_command_names_a_real_command(command: Command) -> None:
    if command.program == "make":
        assert command.subcommand in _makefile_targets()
        return
    leaf, rest = _leaf(command.words)
    assert not isinstance(leaf, click.Group), f"{command.text!r} names no command"
    if not _is_mention(command):
        leaf.make_context(leaf.name or "", [PLACEHOLDERS.get(word, word) for word in rest])


def test_the_readme_shows_the_commands_this_issue_was_about() -> None:
    texts = [command.text for command in COMMANDS]
    assert any("--to +33184880000" in t and "2580#" in t for t in texts)
    assert any("--url" in t and "--to" in t for t in texts)
    assert any(c.subcommand == "run" and c.option("--at") for c in COMMANDS)


def _menu_said_again(transcript: str) -> bool:
    """Whether a key was not understood: nothing new heard after it, only what came before.

    Silence at the end of scripted keys ("no input") repeats a menu too; that is no drift.
    """
    before: list[str] = []
    current: list[str] = []
    checking = False
    for line in [*transcript.splitlines(), "⌨ end"]:
        if line.startswith("⌨"):
            if checking and current and set(current) <= set(before):
                return True
            checking, before, current = line.startswith("⌨ keys:"), current, []
        elif line.startswith("🔊"):
            current.append(line)
    return False


def _invoke(runner: CliRunner, command: Command, folder: Path) -> Result:
    words = [PLACEHOLDERS.get(word, word) for word in command.words]
    typed = next((text for key, text in TYPED.items() if tuple(words[: len(key)]) == key), None)
    if words[0] == "call" and "--keys" in words:
        typed = None
    result = runner.invoke(main, words, input=typed, env=dict(command.env) or None)
    if command.output is not None and result.exit_code == 0:
        (folder / command.output).write_text(result.output, encoding="utf-8")
    return result


@pytest.mark.commits
def test_every_readme_and_banner_command_runs(
    app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    prepared = runner.invoke(main, ["demo"])  # what `make run` does first (and the PIN 2580)
    assert prepared.exit_code == 0, prepared.output
    banner = banner_commands(prepared.output.splitlines())
    assert banner, prepared.output
    failures = []
    for command in [c for c in COMMANDS if _runs_here(c)] + [c for c in banner if _runs_here(c)]:
        result = _invoke(runner, command, tmp_path)
        output = result.output
        wanted = [text for key, text in EXPECTED.items() if key in command.text]
        if command.subcommand == "call":
            wanted.append("Fin de l'appel")
        if command.subcommand == "call" and _menu_said_again(output):
            failures.append(f"$ {command.text}\na key was not understood:\n{output[-1500:]}")
        if result.exit_code != 0 or "Traceback" in output or any(w not in output for w in wanted):
            failures.append(f"$ {command.text}\n(exit {result.exit_code})\n{output[-1500:]}")
    assert not failures, "\n\n".join(failures)
    assert (tmp_path / "p-001.csv").is_file()
    assert "slug: demo" in (tmp_path / "demo.yaml").read_text(encoding="utf-8")


def test_the_demo_table_says_the_demo_stays_open_on_public_holidays() -> None:
    import yaml

    demo = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The demo structure") : readme.index("## What a caller")]
    assert demo["holidays"]["close"] is False
    assert "The demo stays open on public holidays (`holidays: {close: false}`)" in section
