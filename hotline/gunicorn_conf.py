"""gunicorn's settings for the web process: `gunicorn --config python:hotline.gunicorn_conf`.

The Procfile and `hotline run` name this module, so it applies from any working directory.
The command lines say where to bind and how many workers; this module adds the hook that
warms each worker up before its first request and then keeps what it loaded out of the
garbage collector's full passes (`hotline.warmup`).
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """gunicorn calls it in each worker once the app is loaded, before its first request."""
    app = worker.wsgi
    if getattr(app, "name", None) == "hotline":  # not gunicorn's error app for a failed load
        from hotline import warmup

        warmup.warm_up(app)
        warmup.freeze_what_lives_on()
