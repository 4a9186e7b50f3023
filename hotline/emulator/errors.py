"""Errors raised by the emulator when the app answers in a way Twilio would refuse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.emulator.transport import WebhookResponse

_BODY_EXCERPT = 600


class EmulatorError(Exception):
    """The app broke the webhook contract (HTTP error, bad content) or the emulator was misused.

    Carries the URL and the response so a failing test shows what the app actually sent.
    """

    code: str | None = None  # Twilio's error code, sent to a fallback URL as ErrorCode

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        response: WebhookResponse | None = None,
        code: str | None = None,
    ) -> None:
        self.url = url
        self.response = response
        if code is not None:
            self.code = code
        details = [message]
        if url:
            details.append(f"url: {url}")
        if response is not None:
            kind = response.content_type or "no content type"
            details.append(f"response: HTTP {response.status} ({kind})")
            details.append(response.body[:_BODY_EXCERPT])
        super().__init__("\n".join(details))


class TwimlError(EmulatorError):
    """The TwiML is invalid: unknown verb or attribute, bad value, bad nesting.

    Stricter than Twilio on purpose, so the app can never depend on Twilio's leniency.
    """

    code = "12200"  # Schema validation warning
