"""Settings read from the environment (and `.env` in development).

The contract (DESIGN.md) names the variables; this module gives each a default
that lets a newcomer run everything offline, and refuses to start a production
process whose security depends on a default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEV_AUTH_TOKEN = "dev-auth-token-not-a-secret"
DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_SECRET_KEY = "dev-secret-key-not-a-secret"

PRODUCTION_REQUIRED = ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message names it."""


def wall_clock() -> datetime:
    """The real time, aware and in UTC."""
    return datetime.now(UTC)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal `.env` file (KEY=value lines, # comments)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def environment_settings(instance_path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Build the settings mapping from environment variables."""
    mode = (env.get("HOTLINE_ENV") or env.get("FLASK_ENV") or "development").lower()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'hotline.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    production = mode == "production"
    return {
        "HOTLINE_ENV": mode,
        "DATABASE_URL": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SECRET_KEY": env.get("SECRET_KEY") or (None if production else DEV_SECRET_KEY),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID")
        or (None if production else DEV_ACCOUNT_SID),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN")
        or (None if production else DEV_AUTH_TOKEN),
        "PUBLIC_BASE_URL": (
            env.get("PUBLIC_BASE_URL") or ("" if production else "http://127.0.0.1:5000")
        ).rstrip("/"),
        "TWILIO_API_BASE": env.get("TWILIO_API_BASE") or "https://api.twilio.com",
        "HOTLINE_TIMEZONE": env.get("HOTLINE_TIMEZONE") or "Europe/Paris",
        "VERIFY_SIGNATURES": not _flag(env.get("HOTLINE_SKIP_SIGNATURE"), False),
        "VOICE_SCRIPTS": env.get("HOTLINE_VOICE_SCRIPTS") or None,
        "STRUCTURE_CACHE_SECONDS": int(env.get("HOTLINE_STRUCTURE_CACHE_SECONDS") or 10),
        "CLOCK": wall_clock,
        # Werkzeug's scrypt at its default cost; only the tests choose a cheaper one.
        "PASSWORD_HASH_METHOD": "scrypt",
    }


def check_settings(settings: Mapping[str, Any], clock_overridden: bool) -> None:
    """Refuse a production configuration that would be unsafe.

    Signatures may only be skipped for local rehearsals, and the clock can only
    be replaced by code (tests, the emulator), never in production.
    """
    if settings["HOTLINE_ENV"] != "production":
        return
    missing = [name for name in PRODUCTION_REQUIRED if not settings.get(name)]
    if missing:
        raise ConfigError(f"production needs these settings: {', '.join(missing)}")
    if not settings["VERIFY_SIGNATURES"]:
        raise ConfigError("HOTLINE_SKIP_SIGNATURE is only allowed outside production")
    if clock_overridden:
        raise ConfigError("CLOCK can only be overridden outside production")
    if not str(settings["PUBLIC_BASE_URL"]).startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be the https origin Twilio calls")


ClockFn = Callable[[], datetime]
