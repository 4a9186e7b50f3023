"""Rehearsals: a clock for the whole running hotline, and a database of their own.

`hotline call --at` used to write a Saturday message into the live database, where the queue
showed it "waiting for less than a minute"; a newcomer could not try "Rappeler" outside
weekdays 9:00–18:00. Now rehearsals go to `instance/rehearsal.sqlite3`, and `hotline run
--at` runs every process on one rehearsal clock, shown on every page, refused in production.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from hotline import config, create_app
from hotline.callbacks import wording
from hotline.cli import main
from hotline.cli import run as run_command
from hotline.models import Callback, Voicemail
from tests.conftest import PARIS

TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=PARIS)


def test_the_rehearsal_clock_starts_where_it_was_set_and_runs() -> None:
    clock = config.rehearsal_clock(f"2026-12-08 10:00@{time.time() - 90}", "Europe/Paris")
    elapsed = (clock() - TUESDAY_10).total_seconds()
    assert 90 <= elapsed < 3600


def test_a_rehearsal_clock_is_refused_in_production() -> None:
    env = {
        "HOTLINE_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "PUBLIC_BASE_URL": "https://hotline.example.org",
        config.REHEARSAL_ENV: "2026-12-08 10:00",
    }
    settings = config.environment_settings(Path("/nonexistent"), env)
    with pytest.raises(config.ConfigError, match="only allowed in development"):
        config.check_settings(settings, clock_overridden=False)


def test_the_clock_is_written_out_as_on_a_clock() -> None:
    assert wording.day_month_time(TUESDAY_10, PARIS) == "mardi 8 décembre, 10 h 00"


@pytest.mark.usefixtures("demo")
def test_every_page_shows_the_rehearsal_clock(app: Any, clock: Any, sign_in: Any) -> None:
    clock.set("2026-12-08 10:00")
    app.config["REHEARSAL_CLOCK"] = True
    banner = "Horloge de démonstration : mardi 8 décembre, 10 h 00"
    assert banner in app.test_client().get("/login").get_data(as_text=True)
    coordinator = sign_in("sophie")
    for page in ("/queue", "/settings", "/page-qui-n-existe-pas"):
        assert banner in coordinator.client.get(page).get_data(as_text=True), page


@pytest.mark.usefixtures("demo")
def test_without_a_rehearsal_clock_no_page_mentions_one(app: Any, sign_in: Any) -> None:
    assert "Horloge de démonstration" not in sign_in("amina").client.get("/queue").get_data(
        as_text=True
    )


def test_run_at_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_ENV", "production")
    for name, value in {
        "SECRET_KEY": "s" * 40,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "PUBLIC_BASE_URL": "https://hotline.example.org",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["run", "--at", "2026-12-08 10:00"])
    assert result.exit_code == 1
    assert "n'existe qu'en développement" in result.output


def test_run_at_points_every_process_at_the_clock_and_a_fresh_rehearsal_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "hotline.sqlite3"))
    monkeypatch.setenv(config.REHEARSAL_ENV, "")  # restored after the test, as DATABASE_URL
    (tmp_path / "rehearsal.sqlite3").write_text("an earlier rehearsal")

    rehearsal = run_command._rehearsal_app(create_app(), "2026-12-08 10:00")

    assert os.environ["DATABASE_URL"].endswith("rehearsal.sqlite3")  # the children inherit it
    assert rehearsal.config["DATABASE_URL"].endswith("rehearsal.sqlite3")
    assert rehearsal.config["REHEARSAL_CLOCK"] is True
    assert 0 <= (rehearsal.config["CLOCK"]() - TUESDAY_10).total_seconds() < 3600
    assert not (tmp_path / "rehearsal.sqlite3").exists()


@pytest.mark.commits
def test_call_at_leaves_the_live_database_alone(
    app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))

    result = CliRunner().invoke(
        main, ["call", "--keys", "1 1 # 1", "--at", "2026-12-05 15:00", "--ascii"]
    )

    assert result.exit_code == 0, result.output
    assert "Répétition" in result.output
    live = create_engine(app.config["DATABASE_URL"])
    rehearsal = create_engine(f"sqlite:///{tmp_path / 'rehearsal.sqlite3'}")
    for engine, expected in ((live, 0), (rehearsal, 1)):
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Voicemail)) == expected
            assert connection.scalar(select(func.count()).select_from(Callback)) == expected
        engine.dispose()
