"""Shared fixtures: a real database and a real Redis, the emulator, a settable clock.

By default the database is a SQLite file and Redis an embedded redis-server;
with DATABASE_URL / REDIS_URL set (CI's second run) they are the PostgreSQL
and Redis on localhost. Only the telephone network is faked, by our emulator.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from flask import Flask
from sqlalchemy import create_engine, text

from hotline import create_app, migrate
from hotline.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN
from hotline.emulator import Emulator, PhoneBook, WsgiTransport
from hotline.models import Base

PARIS = ZoneInfo("Europe/Paris")
BASE_URL = "https://hotline.test"
ROOT = Path(__file__).resolve().parents[1]
DEMO_FILE = ROOT / "structures" / "demo.yaml"
DEMO_NUMBER = "+33184880000"

_real_connect = socket.socket.connect


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # unix socket path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that tries to reach anything but this machine fails loudly."""

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_local(address):
            raise RuntimeError(f"a test tried to reach the network: {address!r}")
        return _real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True, scope="session")
def _development_mode() -> Iterator[None]:
    """Tests run in development (production is the default); the CLI and children inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_ENV", "development")
        yield


class Clock:
    """A clock the test sets; the app reads it through the CLOCK override."""

    def __init__(self, start: datetime) -> None:
        self.instant = start

    def __call__(self) -> datetime:
        return self.instant

    def set(self, local: str) -> datetime:
        """Set the clock to a local Paris time, 'YYYY-MM-DD HH:MM'."""
        self.instant = datetime.fromisoformat(local).replace(tzinfo=PARIS)
        return self.instant


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
        yield url
        return
    from hotline.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.close()


@pytest.fixture(autouse=True)
def _fresh_throttles(redis_url: str) -> Iterator[None]:
    """Login and PIN failure counters live in Redis for 15 minutes: never across tests."""
    import redis

    connection = redis.Redis.from_url(redis_url)

    def clear() -> None:
        for key in connection.scan_iter("hotline:throttle:*"):
            connection.delete(key)

    clear()
    yield
    clear()
    connection.close()


@pytest.fixture(scope="session")
def migrated(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The schema built by the migrations (not by create_all), once per session."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["HOTLINE_INSTANCE_PATH"] = str(instance)
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
    migrate.upgrade(app)
    return database_url


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 10, 0, tzinfo=PARIS))  # a Tuesday morning


@pytest.fixture
def app(migrated: str, redis_url: str, clock: Clock) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": migrated,
            "REDIS_URL": redis_url,
            "CLOCK": clock,
            "PUBLIC_BASE_URL": BASE_URL,
            "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
            "TESTING": True,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # a cheap cost: tests hash hundreds of times
        }
    )
    with app.app_context():
        yield app
        _empty_tables(app)


def _empty_tables(app: Flask) -> None:
    from hotline.extensions import db

    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def session(app: Flask) -> Any:
    from hotline.extensions import db

    return db.session


@pytest.fixture
def load_structure(app: Flask, tmp_path: Path) -> Callable[..., Any]:
    """Load a structure file (the demo by default), changed by `edit` first if given."""
    from hotline.cli import demo as services

    def load(edit: Callable[[dict[str, Any]], None] | None = None, path: Path = DEMO_FILE) -> Any:
        if edit is None:
            return services.load_structure_path(path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        changed = tmp_path / "structure.yaml"
        changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return services.load_structure_path(changed)

    return load


@pytest.fixture
def demo(load_structure: Callable[..., Any]) -> Any:
    return load_structure()


@pytest.fixture
def phones() -> PhoneBook:
    return PhoneBook()


@pytest.fixture
def emulator(app: Flask, phones: PhoneBook, clock: Clock) -> Emulator:
    return Emulator(
        WsgiTransport(app),
        BASE_URL,
        DEV_AUTH_TOKEN,
        account_sid=DEV_ACCOUNT_SID,
        phones=phones,
        clock=clock,
    )


@pytest.fixture
def sign_in(app: Flask, session: Any) -> Callable[..., Any]:
    """sign_in("amina") -> a test client signed in to the dashboard, with its CSRF token."""
    from tests.dashboard_helpers import sign_in_as

    return lambda key, email=None, slug="demo": sign_in_as(app, session, key, email, slug)


@pytest.fixture
def fake(app: Flask, emulator: Emulator) -> Any:
    """The emulator's REST API behind the gateway's real twilio client, in-process."""
    from tests.callback_helpers import install_fake

    return install_fake(app, emulator)
