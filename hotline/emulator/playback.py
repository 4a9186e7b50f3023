"""Fetching a <Play> URL as Twilio does before playing it.

Twilio's <Play> page lists the audio types it plays; a URL that answers an HTTP error or
another type is logged as an error in the debugger (11200 / 12300) and the caller hears
nothing of it. The emulator fetches every URL with a plain GET (media requests carry no
signature the app could rely on) and, being strict, fails the call; a lenient emulator logs
the error and skips the verb, as the caller would experience it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.emulator.errors import EmulatorError
from hotline.emulator.signing import USER_AGENT

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

AUDIO_TYPES = frozenset(
    {
        "audio/mpeg",
        "audio/wav",
        "audio/wave",
        "audio/x-wav",
        "audio/aiff",
        "audio/x-aifc",
        "audio/x-aiff",
        "audio/x-gsm",
        "audio/gsm",
        "audio/ulaw",
    }
)


def fetch_audio(leg: Leg, url: str) -> bool:
    """GET the audio at `url`; True when Twilio could play it."""
    response = leg.emulator.transport.request("GET", url, {}, {"User-Agent": USER_AGENT})
    leg.log.add("request", f"GET {url} -> {response.status} (<Play> media)", method="GET")
    media_type = response.content_type.split(";")[0].strip().lower()
    problem = None
    if not 200 <= response.status < 300:
        problem = EmulatorError(
            f"<Play> media answered HTTP {response.status}", url=url, code="11200"
        )
    elif media_type not in AUDIO_TYPES:
        problem = EmulatorError(
            f"<Play> media type {response.content_type!r} is not one Twilio plays",
            url=url,
            code="12300",
        )
    if problem is None:
        return True
    if leg.emulator.strict:
        raise problem
    leg.note("error", f"<Play> skipped: {str(problem).splitlines()[0]}", url=url)
    return False
