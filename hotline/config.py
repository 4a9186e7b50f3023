"""Settings read from the environment (and `.env` in development).

The contract (DESIGN.md) names the variables. Production is the mode unless
HOTLINE_ENV=development is chosen (`hotline run`, `hotline call`, the tests):
only then does each secret get a public default that lets a newcomer run
everything offline. A production process whose security would depend on a
default refuses to start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEV_AUTH_TOKEN = "dev-auth-token-not-a-secret"
DEV_ACCOUNT_SID = "AC" + "0" * 32
DEV_SECRET_KEY = "dev-secret-key-not-a-secret"

PRODUCTION_REQUIRED = ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")
DEVELOPMENT_VALUES = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
}
MODES = ("production", "development")
DEFAULT_DATABASE_TIMEOUT = 5.0
MAX_DATABASE_TIMEOUT = 7.0


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


def hotline_mode(value: str | None) -> str:
    """`production` unless HOTLINE_ENV says exactly `development`.

    Fails closed: an unset variable means production, and a value that is neither
    (`prod`, `Production`, `production ` with a stray space) stops the process
    rather than guessing, since a wrong guess would run on the public dev secrets.
    """
    if value is None or value == "":
        return "production"
    if value not in MODES:
        raise ConfigError(
            f"HOTLINE_ENV={value!r} is not understood: use 'production' (the default "
            "when unset) or 'development'"
        )
    return value


def use_development_by_default(environ: MutableMapping[str, str]) -> None:
    """Local-only commands (`hotline run`, `hotline call`) choose development unless told."""
    environ.setdefault("HOTLINE_ENV", "development")


def database_timeout(value: str | None) -> float:
    """HOTLINE_DB_TIMEOUT in seconds: how long the database may keep a webhook waiting.

    Twilio gives up on a webhook after 15 s and the caller hears its English error;
    the apology may need the database once more, so twice the budget must fit.
    """
    if value is None or value.strip() == "":
        return DEFAULT_DATABASE_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 1 <= seconds <= MAX_DATABASE_TIMEOUT:
        raise ConfigError(
            f"HOTLINE_DB_TIMEOUT={value!r}: give seconds between 1 and {MAX_DATABASE_TIMEOUT:g}"
        )
    return seconds


def calls_per_second(raw: str | None) -> float:
    """The account's calls per second (Twilio Console; 1 by default, 30 at most approved)."""
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"TWILIO_CALLS_PER_SECOND must be a number, got {raw!r}") from None
    if not 0 < value <= 30:
        raise ValueError(f"TWILIO_CALLS_PER_SECOND must be above 0 and at most 30, got {raw!r}")
    return value


def environment_settings(instance_path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """Build the settings mapping from environment variables."""
    mode = hotline_mode(env.get("HOTLINE_ENV"))
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
        "DATABASE_TIMEOUT": database_timeout(env.get("HOTLINE_DB_TIMEOUT")),
        "TWILIO_CALLS_PER_SECOND": calls_per_second(env.get("TWILIO_CALLS_PER_SECOND")),
        "CLOCK": wall_clock,
        # Werkzeug's scrypt at its default cost; only the tests choose a cheaper one.
        "PASSWORD_HASH_METHOD": "scrypt",
    }


def check_settings(settings: Mapping[str, Any], clock_overridden: bool) -> None:
    """Refuse a production configuration that would be unsafe.

    Signatures may only be skipped for local rehearsals, and the clock can only
    be replaced by code (tests, the emulator), never in production.
    """
    if settings["HOTLINE_ENV"] == "development":
        return
    missing = [name for name in PRODUCTION_REQUIRED if not settings.get(name)]
    if missing:
        raise ConfigError(
            f"production needs these settings: {', '.join(missing)} "
            "(or HOTLINE_ENV=development on a developer's machine)"
        )
    public = [name for name, value in DEVELOPMENT_VALUES.items() if settings.get(name) == value]
    if public:
        raise ConfigError(f"{', '.join(public)} must not be the public development value")
    if not settings["VERIFY_SIGNATURES"]:
        raise ConfigError("HOTLINE_SKIP_SIGNATURE is only allowed with HOTLINE_ENV=development")
    if clock_overridden:
        raise ConfigError("CLOCK can only be overridden outside production")
    if not str(settings["PUBLIC_BASE_URL"]).startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be the https origin Twilio calls")


ClockFn = Callable[[], datetime]
