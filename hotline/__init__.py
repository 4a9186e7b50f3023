"""hotline: a telephone hotline for work-integration social enterprises (SIAE).

`create_app` is the only entry point; importing the package does no work.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build a configured app.

    `overrides` wins over the environment; tests and the emulator pass `CLOCK`
    (a callable returning an aware datetime) to place a call at any moment.
    The mode is production unless HOTLINE_ENV (or `overrides`) says development.
    """
    from hotline import api, config, dashboard, directory, failure_log, gateway, telephony, web
    from hotline.callbacks import queue_keys
    from hotline.extensions import db, redis_store

    app = Flask(__name__, instance_path=_instance_path())
    env = {**config.read_dotenv(Path.cwd() / ".env"), **os.environ}
    overrides = dict(overrides or {})
    if "HOTLINE_ENV" in overrides:  # read first: the mode decides every other default
        env["HOTLINE_ENV"] = overrides.pop("HOTLINE_ENV")
    settings = config.environment_settings(Path(app.instance_path), env)
    settings.update(overrides)
    config.check_settings(settings, clock_overridden="CLOCK" in overrides)
    app.config.update(settings)
    if app.config.get("SECRET_KEY"):
        app.secret_key = app.config["SECRET_KEY"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # it logs phone numbers
    app.log_exception = failure_log.log_request_failure  # type: ignore[method-assign]

    if app.config["HOTLINE_ENV"] == "production":
        # Behind the platform's router: the client address (login throttling) and scheme come
        # from X-Forwarded-*; signatures never depend on them (they use PUBLIC_BASE_URL).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    db.init_app(app)
    queue_keys.init_app(app)
    redis_store.init_app(app)
    directory.init_app(app)
    gateway.init_app(app)
    telephony.init_app(app)
    web.init_app(app)
    dashboard.init_app(app)
    api.init_app(app)
    return app


def _instance_path() -> str:
    """`instance/` beside the project, or HOTLINE_INSTANCE_PATH."""
    explicit = os.environ.get("HOTLINE_INSTANCE_PATH")
    if explicit:
        return str(Path(explicit).resolve())
    return str(Path.cwd() / "instance")
