"""The Twilio webhook blueprint and its signature check."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hotline.telephony import callback_views, staff_menu_views  # noqa: F401 (their routes)
    from hotline.telephony.views import bp

    app.register_blueprint(bp)
