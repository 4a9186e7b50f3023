"""The anchors `make bench` compares the hotline's webhooks with: what a webhook costs at least.

Served by the same gunicorn as the hotline, in the same run: a bare Flask route answering
static TwiML, the same after parsing the form, after one HMAC-SHA1 signature check (the least
a correct webhook costs), and after the stock `RequestValidator` (which computes two HMACs).
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="fr-FR">'
    "Bonjour, ici la permanence.</Say></Response>"
)


def create_anchor_app() -> Flask:
    """`gunicorn 'bench.anchors:create_anchor_app()'` with TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL."""
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"].rstrip("/")

    def xml() -> Response:
        return Response(TWIML, mimetype="text/xml")

    @app.post("/static")
    def static_twiml() -> Response:
        return xml()

    @app.post("/form")
    def form() -> Response:
        request.form.get("CallSid")
        return xml()

    @app.post("/hmac")
    def one_hmac() -> Response:
        url = base + request.path
        wanted = validator.compute_signature(url, request.form)
        if not hmac.compare_digest(wanted, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return xml()

    @app.post("/validator")
    def stock_validator() -> Response:
        url = base + request.path
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return xml()

    return app
