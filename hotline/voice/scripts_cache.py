"""Voice scripts, loaded once per process and kept as frozen values."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from hotline.voice.script import Script, load_scripts, scripts_root

_lock = threading.Lock()


def all_scripts() -> dict[str, Script]:
    """Every script of the configured folder, loaded on first use."""
    cached: dict[str, Script] | None = current_app.extensions.get("hotline.scripts")
    if cached is None:
        with _lock:
            configured = current_app.config.get("VOICE_SCRIPTS")
            root = Path(configured) if configured else scripts_root()
            cached = load_scripts(root)
            current_app.extensions["hotline.scripts"] = cached
    return cached


def script_named(name: str) -> Script:
    """The script of that name; a structure file naming an unknown one is refused at load."""
    return all_scripts()[name]
