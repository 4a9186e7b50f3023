"""The web app loads no emulator and no worker code: gunicorn workers stay small and the layers
of DESIGN.md hold at run time, not only in import-linter's static view (`make test`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from hotline import create_app
create_app({"HOTLINE_ENV": "development", "DATABASE_URL": "sqlite://"})
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Build the app in a fresh interpreter, where no earlier test has imported anything."""
    tmp_path = tmp_path_factory.mktemp("layers")
    env = {"HOTLINE_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no .env of the checkout is read
        check=True,
    )
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def _loaded(modules: list[str], *packages: str) -> list[str]:
    return [
        module
        for module in modules
        if any(module == package or module.startswith(package + ".") for package in packages)
    ]


def test_create_app_loads_no_emulator_and_no_cli(modules: list[str]) -> None:
    assert "hotline.telephony" in modules  # the probe did build the web app
    assert _loaded(modules, "hotline.emulator", "hotline.cli") == []


def test_create_app_loads_no_worker_module(modules: list[str]) -> None:
    assert _loaded(modules, "workers") == []
