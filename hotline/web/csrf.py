"""CSRF protection for the dashboard and the JSON API.

One random token per browser session, sent back by every form (`csrf_token`
field) or script (`X-CSRF-Token` header) on an unsafe method. SameSite=Lax
cookies already stop most cross-site posts; the token covers the rest
(older browsers, top-level POST navigations, same-site subdomains).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Response, jsonify, request, session
from werkzeug.exceptions import BadRequest

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MESSAGE = (
    "La page a expiré ou le formulaire n'a pas pu être vérifié. "
    "Merci de recharger la page et de recommencer."
)


class CsrfFailure(BadRequest):
    """An unsafe request without the session's token: answered with 400."""

    description = MESSAGE


def csrf_token() -> str:
    """The token of this session, created on first use (templates call it in every form)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def rotate_token() -> str:
    """A fresh token, for a new login: a token seen before login is not trusted after."""
    session.pop(SESSION_KEY, None)
    return csrf_token()


def check_request() -> None:
    """Raise `CsrfFailure` if an unsafe request does not carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FORM_FIELD) or ""
    if not isinstance(expected, str) or not expected:
        raise CsrfFailure()
    if not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise CsrfFailure()


def _failure_response(error: CsrfFailure) -> tuple[Response | str, int]:
    if request.is_json or request.path.startswith("/api/"):
        return jsonify({"error": "csrf", "message": MESSAGE}), 400
    return (
        '<!doctype html><html lang="fr"><meta charset="utf-8">'
        "<title>Formulaire expiré</title>"
        f"<h1>Formulaire expiré</h1><p>{MESSAGE}</p>"
        '<p><a href="/queue">Retour à la file des rappels</a></p></html>',
        400,
    )


def protect(blueprint: Blueprint) -> Blueprint:
    """Check the token on every unsafe request that reaches `blueprint`'s views."""
    blueprint.before_request(check_request)
    blueprint.register_error_handler(CsrfFailure, _failure_response)
    return blueprint
