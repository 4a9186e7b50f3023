"""Every Procfile target resolves to code that exists, so the Procfile cannot drift."""

from __future__ import annotations

import importlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli import main

PROCFILE = Path(__file__).resolve().parents[1] / "Procfile"


def _targets() -> dict[str, list[str]]:
    entries = [line.partition(": ") for line in PROCFILE.read_text().splitlines() if line]
    return {name: shlex.split(command) for name, _, command in entries}


def test_procfile_has_the_four_processes() -> None:
    assert set(_targets()) == {"release", "web", "worker", "scheduler"}


def test_web_target_is_the_app_factory() -> None:
    module_name, _, call = _targets()["web"][-1].partition(":")
    factory = getattr(importlib.import_module(module_name), call.removesuffix("()"))
    assert callable(factory)


@pytest.mark.parametrize("process", ["release", "worker", "scheduler"])
def test_hotline_subcommands_exist(process: str) -> None:
    argv = _targets()[process]
    assert argv[0] == "hotline"
    result = CliRunner().invoke(main, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_sweeps_are_importable() -> None:
    from workers.sweeps import SWEEPS

    assert SWEEPS
    assert len({sweep.id for sweep in SWEEPS}) == len(SWEEPS)


def _argv(process: str) -> list[str]:
    """The Procfile command as this interpreter runs it (`hotline` → `python -m hotline.cli`)."""
    argv = [
        word.replace("${PORT:-5000}", "0").replace("${WEB_CONCURRENCY:-2}", "1")
        for word in _targets()[process]
    ]
    if argv[0] == "hotline":
        return [sys.executable, "-m", "hotline.cli", *argv[1:]]
    return [sys.executable, "-m", argv[0], "--check-config", *argv[1:]]  # gunicorn loads the app


@pytest.mark.parametrize("process", ["release", "web", "worker", "scheduler"])
def test_every_process_defaults_to_production(process: str, tmp_path: Path) -> None:
    """With HOTLINE_ENV unset, no process starts on the public dev secrets or unsigned webhooks."""
    env = {
        "PATH": os.environ["PATH"],
        "HOTLINE_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.sqlite3'}",
        "HOTLINE_SKIP_SIGNATURE": "1",
    }
    done = subprocess.run(
        _argv(process), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "production needs these settings: SECRET_KEY" in done.stderr + done.stdout
