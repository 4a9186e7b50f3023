"""The JSON API of the staff dashboard (session-authenticated, CSRF-protected)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hotline.api.groupcalls import bp as groupcalls_bp
    from hotline.api.queue import bp

    app.register_blueprint(bp)
    app.register_blueprint(groupcalls_bp)
