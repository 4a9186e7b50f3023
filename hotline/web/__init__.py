"""Staff on the web: sign-in, session cookie settings, CSRF and what every page template needs.

`init_app` registers the sign-in blueprint `auth` (`/login`, `/logout`, the stylesheet),
hardens the session cookie and adds the security headers (`headers`) to every response.
The queue pages and the API are separate blueprints (`dashboard`, `api`) that use
`login_required` and `protect` from here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, jsonify, render_template, request
from redis.exceptions import RedisError

from hotline import clock
from hotline.callbacks import wording

UNAVAILABLE = "Service momentanément indisponible : merci de réessayer dans une minute."


def init_app(app: Flask) -> None:
    """Register the sign-in pages and make the session cookie safe; calling twice is harmless."""
    from hotline.web import errors, headers
    from hotline.web.auth import SESSION_HOURS, bp, signed_in_staff
    from hotline.web.csrf import csrf_token

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,  # scripts cannot read it, so an injected one cannot steal it
        SESSION_COOKIE_SAMESITE="Lax",  # not sent with another site's form posts
        SESSION_COOKIE_SECURE=app.config.get("HOTLINE_ENV") == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # A session lasts 12 hours from the login however much it is used (`auth`): signing
        # the same cookie again on every page and claim only pushed its expiry later.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    headers.init_app(app)
    if bp.name in app.blueprints:
        return
    app.register_blueprint(bp)
    app.register_error_handler(RedisError, _redis_unavailable)
    errors.init_app(app)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        if not has_request_context():
            return {"signed_in": None, "structure_param": "", "rehearsal_clock": None}
        staff = signed_in_staff()
        return {
            "signed_in": staff,
            "structure_param": _structure_param(staff),
            "rehearsal_clock": _rehearsal_clock(staff),
        }


def _rehearsal_clock(staff: Any) -> str | None:
    """The time of `hotline run --at` (development only), shown on every page; else None."""
    if not current_app.config.get("REHEARSAL_CLOCK"):
        return None
    zone = staff.structure.timezone if staff is not None else None
    tz = ZoneInfo(zone or current_app.config["HOTLINE_TIMEZONE"])
    return wording.day_month_time(clock.now(), tz)


def _redis_unavailable(error: RedisError) -> Any:
    """Redis down (sign-in throttles, sessions' checks): a French page or JSON, never a 500.

    Nothing is lost by answering so: what the request committed before stays, and a job it
    asked for waits in the outbox.
    """
    from hotline.extensions import db

    if request.path.startswith("/voice/"):
        raise error  # webhooks answer with their own apology (telephony.errors)
    db.session.rollback()
    if request.path.startswith("/api/") and not request.accept_mimetypes.accept_html:
        return jsonify({"error": "unavailable", "message": UNAVAILABLE}), 503
    return render_template("unavailable.html"), 503


def _structure_param(staff: Any) -> str:
    """'?structure=<slug>' when an admin browses another structure, so links keep it."""
    slug = request.args.get("structure", "").strip()
    if staff is None or staff.role != "admin" or not slug:
        return ""
    return "?" + urlencode({"structure": slug})
