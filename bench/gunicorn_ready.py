"""The web process's gunicorn settings, plus a file per worker once it is warm (bench only).

`servers.start_gunicorn` waits for one file per worker in BENCH_READY_DIR before it measures:
a worker still importing the app would make the first requests wait for its boot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hotline import gunicorn_conf


def post_worker_init(worker: Any) -> None:
    gunicorn_conf.post_worker_init(worker)
    folder = os.environ.get("BENCH_READY_DIR")
    if folder:
        (Path(folder) / str(os.getpid())).touch()
