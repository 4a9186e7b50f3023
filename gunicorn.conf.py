"""gunicorn's settings for the web process (gunicorn reads this file from its working directory).

The Procfile's command line says where to bind and how many workers; this file adds the
hook that warms each worker up before its first request (`hotline.warmup`).
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    app = worker.wsgi
    if getattr(app, "name", None) == "hotline":  # not an app that failed to load, say
        from hotline.warmup import warm_up

        warm_up(app)
