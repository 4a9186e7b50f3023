"""`hotline run`'s worker keeps RQ's per-job lines out of the terminal; the Procfile's does not.

The sweeps run every 10 s as jobs: at INFO, RQ writes four lines for each, and a newcomer
watching `make run` saw nothing else. Failures still show at WARNING.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from hotline.cli import main
from hotline.cli.run import _child_environment


def test_hotline_run_gives_its_worker_warning_unless_told(app: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("HOTLINE_WORKER_LOG_LEVEL", raising=False)
    assert _child_environment(app, 5000, 8790)["HOTLINE_WORKER_LOG_LEVEL"] == "WARNING"
    monkeypatch.setenv("HOTLINE_WORKER_LOG_LEVEL", "INFO")
    assert _child_environment(app, 5000, 8790)["HOTLINE_WORKER_LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize(("env", "expected"), [(None, "INFO"), ("warning", "WARNING")])
def test_the_worker_command_passes_the_level_to_rq(
    app: Any, monkeypatch: Any, env: str | None, expected: str
) -> None:
    cli_main = importlib.import_module("hotline.cli.main")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli_main, "run_worker", lambda _conn, **kw: seen.update(kw))
    monkeypatch.setattr(cli_main, "redis_store", SimpleNamespace(connection=None))
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    if env is None:
        monkeypatch.delenv("HOTLINE_WORKER_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("HOTLINE_WORKER_LOG_LEVEL", env)
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert seen["logging_level"] == expected
