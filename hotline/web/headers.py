"""Security headers on every response the app sends.

The pages load their stylesheet from our own origin and have no inline script or
style, so the policy can be `default-src 'self'` with nothing loosened; a page
that one day needs a script adds a static file, not an exception here. Anything
but a static file may carry a name, a note or a CSRF token: no browser or proxy
keeps a copy (`no-store`). HSTS only in production, where the site is https:
sent from a development server on http it would be ignored, or worse, pinned
on localhost.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(response: Response) -> Response:
    """Set the headers on `response` (an `after_request` hook of the whole app)."""
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if not _is_static():
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("HOTLINE_ENV") == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def init_app(app: Flask) -> None:
    """Register the hook once, whichever blueprints the app has."""
    if add_security_headers not in app.after_request_funcs.get(None, []):
        app.after_request(add_security_headers)
