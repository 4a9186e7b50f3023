"""Signing webhook requests the way Twilio does, with the real `RequestValidator`.

Using twilio's own code (rather than a re-implementation) means an app that validates our
requests validates Twilio's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"
USER_AGENT = "TwilioProxy/1.1"


def compute_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Base64 HMAC-SHA1 over the exact URL and the sorted POST params."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


def with_query(url: str, params: Mapping[str, str]) -> str:
    """Append params to a URL's query as Twilio does for GET webhooks."""
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(list(params.items()))}"


def signed_request(
    auth_token: str, method: str, url: str, params: Mapping[str, str]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """Return (url, body params, headers) for one webhook, signed.

    For GET the params move into the query and the signature covers the URL alone.
    """
    if method == "GET":
        url, params = with_query(url, params), {}
    body = dict(params)
    headers = {
        SIGNATURE_HEADER: compute_signature(auth_token, url, body),
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        "User-Agent": USER_AGENT,
    }
    return url, body, headers
