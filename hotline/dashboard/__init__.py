"""The staff pages: the queue, one callback, its recording, and the coordinator's settings.

Pages only: sign-in, CSRF and the shared layout live in `hotline.web`; the JSON API in
`hotline.api`. Both call the same domain services (`hotline.callbacks`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hotline.dashboard import followup_views  # noqa: F401 - adds its routes to `bp`
    from hotline.dashboard.groupcalls import bp as groupcalls_bp
    from hotline.dashboard.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(groupcalls_bp)
