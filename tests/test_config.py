"""Configuration: safe defaults for a newcomer, refusals for an unsafe production."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline import create_app
from hotline.config import DEV_AUTH_TOKEN, DEV_SECRET_KEY, ConfigError

PRODUCTION = {
    "HOTLINE_ENV": "production",
    "SECRET_KEY": "s3cret",
    "TWILIO_ACCOUNT_SID": "AC" + "2" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "PUBLIC_BASE_URL": "https://hotline.example.org",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HOTLINE_SKIP_SIGNATURE", raising=False)


@pytest.mark.usefixtures("production_env")
def test_production_starts_with_every_secret() -> None:
    app = create_app()
    assert app.config["VERIFY_SIGNATURES"] is True


@pytest.mark.usefixtures("production_env")
@pytest.mark.parametrize("missing", ["SECRET_KEY", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"])
def test_production_refuses_a_missing_secret(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


@pytest.mark.usefixtures("production_env")
def test_production_refuses_to_skip_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SKIP_SIGNATURE", "1")
    with pytest.raises(ConfigError, match="HOTLINE_SKIP_SIGNATURE"):
        create_app()


@pytest.mark.usefixtures("production_env")
def test_production_clock_cannot_be_replaced() -> None:
    with pytest.raises(ConfigError, match="CLOCK"):
        create_app({"CLOCK": lambda: datetime(2026, 1, 1, tzinfo=UTC)})


@pytest.mark.usefixtures("production_env")
def test_production_needs_https_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://hotline.example.org")
    with pytest.raises(ConfigError, match="https"):
        create_app()


@pytest.mark.usefixtures("production_env")
@pytest.mark.parametrize(
    ("name", "value"), [("SECRET_KEY", DEV_SECRET_KEY), ("TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN)]
)
def test_production_refuses_a_public_development_secret(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app()


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nothing set but the instance folder, as on a freshly provisioned host."""
    for name in ("DATABASE_URL", "REDIS_URL", "HOTLINE_ENV", "FLASK_ENV", *PRODUCTION):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))


@pytest.mark.usefixtures("bare_env")
def test_unset_mode_is_production_and_refuses_the_dev_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOTLINE_SKIP_SIGNATURE", "1")
    with pytest.raises(ConfigError, match="production needs these settings: SECRET_KEY"):
        create_app()


@pytest.mark.usefixtures("production_env")
def test_unset_mode_with_every_secret_runs_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_ENV")
    app = create_app()
    assert app.config["HOTLINE_ENV"] == "production"
    assert app.secret_key == "s3cret"
    monkeypatch.setenv("HOTLINE_SKIP_SIGNATURE", "1")
    with pytest.raises(ConfigError, match="HOTLINE_SKIP_SIGNATURE"):
        create_app()


@pytest.mark.usefixtures("production_env")
@pytest.mark.parametrize(
    "value", ["prod", "production ", " production", "Production", "dev", "development\n", "test"]
)
def test_a_malformed_mode_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HOTLINE_ENV", value)
    with pytest.raises(ConfigError, match="HOTLINE_ENV=.*'production'.*'development'"):
        create_app()
    monkeypatch.setenv("HOTLINE_ENV", "production")
    with pytest.raises(ConfigError, match="HOTLINE_ENV"):
        create_app({"HOTLINE_ENV": value})


@pytest.mark.usefixtures("bare_env")
def test_development_only_when_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert create_app({"HOTLINE_ENV": "development"}).secret_key == DEV_SECRET_KEY
    monkeypatch.setenv("FLASK_ENV", "development")  # Flask's old variable chooses nothing
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_development_defaults_need_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("DATABASE_URL", "REDIS_URL", "FLASK_ENV", *PRODUCTION):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOTLINE_ENV", "development")
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["TWILIO_AUTH_TOKEN"]
    assert app.config["REDIS_URL"] is None


def test_postgres_urls_use_psycopg(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/hotline")
    assert create_app().config["DATABASE_URL"] == "postgresql+psycopg://u@db/hotline"


@pytest.mark.parametrize("value", ["0", "30", "cinq", "-1"])
def test_a_database_time_budget_past_twilios_patience_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HOTLINE_DB_TIMEOUT", value)
    with pytest.raises(ConfigError, match="HOTLINE_DB_TIMEOUT"):
        create_app()


def test_the_database_time_budget_defaults_to_five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_DB_TIMEOUT", raising=False)
    assert create_app().config["DATABASE_TIMEOUT"] == 5.0
    monkeypatch.setenv("HOTLINE_DB_TIMEOUT", "3")
    assert create_app().config["DATABASE_TIMEOUT"] == 3.0
