"""The `hotline` command as a newcomer uses it: demo, call, structure load, scripts check."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.voice.script import scripts_root

DEMO = Path(__file__).resolve().parents[1] / "structures" / "demo.yaml"

# The command builds its own app, with its own connection to the test database.
pytestmark = pytest.mark.commits


@pytest.fixture
def cli_env(app: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line pointed at the test database."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    return CliRunner()


def test_demo_prints_the_numbers_in_e164(cli_env: CliRunner) -> None:
    result = cli_env.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "+33184880000" in result.output


def test_call_walks_from_greeting_to_a_staff_member_accepting(cli_env: CliRunner) -> None:
    result = cli_env.invoke(main, ["call", "--keys", "1 3", "--ascii"])
    assert result.exit_code == 0, result.output
    assert "Atelier Demo Insertion" in result.output
    assert "completed" in result.output


def test_call_is_a_development_command_by_itself(
    cli_env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production is the default, yet a newcomer's `hotline call` needs no HOTLINE_ENV."""
    monkeypatch.delenv("HOTLINE_ENV")
    result = cli_env.invoke(main, ["call", "--keys", "1 3", "--ascii"])
    assert result.exit_code == 0, result.output
    assert "completed" in result.output


def test_call_walks_to_a_recorded_message_with_consent(cli_env: CliRunner) -> None:
    result = cli_env.invoke(
        main, ["call", "--keys", "1 1 # 1", "--at", "2026-12-05 15:00", "--ascii"]
    )
    assert result.exit_code == 0, result.output
    assert "lundi" in result.output
    assert "rappel" in result.output.lower()


def test_call_at_refuses_a_bad_date(cli_env: CliRunner) -> None:
    result = cli_env.invoke(main, ["call", "--keys", "1", "--at", "mardi matin"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_structure_load_twice_reports_unchanged(cli_env: CliRunner) -> None:
    assert cli_env.invoke(main, ["structure", "load", str(DEMO)]).exit_code == 0
    result = cli_env.invoke(main, ["structure", "load", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output


def test_structure_load_rejects_a_broken_file_naming_the_line(
    cli_env: CliRunner, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEMO.read_text(encoding="utf-8").replace("timezone: Europe/Paris", "timezone: Mars/Olympus")
    )
    result = cli_env.invoke(main, ["structure", "load", str(broken)])
    assert result.exit_code != 0
    assert "broken.yaml:" in result.output
    assert "timezone" in result.output


def test_structure_dump_round_trips(cli_env: CliRunner, tmp_path: Path) -> None:
    cli_env.invoke(main, ["structure", "load", str(DEMO)])
    dumped = cli_env.invoke(main, ["structure", "dump", "demo"])
    assert dumped.exit_code == 0, dumped.output
    copy = tmp_path / "copy.yaml"
    copy.write_text(dumped.output, encoding="utf-8")
    again = cli_env.invoke(main, ["structure", "load", str(copy)])
    assert "unchanged" in again.output


def test_structure_dump_of_an_unknown_name_fails_clearly(cli_env: CliRunner) -> None:
    result = cli_env.invoke(main, ["structure", "dump", "nope"])
    assert result.exit_code != 0
    assert "nope" in result.output


def test_scripts_check_passes_on_the_shipped_scripts() -> None:
    result = CliRunner().invoke(main, ["scripts", "check"])
    assert result.exit_code == 0, result.output


def test_scripts_check_rejects_a_broken_script(tmp_path: Path) -> None:
    shutil.copytree(scripts_root(), tmp_path / "scripts")
    english = tmp_path / "scripts" / "default" / "en.yaml"
    english.write_text(
        "\n".join(
            line
            for line in english.read_text(encoding="utf-8").splitlines()
            if "goodbye" not in line
        )
    )
    result = CliRunner().invoke(main, ["scripts", "check", str(tmp_path / "scripts")])
    assert result.exit_code != 0
    assert "en.yaml" in result.output
    assert "goodbye" in result.output


def test_conference_list_prints_the_series_id_first(cli_env: CliRunner) -> None:
    assert cli_env.invoke(main, ["demo"]).exit_code == 0
    result = cli_env.invoke(main, ["conference", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[1] for line in lines] == ["demo/reunion-equipe", "demo/cafe-jeudi"]
    assert all(line.split("\t")[0].isdigit() for line in lines)


def test_conference_start_now_shows_what_each_participant_hears_and_presses(
    cli_env: CliRunner,
) -> None:
    assert cli_env.invoke(main, ["demo"]).exit_code == 0
    result = cli_env.invoke(main, ["conference", "start-now", "cafe-jeudi", "--ascii"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Camille Morel (anime)" in out
    assert "Tapez 1 pour rejoindre" in out
    assert "keys: 1" in out
    assert "Votre micro est coupé." in out  # Jean opened the * menu and muted himself
    assert "Vous n'avez pas tapé 1" in out  # Grace's voicemail never joined
    assert "Bilan : 3 invité·es, 2 joint·es, 2 entré·es" in out
