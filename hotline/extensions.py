"""Unbound handles on the database and Redis; nothing connects at import.

Each handle is bound to an app by `init_app`. The database session lives in
the application context, so a request and a job each get their own and the
commit stays at that boundary.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import redis
from flask import Flask, current_app, g
from rq import Queue
from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline import transaction_end
from hotline.config import DEFAULT_DATABASE_TIMEOUT


class Database:
    """The SQLAlchemy engine and an app-context-scoped session."""

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        budget = float(app.config.get("DATABASE_TIMEOUT", DEFAULT_DATABASE_TIMEOUT))
        # Parameters hold callers' numbers and staff notes: never in an error or a log line.
        engine = create_engine(url, hide_parameters=True, **_engine_options(url, budget))
        if url.startswith("sqlite"):
            event.listen(engine, "connect", functools.partial(_sqlite_pragmas, budget))
        else:
            _ping_after_idle(engine)
        app.extensions["hotline.engine"] = engine
        app.extensions["hotline.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
        app.extensions["hotline.fast_sessionmaker"] = _fast_sessionmaker(url, budget, engine)
        app.extensions["hotline.fast_autocommit"] = not url.startswith("sqlite")
        transaction_end.watch_writes(engine)
        app.teardown_appcontext(_close_session)
        transaction_end.watch_sessions()

    def bind_to_connection(self, app: Flask, connection: Connection) -> None:
        """Make `app`'s sessions join the transaction open on `connection` (tests only).

        A session's commit then releases a savepoint instead of committing, so rolling
        `connection`'s transaction back undoes everything the app wrote meanwhile.
        """
        app.extensions["hotline.sessionmaker"] = sessionmaker(
            connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        app.extensions["hotline.fast_sessionmaker"] = app.extensions["hotline.sessionmaker"]
        app.extensions["hotline.fast_autocommit"] = False  # inside the test's transaction

    def new_session(self) -> Session:
        """A session of its own, beside the context's: for bookkeeping after that one commits.

        Made by the same factory, so in tests it joins the test's transaction too.
        """
        session: Session = current_app.extensions["hotline.sessionmaker"]()
        return session

    def driver_connection(self, session: Session) -> Any | None:
        """PostgreSQL's own driver connection for the call path's statements (`calls.driver`).

        In production, one connection of the fast pool, in autocommit, checked out for the
        request: what it writes is committed by the statement itself. None on SQLite, and
        when `session` has begun a transaction, whose writes that connection could not see.
        Under tests the sessions share one connection, which is returned (its transaction is
        the test's, rolled back after it).
        """
        if session.get_bind().dialect.name != "postgresql":
            return None
        if not current_app.extensions.get("hotline.fast_autocommit"):
            connection = session.connection()
            transaction_end.note_write(connection)  # the engine does not see the driver's SQL
            return connection.connection.driver_connection
        pending = session.new or session.dirty or session.deleted
        if pending or transaction_end.holds_connection(session):
            return None
        if "driver_connection" not in g:
            g.driver_connection = self.fast_engine.raw_connection()
        return g.driver_connection.driver_connection

    def new_fast_session(self) -> Session:
        """A session of its own on the fast pool: on PostgreSQL each statement commits itself
        without waiting for the disk (`synchronous_commit=off`), for bookkeeping a sweep would
        write again if a database crash lost it (an outbox row marked delivered)."""
        session: Session = current_app.extensions["hotline.fast_sessionmaker"]()
        return session

    @property
    def engine(self) -> Engine:
        engine: Engine = current_app.extensions["hotline.engine"]
        return engine

    @property
    def fast_engine(self) -> Engine:
        """What the fast sessions run on: the unsynced pool on PostgreSQL, the engine on
        SQLite (under tests, the test's connection, whose transaction they join)."""
        bind: Engine = current_app.extensions["hotline.fast_sessionmaker"].kw["bind"]
        return bind

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["hotline.sessionmaker"]()
        session: Session = g.db_session
        return session


def _engine_options(url: str, budget: float) -> dict[str, Any]:
    """Every wait on the database is bounded, so a webhook apologises before Twilio gives up.

    The budget (HOTLINE_DB_TIMEOUT) is split: a fifth waiting for a pooled
    connection, two fifths to connect (PostgreSQL; libpq counts whole seconds,
    at least 2) and two fifths for each statement or lock wait (on SQLite, the
    busy wait for another process's write lock).
    """
    pool_timeout = budget / 5
    statement_ms = int(budget * 2 / 5 * 1000)
    if url.startswith("sqlite"):
        # Web, worker and CLI share one file: wait for a lock, but not past the budget.
        options: dict[str, Any] = {
            "connect_args": {"timeout": statement_ms / 1000, "check_same_thread": False},
        }
        if not _in_memory(url):  # an in-memory database has one connection and no pool wait
            options["pool_timeout"] = pool_timeout
        return options
    return {
        "pool_timeout": pool_timeout,
        "connect_args": {
            "connect_timeout": max(2, int(budget * 2 / 5)),
            "tcp_user_timeout": statement_ms,  # a peer that stopped acknowledging
            "options": f"-c statement_timeout={statement_ms} -c lock_timeout={statement_ms}",
        },
    }


IDLE_BEFORE_PING = 10.0  # seconds a pooled connection may rest before it is checked


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has rested: a pessimistic
    `pool_pre_ping` costs a round trip on every request, a third of a webhook's.

    A connection in steady use is known good; one that rested past IDLE_BEFORE_PING may have
    been cut (a database restart, a firewall): it is pinged, and replaced if it fails. What
    this gives up: a connection cut within the last few seconds of use fails its request,
    which answers the caller with the apology and the voicemail (`telephony.errors`), and the
    pool then replaces every connection of that generation.
    """

    @event.listens_for(engine, "checkin")
    def _rest(_dbapi_connection: Any, record: Any) -> None:
        record.info["resting_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("resting_since", None)
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever broke, a new connection is the cure
            raise exc.DisconnectionError() from error


def _fast_sessionmaker(url: str, budget: float, engine: Engine) -> sessionmaker[Session]:
    """Unsynced sessions on a pool of their own (PostgreSQL); SQLite's usual ones.

    A pool of its own because `synchronous_commit` is a connection setting, given once at
    connect rather than by a SET (a round trip) on every request.
    """
    if url.startswith("sqlite"):
        return sessionmaker(engine, expire_on_commit=False)
    options = _engine_options(url, budget)
    # The call path's statements are prepared by psycopg and run with the plan made once
    # for any values: planning them anew each time cost more than running them (all but
    # the busy staff's read, see `calls.driver._find_call`).
    options["connect_args"]["options"] += " -c synchronous_commit=off"
    # Autocommit: its users write one statement at a time (the call path's bookkeeping).
    fast = create_engine(url, hide_parameters=True, isolation_level="AUTOCOMMIT", **options)
    _ping_after_idle(fast)
    return sessionmaker(fast, expire_on_commit=False)


def _in_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url


def _sqlite_pragmas(budget: float, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(budget * 2 / 5 * 1000)}")
    cursor.close()


def _close_session(error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        transaction_end.close(session, error)
    driver = g.pop("driver_connection", None)
    if driver is None:
        return
    if getattr(driver.driver_connection, "broken", False):  # the server went away mid-request
        driver.invalidate()  # the pool opens a new one instead of handing this one out again
    else:
        driver.close()  # back to the pool


REDIS_CONNECT_TIMEOUT = 3.0


class RedisHandle:
    """The app's Redis connection and RQ queues, made on first use."""

    def init_app(self, app: Flask) -> None:
        app.extensions["hotline.redis"] = None

    @property
    def connection(self) -> redis.Redis:
        existing = current_app.extensions.get("hotline.redis")
        if existing is None:
            url = current_app.config.get("REDIS_URL")
            if not url:
                raise RuntimeError(
                    "REDIS_URL is not set: run through `hotline run`, which starts an "
                    "embedded Redis, or point REDIS_URL at a Redis server"
                )
            # Down or unreachable: fail within seconds (the outbox keeps the jobs), never hang.
            existing = redis.Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
            current_app.extensions["hotline.redis"] = existing
        return existing

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.connection)


db = Database()
redis_store = RedisHandle()
