"""The control flow between TwiML documents: go fetch another document, or end the leg."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin


@dataclass(frozen=True)
class Goto:
    """Request `url` for the next TwiML document, with verb-specific `params`.

    `then` runs after the response arrives and before its TwiML executes: that is when Twilio
    sends a <Record>'s recordingStatusCallback.
    """

    url: str
    method: str = "POST"
    params: Mapping[str, str] = field(default_factory=dict)
    then: Callable[[], None] | None = None


@dataclass(frozen=True)
class End:
    """The leg is over; `reason` becomes `CallLog.ended_by` for the caller's leg."""

    reason: str


Step = Goto | End | None


def resolve(document_url: str, reference: str | None) -> str:
    """Resolve an action/Redirect URL against the current document's URL, as Twilio does."""
    return document_url if not reference else urljoin(document_url, reference)
