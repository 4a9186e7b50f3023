"""Every Procfile target resolves to code that exists, so the Procfile cannot drift."""

from __future__ import annotations

import importlib
import shlex
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
