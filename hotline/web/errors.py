"""Error pages in French, in the dashboard's layout; JSON for the API, TwiML left to webhooks.

A staff member who opens a page they may not see, a link that no longer exists, or hits a
fault reads what happened and where to go, never Werkzeug's English "Forbidden". The JSON
API keeps answering JSON (`error`, `message`), and `/voice/*` is left to the telephony
blueprint, whose decorator always answers TwiML to the caller.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

# (title, what to say, the JSON code) per status; anything else falls back to 500's words.
PAGES: dict[int, tuple[str, str, str]] = {
    400: ("Demande incomplète", "La demande n'a pas pu être lue. Merci de réessayer.", "invalid"),
    401: ("Connexion nécessaire", "Merci de vous connecter pour voir cette page.", "login"),
    403: (
        "Page réservée",
        "Cette page est réservée à la coordination de la structure.",
        "forbidden",
    ),
    404: (
        "Page introuvable",
        "Cette page n'existe pas ou plus, ou elle concerne une autre structure.",
        "not_found",
    ),
    405: ("Action impossible", "Cette action n'est pas possible sur cette page.", "method"),
    429: (
        "Trop de demandes",
        "Trop de demandes en peu de temps. Merci de patienter une minute avant de réessayer.",
        "too_many",
    ),
    500: (
        "Erreur du tableau de bord",
        "Une erreur s'est produite de notre côté. Rien de ce qui était enregistré n'est perdu. "
        "Merci de réessayer ; si le problème dure, prévenez la coordination.",
        "server_error",
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)


def _http_error(error: HTTPException) -> Any:
    code = error.code or 500
    if request.path.startswith("/voice/"):
        return error  # webhooks answer TwiML through telephony.errors
    title, message, slug = PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
    if code == 403 and error.description and _is_french(error.description):
        message = error.description
    if request.path.startswith("/api/") and not request.accept_mimetypes.accept_html:
        return jsonify({"error": slug, "message": message}), code
    page = render_template("error.html", title=title, message=message, code=code)
    return page, code, _kept_headers(error)


def _is_french(description: str) -> bool:
    """An abort() given our own sentence (not Werkzeug's English default)."""
    return not description.startswith(("You ", "The ", "A "))


def _kept_headers(error: HTTPException) -> dict[str, str]:
    """Retry-After (429) and Allow (405) survive the French page."""
    response = error.get_response()
    return {k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")}
