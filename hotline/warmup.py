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
