"""`with_app`: how every subcommand that needs the app gets one.

A command builds its own app from the environment (never whatever app a caller has pushed), so
it behaves the same in a terminal, in a Procfile process and under click's `CliRunner`. The app
context lives as long as the command, so a command body reads `db.session` directly.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import IO, Any, Concatenate, ParamSpec, TypeVar

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from hotline import config, create_app, migrate

P = ParamSpec("P")
R = TypeVar("R")


NOT_PREPARED = (
    "La base de données n'est pas prête : lancez d'abord « hotline db upgrade » "
    "(ou « HOTLINE_ENV=development hotline demo » pour la démonstration)."
)


UNREACHABLE = (
    "La base de données ne répond pas : vérifiez qu'elle tourne et que DATABASE_URL "
    "donne la bonne adresse."
)


class Refusal(click.ClickException):
    """A command that cannot go on says why in one French sentence, with no "Error:" prefix."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), err=True, file=file)


def refuse_unreachable_database(app: Flask) -> None:
    """Say in one sentence that the database server is down, before anything starts."""
    try:
        migrate.check_reachable(app)
    except SQLAlchemyError:
        raise Refusal(UNREACHABLE) from None


def with_app(command: Callable[Concatenate[Flask, P], R]) -> Callable[P, R]:
    """Run `command(app, ...)` inside the context of an app built from the environment.

    The database must already be migrated: a command on a database nobody prepared says
    what to run first rather than failing on a missing table.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        app = create_app()
        try:
            ready = migrate.is_current(app)
        except SQLAlchemyError:
            raise Refusal(UNREACHABLE) from None
        if not ready:
            raise Refusal(NOT_PREPARED)
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper


def with_any_app(command: Callable[Concatenate[Flask, P], R]) -> Callable[P, R]:
    """`with_app` for the commands that prepare the database themselves (migrate, demo).

    They may find it empty, not unreachable: a server that is down is said in one sentence
    before anything starts, not as a driver's traceback from the middle of a migration.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        app = create_app()
        refuse_unreachable_database(app)
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper


def with_local_app(command: Callable[Concatenate[Flask, P], R]) -> Callable[P, R]:
    """`with_app` for commands made for a developer's machine (`hotline run`, `hotline call`).

    They choose development unless HOTLINE_ENV says otherwise, in this process's environment
    so the web, worker and scheduler processes `hotline run` starts inherit it. Everything
    else, the Procfile's processes included, stays production unless told. They prepare the
    database themselves (migrations, the demo), so they run on an unprepared one.
    """
    inner = with_any_app(command)

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        config.use_development_by_default(os.environ)
        return inner(*args, **kwargs)

    return wrapper
