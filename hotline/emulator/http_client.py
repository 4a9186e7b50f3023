"""The real `twilio` client, wired to the fake REST API in-process.

`EmulatorHttpClient` is a `twilio.http.HttpClient`: `twilio.rest.Client(sid, token,
http_client=EmulatorHttpClient(fake))` builds its requests exactly as against Twilio, and this
client hands them to `FakeTwilio.handle` instead of the network. Any base URL is accepted
(https://api.twilio.com, or the host of `TWILIO_API_BASE`): requests are routed by path only.

Pointing the gateway at a non-Twilio base with the stock `TwilioHttpClient` (twilio 9.13)
-----------------------------------------------------------------------------------------
Every resource the gateway uses (`client.calls`, `.messages`, `.recordings`, `.conferences`)
lives on the `Api` domain, whose `Domain.absolute_url()` reads `client.api.base_url` at each
request; `client.api` is created once per client and cached. So the gateway should do, when
`TWILIO_API_BASE` is set (e.g. `http://127.0.0.1:8790`, printed by `hotline emulator`):

    client = Client(account_sid, auth_token)
    if api_base:
        client.api.base_url = api_base.rstrip("/")

and must then leave `TWILIO_EDGE` / `TWILIO_REGION` unset, because `ClientBase.get_hostname`
rewrites the host of every URL when either is set. `TwilioHttpClient` (a `requests.Session`)
honours HTTP(S)_PROXY from the environment even for 127.0.0.1; set `NO_PROXY=127.0.0.1,localhost`
or `client.http_client.session.trust_env = False` for a local base. Recording URLs that the
emulator sends to the app (`RecordingUrl`) already point at the emulator's server (see
`server.serve`), so downloading `RecordingUrl + ".mp3"` with basic auth works unchanged.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hotline.emulator.rest import FakeTwilio
from hotline.emulator.rest_faults import Unanswered
from hotline.emulator.rest_http import RestRequest, basic_auth, form_values

_logger = logging.getLogger("hotline.emulator.http_client")


class EmulatorHttpClient(HttpClient):
    """Sends the twilio client's requests to a `FakeTwilio` in this process, never the network."""

    def __init__(self, fake: FakeTwilio, logger: logging.Logger = _logger) -> None:
        super().__init__(logger, is_async=False, timeout=None)
        self.fake = fake

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Route by the URI's path; credentials come from `auth` or an Authorization header."""
        headers = headers or {}
        rest = RestRequest(
            method=method.upper(),
            path=urlsplit(uri).path,
            form=form_values(params, data),
            auth=auth or basic_auth(headers.get("Authorization")),
        )
        try:
            answer = self.fake.handle(rest)
        except Unanswered:  # what twilio's own client raises when its timeout fires
            raise requests.exceptions.ReadTimeout("the provider never answered") from None
        # twilio's Response carries text; binary media survives a latin-1 round trip.
        binary = answer.content_type.startswith("audio/")
        text = answer.body.decode("latin-1" if binary else "utf-8")
        response = Response(answer.status, text, answer.headers)
        self._test_only_last_response = response
        return response


def emulator_client(fake: FakeTwilio) -> Client:
    """A real `twilio.rest.Client` with the fake's credentials, talking to it in-process."""
    return Client(fake.account_sid, fake.emulator.auth_token, http_client=EmulatorHttpClient(fake))
