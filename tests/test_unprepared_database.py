"""Every command on a database nobody prepared: it prepares it, or says what to run first.

`hotline call --to … --keys "1 3"` on a fresh database used to end in a traceback
(`no such table: phone_number`). `hotline worker` alone starts anyway: it needs only Redis,
and its jobs meet the database once the release step has migrated it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.cli.app import NOT_PREPARED, UNREACHABLE
from tests.conftest import DEMO_FILE

REFUSING = [
    ["structure", "load", str(DEMO_FILE)],
    ["structure", "dump", "demo"],
    ["staff", "invite", "--structure", "demo", "--key", "amina"],
    ["staff", "set-pin", "--structure", "demo", "--key", "amina"],
    ["person", "export", "demo", "--key", "p-001"],
    ["person", "erase", "demo", "--key", "p-001", "--yes"],
    ["purge", "--dry-run"],
    ["scheduler"],
    ["emulator", "--port", "1"],
]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty database in an empty instance folder."""
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    return tmp_path


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("words", REFUSING, ids=lambda words: " ".join(words[:2]))
def test_a_command_that_needs_the_schema_says_what_to_run_first(words: list[str]) -> None:
    result = CliRunner().invoke(main, words)
    assert result.exit_code == 1
    assert result.output.strip() == NOT_PREPARED


@pytest.mark.usefixtures("fresh")
def test_call_prepares_the_database_itself() -> None:
    result = CliRunner().invoke(main, ["call", "--to", "+33184880000", "--keys", "1 3"])
    assert result.exit_code == 0, result.output
    assert "Atelier Demo Insertion" in result.output
    assert "Fin de l'appel" in result.output


@pytest.mark.usefixtures("fresh")
def test_db_upgrade_then_the_same_commands_find_what_they_need() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["structure", "dump", "demo"])
    assert "no structure named 'demo'" in result.output  # a clear answer, not a missing table


def test_a_database_that_does_not_answer_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}")
    result = CliRunner().invoke(main, ["structure", "dump", "demo"])
    assert result.exit_code == 1
    assert result.output.strip() == UNREACHABLE


@pytest.mark.parametrize(
    "words",
    [["call", "--to", "+33184880000", "--keys", "1 3"], ["run"], ["demo"], ["db", "upgrade"]],
    ids=lambda words: words[0] if words[0] != "db" else "db upgrade",
)
def test_the_commands_that_prepare_the_database_name_a_server_that_is_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, words: list[str]
) -> None:
    """They used to end in psycopg's traceback from the middle of a migration."""
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}")
    result = CliRunner().invoke(main, words)
    assert result.exit_code == 1
    assert result.output.strip() == UNREACHABLE
