"""The number's fallback URL: what Twilio requests when it cannot retrieve or run the app's TwiML.

Twilio's "Availability and Reliability" page: on a fatal error while executing the call (no
answer within 15 s, an HTTP error, a document it cannot parse or run), it immediately requests
the number's Fallback URL with `ErrorCode` and `ErrorUrl`, and the call goes on with whatever
TwiML that returns. The emulator does so for the caller's own leg of an inbound call when
`Emulator.fallback_url` is set, once per call; without one (or when the fallback fails too) the
caller hears Twilio's application-error message, or a strict emulator raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.emulator.errors import EmulatorError
from hotline.emulator.steps import End
from hotline.emulator.twiml import Verb, parse_response

if TYPE_CHECKING:
    from hotline.emulator.session import Leg

DEFAULT_ERROR_CODE = "11200"  # HTTP retrieval failure


def recover(leg: Leg, err: EmulatorError) -> tuple[Verb, ...] | End:
    """The fallback document's verbs, or the End an unrecoverable error leads to."""
    url = leg.emulator.fallback_url
    inbound = leg.staff is None and leg.base.get("Direction") == "inbound"
    if url is None or not inbound or leg.state.fell_back:
        return leg.application_error(err)
    leg.state.fell_back = True
    code = err.code or DEFAULT_ERROR_CODE
    failed_url = err.url or leg.document_url
    leg.note(
        "error",
        f"error {code} on {failed_url}: Twilio requests the fallback URL",
        code=code,
        url=failed_url,
    )
    params = leg.params({"ErrorCode": code, "ErrorUrl": failed_url.split("#")[0]})
    try:
        sent_url, response = leg.webhook(url, "POST", params)
        verbs = parse_response(response, sent_url)
    except EmulatorError as second:
        return leg.application_error(second)
    leg.document_url = url
    return verbs
