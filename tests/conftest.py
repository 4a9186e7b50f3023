"""Shared fixtures: a real database and a real Redis, the emulator, a settable clock.

By default the database is a SQLite file and Redis an embedded redis-server;
with DATABASE_URL / REDIS_URL set (CI's second run) they are the PostgreSQL
and Redis on localhost. Only the telephone network is faked, by our emulator.

The schema is migrated and the demo loaded once per run (`baseline`). Each test's app
then works inside one transaction that is rolled back after it (`app`): what the code
under test commits is released to a savepoint, never to the database. Code that opens
connections of its own (threads, the `hotline` command, Alembic) cannot see inside that
transaction: mark such a test `@pytest.mark.commits` and it commits for real, as before.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url

from hotline import create_app, migrate
from hotline.config import DEV_ACCOUNT_SID, DEV_AUTH_TOKEN
from hotline.emulator import Emulator, PhoneBook, WsgiTransport
from hotline.models import Base
from hotline.voice.script import scripts_root
from tests.factories import TEST_HASH_METHOD

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


def _create_database_if_missing(url: str) -> None:
    """A fresh machine has the PostgreSQL server, not the suite's database: make it once,
    rather than failing every test with "database … does not exist"."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not found:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        _create_database_if_missing(url)
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


@pytest.fixture(scope="session")
def _redis(redis_url: str) -> Iterator[Any]:
    import redis

    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def _fresh_throttles(_redis: Any) -> Iterator[None]:
    """Login and PIN failure counters live in Redis for 15 minutes: never across tests.

    One KEYS round trip: SCAN walks every key RQ left behind, ten at a time.
    """

    def clear() -> None:
        keys = _redis.keys("hotline:throttle:*")
        if keys:
            _redis.delete(*keys)

    clear()
    yield
    clear()


DEFAULT_START = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)  # a Tuesday morning
SHIPPED_SCRIPTS = scripts_root().resolve()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "commits: the test's writes are really committed, for code that opens its own "
        "connections (threads, the CLI, migrations); the tables are emptied after it",
    )
    config.addinivalue_line(
        "markers", "own_app: the test gets an app of its own, to add routes or handlers to"
    )


@pytest.fixture(scope="session", autouse=True)
def _shipped_scripts_read_once() -> Iterator[None]:
    """The shipped voice scripts are read and checked once per run, not once per app.

    They are files nobody changes during a run, and reading them costs ~35 ms; any other
    folder (a test's edited copy) is still read each time.
    """
    from hotline.structure_file import parse
    from hotline.voice import script, scripts_cache

    real = script.load_scripts
    shipped = real(SHIPPED_SCRIPTS)

    def load_scripts(root: Path) -> dict[str, Any]:
        return dict(shipped) if Path(root).resolve() == SHIPPED_SCRIPTS else real(root)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scripts_cache, "load_scripts", load_scripts)
        patch.setattr(parse, "load_scripts", load_scripts)
        yield


class Baseline:
    """The committed state every test starts from: the migrated schema and the demo.

    A test's app gets one connection of `engine` with a transaction open, and every session
    of the app commits to a savepoint of it; the transaction is rolled back after the test.
    """

    def __init__(self, app: Flask) -> None:
        from hotline.extensions import db

        self.app = app
        with app.app_context():
            self.engine = db.engine
        if self.engine.dialect.name == "sqlite":
            _let_pysqlite_use_savepoints(self.engine)
        self.demo = self.load_demo()

    def load_demo(self) -> Any:
        """Load the demo, committed, into tables that do not hold it."""
        from hotline.cli import demo as services

        with self.app.app_context():
            return services.load_structure_path(DEMO_FILE)

    def restore(self, app: Flask) -> None:
        """After a test that really committed: back to the demo alone."""
        _empty_tables(app)
        self.demo = self.load_demo()


