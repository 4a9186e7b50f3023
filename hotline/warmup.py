"""A web worker pays for its first requests before it takes any (gunicorn's `post_worker_init`).

A worker that had just booted answered its first webhook in 170–240 ms (measured: the voice
scripts read and checked, 190 ms; the structures' snapshot, 27 ms; the first connections to
PostgreSQL and Redis), its next ones in 2. Fifty callers arriving then waited over a second
behind it. `hotline.gunicorn_conf` calls `warm_up` in each worker once the app is loaded,
before its first `accept`: what the first webhook would have loaded is loaded here.

Nothing is written. A database or Redis that does not answer does not stop the worker: it
boots and answers webhooks as it would anyway (with an apology and the voicemail), and the
first requests pay for what was not warmed.
"""

from __future__ import annotations

import gc
import logging
import time

from flask import Flask

log = logging.getLogger(__name__)


def warm_up(app: Flask) -> None:
    """Load, in this process, what a webhook would load on first use; a step that fails is
    logged and skipped (the first request then pays for it), never raised."""
    started = time.perf_counter()
    with app.app_context():
        for step in (_scripts, _statements, _directory, _database, _redis):
            try:
                step(app)
            except Exception as error:  # noqa: BLE001 - a cold start is slower, not broken
                log.warning("warm-up: %s skipped (%s)", step.__name__, type(error).__name__)
    log.info("worker warmed up in %d ms", (time.perf_counter() - started) * 1000)


def freeze_what_lives_on() -> None:
    """Leave what the warm-up loaded out of every later full garbage collection.

    A warm worker holds about 150,000 objects that live as long as it does (modules, the app,
    SQLAlchemy's caches, the voice scripts), and CPython's full collection walks them all:
    80-95 ms measured here, about once every 300 queue pages, a pause the requests queued
    behind it share (the longest answers of `make bench`). `gc.freeze()` moves them
    to a generation the collector skips; what requests allocate is collected as before. The
    collection first keeps garbage out of the frozen generation. Frozen objects are still freed
    when nothing refers to them; only a cycle among them that later becomes garbage (the
    warm-up's snapshot of the structures, once replaced) stays, once, for the worker's life.
    """
    gc.collect()
    gc.freeze()


def _scripts(_app: Flask) -> None:
    from hotline.voice.scripts_cache import all_scripts

    all_scripts()


def _statements(_app: Flask) -> None:
    """The call path's statements, built and compiled once per process (`calls.driver`)."""
    from hotline.calls import driver

    driver.compile_all()


def _directory(_app: Flask) -> None:
    from hotline.directory import directory
    from hotline.extensions import db

    directory().by_id(db.session, 0)
    db.session.rollback()  # it only read


def _database(_app: Flask) -> None:
    """One connection in each pool, opened now rather than in a caller's webhook."""
    from hotline.extensions import db

    for engine in {db.engine, db.fast_engine}:
        with engine.connect():
            pass


def _redis(_app: Flask) -> None:
    from hotline.extensions import redis_store

    redis_store.connection.ping()
