"""The Twilio webhook blueprint: every route signed, every answer TwiML (or an empty status).

The views live by caller in `views` (people calling the hotline), `staff_menu_views` (staff
on their phone) and `callback_views` (the click-to-call bridge); `context` finds the call and
its structure, `errors` decides what a failed webhook says, `args` reads the request.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from hotline.extensions import db
from hotline.telephony import signature
from hotline.voice.render import CALLBACK_RETRIES

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")


@bp.before_request
def verify_signature() -> None:
    config = current_app.config
    if not config["VERIFY_SIGNATURES"]:
        return
    if not signature.request_is_signed(
        request, config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"], (CALLBACK_RETRIES,)
    ):
        log.warning("rejected an unsigned or forged request to %s", request.path)
        abort(403)


@bp.before_request
def drop_nul_characters() -> None:
    """Remove NUL characters from the verified form and query before any view reads them.

    Twilio never sends one, but a text column on PostgreSQL refuses it outright (SQLite
    stores it), so a single "\\x00" in `From` failed the webhook on one database only.
    Done after the signature check, which must see the values exactly as they were sent.
    """
    real = request._get_current_object()  # type: ignore[attr-defined]
    for name in ("form", "args"):
        values = getattr(real, name)
        if any("\x00" in value for _, value in values.items(multi=True)):
            cleaned = [(key, value.replace("\x00", "")) for key, value in values.items(multi=True)]
            setattr(real, name, ImmutableMultiDict(cleaned))
            real.__dict__.pop("values", None)


def twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


def done(xml: str) -> Response:
    """Commit what the webhook changed, then answer: Twilio acts on the answer at once."""
    db.session.commit()
    return twiml(xml)


def init_app(app: Flask) -> None:
    from hotline.telephony import (  # noqa: F401
        audio,
        callback_views,
        group_views,
        reminder_views,
        ring_views,
        staff_menu_views,
        views,
    )

    app.register_blueprint(bp)
    audio.init_app(app)