def _let_pysqlite_use_savepoints(engine: Engine) -> None:
    """pysqlite starts and ends transactions behind SQLAlchemy's back: let SQLAlchemy do it.

    The workaround of SQLAlchemy's SQLite dialect documentation ("Serializable isolation /
    Savepoints / Transactional DDL"): without it a savepoint's release commits everything.
    """

    @event.listens_for(engine, "connect")
    def no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def baseline(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Baseline]:
    """The schema built by the migrations (not by create_all) and the demo, once per session."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["HOTLINE_INSTANCE_PATH"] = str(instance)
    app = create_app(
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "CLOCK": Clock(DEFAULT_START)}
    )
    migrate.upgrade(app)
    baseline = Baseline(app)
    yield baseline
    baseline.engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(DEFAULT_START)


def _new_app(database_url: str, redis_url: str, clock: Clock) -> Flask:
    return create_app(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CLOCK": clock,
            "PUBLIC_BASE_URL": BASE_URL,
            "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": DEV_ACCOUNT_SID,
            "TESTING": True,
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,  # a cheap cost: tests hash hundreds of times
        }
    )


@pytest.fixture(scope="session")
def _run_app(baseline: Baseline, database_url: str, redis_url: str) -> tuple[Flask, dict[str, Any]]:
    """One app for the run, and its configuration as created.

    create_app costs ~14 ms (Werkzeug compiles every route), and the code under test keeps
    its state in the database, Redis or the app context, not in the app. A test that adds
    routes or handlers to it fails loudly (Flask refuses once a request was served): mark it
    `own_app`.
    """
    app = _new_app(database_url, redis_url, Clock(DEFAULT_START))
    return app, dict(app.config)


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    baseline: Baseline,
    _run_app: tuple[Flask, dict[str, Any]],
    database_url: str,
    redis_url: str,
    clock: Clock,
) -> Iterator[Flask]:
    """The app, whose writes are rolled back after the test (see `commits` for the exception).

    The demo is in the database only for tests that ask for it (`demo`); the others start
    from empty tables, as they always did. The app is the run's, with its configuration and
    its structure cache reset, unless the test is marked `own_app` or `commits`.
    """
    from hotline import directory, gateway
    from hotline.extensions import db, redis_store

    commits = request.node.get_closest_marker("commits") is not None
    if commits or request.node.get_closest_marker("own_app"):
        app = _new_app(database_url, redis_url, clock)
    else:
        app, config = _run_app
        app.config.clear()
        app.config.update(config, CLOCK=clock)
        directory.init_app(app)
        gateway.init_app(app)  # a previous test's emulator client must not linger
        redis_store.init_app(app)  # nor its Redis connection (a test may stop its own server)
    wants_demo = "demo" in request.fixturenames
    if commits:
        with app.app_context():
            if not wants_demo:
                _empty_tables(app)
            yield app
            baseline.restore(app)
        return
    with baseline.engine.connect() as connection:
        transaction = connection.begin()
        if not wants_demo:
            _delete_all_rows(connection)
        db.bind_to_connection(app, connection)
        with app.app_context():
            yield app
        transaction.rollback()


def _delete_all_rows(connection: Connection) -> None:
    """Every row goes, but the directory's version moves on (a migration made its row): a
    snapshot cached by the shared app must see the emptied tables as a change. The ledger of
    free entries goes last: deleting the entries writes to it (its triggers)."""
    ledger = Base.metadata.tables["callback_free_count"]
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in ("directory_version", ledger.name):
            connection.execute(table.delete())
    connection.execute(ledger.delete())
    version = Base.metadata.tables["directory_version"]
    moved = connection.execute(version.update().values(version=version.c.version + 1))
    if not moved.rowcount:
        connection.execute(version.insert().values(id=1, version=1))


def _empty_tables(app: Flask) -> None:
    from hotline.extensions import db

    db.session.rollback()
    with db.engine.begin() as connection:
        _delete_all_rows(connection)


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
def demo(app: Flask, baseline: Baseline) -> Any:
    """The demo structure, loaded once per run: what loading it into empty tables said."""
    return replace(baseline.demo, changes=list(baseline.demo.changes))


@pytest.fixture
def phones() -> PhoneBook:
    return PhoneBook()


@pytest.fixture
def emulator(app: Flask, phones: PhoneBook, clock: Clock) -> Emulator:
    """The emulator, with its REST API behind the gateway and the app's jobs run in step.

    A caller who picks a theme waits in a room while jobs call the staff (README, inbound
    ringing): those jobs run between simulated events, as a worker would
    (`hotline.cli.inline_jobs`).
    """
    from hotline.cli.inline_jobs import run_jobs_between_events
    from tests.callback_helpers import install_fake

    emulator = Emulator(
        WsgiTransport(app),
        BASE_URL,
        DEV_AUTH_TOKEN,
        account_sid=DEV_ACCOUNT_SID,
        phones=phones,
        clock=clock,
    )
    run_jobs_between_events(app, emulator, install_fake(app, emulator))
    return emulator


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
