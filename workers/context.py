"""The app a job runs in, built lazily once per process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context

P = ParamSpec("P")
R = TypeVar("R")

_app: Flask | None = None


def job_app() -> Flask:
    global _app
    if _app is None:
        from hotline import create_app

        _app = create_app()
    return _app


def in_app_context(function: Callable[P, R]) -> Callable[P, R]:
    """Run the job in an app context and commit at its end (the job boundary)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from hotline.extensions import db

        # Already inside an app (tests, burst workers in-process): reuse it.
        app = current_app._get_current_object() if has_app_context() else job_app()  # type: ignore[attr-defined]
        with app.app_context():
            try:
                result = function(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return wrapper
