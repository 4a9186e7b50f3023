"""Verify that a webhook really comes from Twilio (`X-Twilio-Signature`).

`RequestValidator.validate` computes the HMAC twice (with and without a port)
on every request. We compute it once against the URL as configured and try
the port variant only when that first attempt fails. The URL is rebuilt from
PUBLIC_BASE_URL, the raw path and the raw query string: Werkzeug's
`request.url` percent-decodes non-ASCII query values, which Twilio signed
encoded, and behind a TLS proxy it would say http:// instead of https://.

A URL given with connection overrides (`…/voice/status#rc=3&rp=5xx,rt`) is signed
fragment included, but the fragment never reaches us: when the URL alone does not
match, the fragments we hand out are tried in turn (only on that rarer path).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

from flask import Request
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator, add_port, remove_port


def signed_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio requested, as it signed it."""
    path = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
    query = request.environ.get("QUERY_STRING", "")
    return f"{public_base_url}{path}" + (f"?{query}" if query else "")


def is_valid_signature(
    validator: RequestValidator,
    url: str,
    params: Mapping[str, object],
    signature: str,
    fragments: Sequence[str] = (),
) -> bool:
    """True when `signature` matches `url` and `params` (one HMAC in the common case).

    Then the port variant Twilio sometimes signs, then `url#fragment` for each of `fragments`.
    """
    if not signature:
        return False
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return True
    parsed = urlparse(url)
    variant = remove_port(parsed) if parsed.port else add_port(parsed)
    candidates = [variant, *(f"{url}#{fragment}" for fragment in fragments)]
    return any(
        hmac.compare_digest(validator.compute_signature(candidate, params), signature)
        for candidate in candidates
    )


def request_is_signed(
    request: Request, auth_token: str, public_base_url: str, fragments: Sequence[str] = ()
) -> bool:
    """Check the current request's signature against the configured public URL."""
    validator = RequestValidator(auth_token)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    url = signed_url(public_base_url, request)
    params = request.form if request.method == "POST" else {}
    return is_valid_signature(validator, url, params, signature, fragments)
