"""Pooled PostgreSQL connections are checked after a rest, not before every request.

`pool_pre_ping` cost a round trip on every webhook; now only a connection that rested past
IDLE_BEFORE_PING is pinged, and a dead one is replaced before the request uses it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from hotline import extensions
from hotline.extensions import _ping_after_idle


@pytest.fixture
def engine(database_url: str) -> Any:
    if not database_url.startswith("postgresql"):
        pytest.skip("the ping is PostgreSQL's (SQLite has no server to lose)")
    made = create_engine(database_url, pool_size=1, max_overflow=0)
    _ping_after_idle(made)
    yield made
    made.dispose()


def statements(engine: Any) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def backend_pid(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def test_a_connection_in_steady_use_is_not_pinged(engine: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(extensions, "IDLE_BEFORE_PING", 60.0)
    first = backend_pid(engine)
    pings: list[Any] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    assert backend_pid(engine) == first
    assert pings == []


def test_a_rested_connection_cut_meanwhile_is_replaced_before_use(
    engine: Any, database_url: str, monkeypatch: Any
) -> None:
    dead = backend_pid(engine)
    killer = create_engine(database_url)
    with killer.connect() as connection:  # what a database restart does to the pool
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
    killer.dispose()
    monkeypatch.setattr(extensions, "IDLE_BEFORE_PING", 0.0)
    assert backend_pid(engine) != dead  # pinged, found dead, replaced: no error
