"""What a webhook answers when it fails: the caller or staff member hears it, never silence.

Each route says which of three outcomes its failure needs:
- OFFER_VOICEMAIL: a caller who has not left a message yet hears an apology and can leave one;
- HANG_UP: after the message, and on every staff leg, an apology and a hang-up (offering
  the voicemail again there would loop, or record a message on a staff phone);
- REPORT: a status callback has nobody to speak to: an empty 500, which also shows the
  failure in the provider's debugger;
- WAIT: a conference's waitUrl may only play, say, pause or redirect (Twilio refuses
  anything else): the default waiting tone, and the same URL again;
- ASK_CONSENT and KEEP_CONSENT: around the message and the callback question, the
  caller's decision must survive a database failure (see `recovery`); any other failure
  there is answered as HANG_UP.
Every outcome rolls the session back first, so nothing half-done is committed later.

The failure is logged by exception type and stack frames only: messages can quote SQL
parameters or provider errors, which hold phone numbers.
"""

from __future__ import annotations

import enum
import functools
import logging
import traceback
from collections.abc import Callable
from typing import ParamSpec

from flask import Response, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from hotline.extensions import db
from hotline.telephony import recovery, twiml
from hotline.telephony.context import call_voice, default_voice
from hotline.voice import render, render_ring

log = logging.getLogger("hotline.telephony")
P = ParamSpec("P")


class OnError(enum.Enum):
    OFFER_VOICEMAIL = "offer_voicemail"
    HANG_UP = "hang_up"
    REPORT = "report"
    ASK_CONSENT = "ask_consent"  # /voice/recorded: the message is safe, ask the question
    KEEP_CONSENT = "keep_consent"  # /voice/consent: keep the answer for the sweep
    WAIT = "wait"  # a room's waitUrl: the waiting tone again


def on_error(outcome: OnError) -> Callable[[Callable[P, Response]], Callable[P, Response]]:
    """Give a webhook its failure answer; a client error (a 4xx Werkzeug raised) passes."""

    def decorate(view: Callable[P, Response]) -> Callable[P, Response]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            try:
                return view(*args, **kwargs)
            except HTTPException as error:
                if error.code is not None and error.code < 500:
                    raise
                return failed(outcome, error)
            except Exception as error:
                return failed(outcome, error)

        wrapper.on_error = outcome  # type: ignore[attr-defined]  # checked by the tests
        return wrapper

    return decorate


def failed(outcome: OnError, error: Exception) -> Response:
    """Roll back, log where it broke, and answer as `outcome` says."""
    db.session.rollback()
    log_webhook_failure(error)
    if outcome is OnError.REPORT:
        return Response(status=500)
    if outcome is OnError.WAIT:
        return twiml(render_ring.wait_music(default_voice()))
    # A database that timed out once is not waited on twice: Twilio gives up at 15 s.
    voice = default_voice() if isinstance(error, OperationalError) else call_voice(db.session)
    transient = isinstance(error, SQLAlchemyError)  # a call we know nothing of is not
    if outcome is OnError.ASK_CONSENT and transient:
        return twiml(recovery.consent_after_failed_message(voice))
    if outcome is OnError.KEEP_CONSENT and transient:
        return twiml(recovery.consent_after_failed_answer(voice))
    if outcome in (OnError.HANG_UP, OnError.ASK_CONSENT, OnError.KEEP_CONSENT):
        return twiml(render.hang_up(voice, VoiceResponse(), "technical_error_end"))
    response = VoiceResponse()
    voice.speak(response, "technical_error")
    return twiml(render.record_message(voice, response))


def log_webhook_failure(error: BaseException) -> None:
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("voice webhook %s failed with %s\n%s", request.endpoint, type(error).__name__, frames)
