"""How the emulator reaches the app: in-process through WSGI, or over HTTP on localhost only.

Both transports send exactly the bytes Twilio would send (form-encoded body, raw query string
kept as given), so signature checks in the app see the same URL the emulator signed.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from werkzeug.test import Client

from hotline.emulator.errors import EmulatorError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Twilio gives up on a webhook after 15 s in total.
HTTP_TIMEOUT_SECONDS = 15.0
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True)
class WebhookResponse:
    """What the app answered to one webhook request."""

    status: int
    body: str
    content_type: str


class Transport(Protocol):
    """Anything that can deliver a webhook request to the app."""

    def request(
        self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse: ...

    def post(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse: ...


def _encode_form(params: Mapping[str, str]) -> bytes:
    return urlencode(list(params.items())).encode("utf-8")


class WsgiTransport:
    """Calls a WSGI app in-process with werkzeug's test client, as if over the network.

    Scheme, host and raw query string come from the URL, so `request.host_url`, `request.scheme`
    and `QUERY_STRING` in the app match what the emulator signed.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self._client = Client(wsgi_app)

    def post(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        return self.request("POST", url, params, headers)

    def request(
        self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EmulatorError("webhook URL must be absolute http(s)", url=url)
        body = _encode_form(params) if method == "POST" else None
        response = self._client.open(
            parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method=method,
            data=body,
            content_type=FORM_CONTENT_TYPE if method == "POST" else None,
            headers=dict(headers),
        )
        return WebhookResponse(
            status=response.status_code,
            body=response.get_data().decode("utf-8", errors="replace"),  # audio too
            content_type=response.headers.get("Content-Type", ""),
        )


class HttpTransport:
    """Posts to an app served on this machine; refuses any other host.

    The emulator must never reach the network, so only 127.0.0.1/localhost over plain HTTP
    are accepted, and environment proxies are ignored.
    """

    def __init__(self, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        return self.request("POST", url, params, headers)

    def request(
        self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        check_local_url(url)
        data = _encode_form(params) if method == "POST" else None
        all_headers = dict(headers)
        if data is not None:
            all_headers["Content-Type"] = FORM_CONTENT_TYPE
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                return _read(resp.status, resp.headers.get("Content-Type", ""), resp.read())
        except urllib.error.HTTPError as err:
            return _read(err.code, err.headers.get("Content-Type", ""), err.read())
        except urllib.error.URLError as err:
            raise EmulatorError(f"cannot reach the app: {err.reason}", url=url) from err


def check_local_url(url: str) -> None:
    """Refuse anything but http://127.0.0.1, http://localhost or http://[::1]."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS:
        raise EmulatorError(
            "HttpTransport only talks to http://127.0.0.1, http://localhost or http://[::1]"
            " (the emulator never uses the network)",
            url=url,
        )


def _read(status: int, content_type: str, raw: bytes) -> WebhookResponse:
    return WebhookResponse(status, raw.decode("utf-8", errors="replace"), content_type)
