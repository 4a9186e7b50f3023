"""`with_app`: how every subcommand that needs the app gets one.

A command builds its own app from the environment (never whatever app a caller has pushed), so
it behaves the same in a terminal, in a Procfile process and under click's `CliRunner`. The app
context lives as long as the command, so a command body reads `db.session` directly.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from flask import Flask

from hotline import config, create_app

P = ParamSpec("P")
R = TypeVar("R")


def with_app(command: Callable[Concatenate[Flask, P], R]) -> Callable[P, R]:
    """Run `command(app, ...)` inside the context of an app built from the environment."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        app = create_app()
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper


def with_local_app(command: Callable[Concatenate[Flask, P], R]) -> Callable[P, R]:
    """`with_app` for commands made for a developer's machine (`hotline run`, `hotline call`).

    They choose development unless HOTLINE_ENV says otherwise, in this process's environment
    so the web, worker and scheduler processes `hotline run` starts inherit it. Everything
    else, the Procfile's processes included, stays production unless told.
    """
    inner = with_app(command)

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        config.use_development_by_default(os.environ)
        return inner(*args, **kwargs)

    return wrapper
