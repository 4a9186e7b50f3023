"""A web worker warms up before its first request (`hotline.warmup`, gunicorn's hook).

A worker that had just booted answered its first webhook in 170–240 ms; callers arriving
then waited behind it. The hook loads what that first webhook would have loaded, writes
nothing, and never stops a worker from booting.
"""

from __future__ import annotations

import gc
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from hotline.calls import driver
from hotline.directory import directory
from hotline.extensions import db
from hotline.models import Call
from tests.conftest import _new_app

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.commits
def test_warm_up_loads_the_scripts_the_structures_and_the_statements(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Every step runs (none is skipped), and nothing but reads reaches the database."""
    from hotline.warmup import warm_up

    app.extensions.pop("hotline.scripts", None)
    with app.app_context():
        snapshot = directory()
    snapshot.invalidate()
    driver._find_call.cache_clear()
    sent: list[str] = []
    with app.app_context():
        engines = {db.engine, db.fast_engine}

    def note(*args: Any) -> None:
        sent.append(args[2].split()[0].upper())

    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        with caplog.at_level(logging.INFO, logger="hotline.warmup"):
            warm_up(app)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert app.extensions["hotline.scripts"]  # read and checked
    assert snapshot._loaded_at is not None  # the snapshot is fresh: no read in a webhook
    assert driver._find_call.cache_info().currsize == 2  # with and without the busy staff
    assert sent
    assert set(sent) <= {"SELECT", "PRAGMA"}  # read, never wrote
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_a_warm_up_without_redis_lets_the_worker_boot(
    database_url: str, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from hotline.warmup import warm_up

    app = _new_app(database_url, "redis://127.0.0.1:1/0", clock)  # nothing listens there
    with caplog.at_level(logging.INFO, logger="hotline.warmup"):
        warm_up(app)
    messages = [record.getMessage() for record in caplog.records]
    assert "warm-up: _redis skipped (ConnectionError)" in messages
    assert any(message.startswith("worker warmed up in") for message in messages)


def test_gunicorn_warms_the_hotline_only(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    """The hook of `hotline.gunicorn_conf`: the hotline app is warmed; another app (a worker
    whose app failed to load gets gunicorn's own error app) is left alone."""
    import hotline.warmup
    from hotline.gunicorn_conf import post_worker_init as hook

    warmed: list[Any] = []
    monkeypatch.setattr(hotline.warmup, "warm_up", warmed.append)
    monkeypatch.setattr(hotline.warmup, "freeze_what_lives_on", lambda: warmed.append("frozen"))
    hook(SimpleNamespace(wsgi=Flask("elsewhere")))
    hook(SimpleNamespace(wsgi=app))
    assert warmed == [app, "frozen"]


def test_what_lives_on_is_left_out_of_full_collections() -> None:
    from hotline.warmup import freeze_what_lives_on

    try:
        freeze_what_lives_on()
        assert gc.get_freeze_count() > 0
        garbage: list[Any] = []
        garbage.append(garbage)  # a cycle made after the freeze is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
