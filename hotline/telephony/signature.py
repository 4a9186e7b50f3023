"""Verify that a webhook really comes from Twilio (`X-Twilio-Signature`).

`RequestValidator.validate` computes the HMAC twice (with and without a port)
on every request. We compute it once against the URL as configured and try
the port variant only when that first attempt fails. The URL is rebuilt from
PUBLIC_BASE_URL, the raw path and the raw query string: Werkzeug's
`request.url` percent-decodes non-ASCII query values, which Twilio signed
encoded, and behind a TLS proxy it would say http:// instead of https://.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import urlparse

from flask import Request
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator, add_port, remove_port


def signed_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio requested, as it signed it."""
    path = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
    query = request.environ.get("QUERY_STRING", "")
    return f"{public_base_url}{path}" + (f"?{query}" if query else "")


def is_valid_signature(
    validator: RequestValidator, url: str, params: Mapping[str, object], signature: str
) -> bool:
    """True when `signature` matches `url` and `params` (one HMAC in the common case)."""
    if not signature:
        return False
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return True
    parsed = urlparse(url)
    variant = remove_port(parsed) if parsed.port else add_port(parsed)
    return hmac.compare_digest(validator.compute_signature(variant, params), signature)


def request_is_signed(request: Request, auth_token: str, public_base_url: str) -> bool:
    """Check the current request's signature against the configured public URL."""
    validator = RequestValidator(auth_token)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = signed_url(public_base_url, request)
    params = request.form if request.method == "POST" else {}
    return is_valid_signature(validator, url, params, signature)
