"""What the caller hears when saving their message or their "yes" failed: never a loss.

A database error at `/voice/recorded` or `/voice/consent` is usually transient (a lock, a
restart). The message itself is safe at Twilio, and its recording status callback files
it; what would be lost is the caller's decision. So:
- `/voice/recorded` failed: the consent question is asked anyway, carrying the
  RecordingUrl, so the answer saves the message if nothing else has by then;
- `/voice/consent` failed after 1 or 2: the answer is kept in Redis for the sweep
  (`calls.kept_consents`) and confirmed to the caller; if Redis fails too, the question
  is asked again, and the caller's next key press meets a database that has recovered.
"""

from __future__ import annotations

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from hotline import calls, phones
from hotline.telephony.args import arg_count
from hotline.telephony.context import call_sid
from hotline.voice import render
from hotline.voice.render import Voice

MAX_CONSENT_QUESTIONS = 3


def consent_after_failed_message(voice: Voice) -> str:
    """The message is recorded at Twilio: say so, and still ask whether to call back."""
    response = VoiceResponse()
    voice.speak(response, "voicemail_saved")
    if phones.callable_e164(request.form.get("From", "")) is None:
        voice.speak(response, "callback_impossible")
        return render.hang_up(voice, response)
    return render.ask_consent(voice, response, 1, request.form.get("RecordingUrl", ""))


def consent_after_failed_answer(voice: Voice) -> str:
    """Keep the caller's 1 or 2 where the sweep finds it; else ask them again."""
    digits = request.form.get("Digits", "").strip()
    if digits in ("1", "2") and calls.keep_consent(call_sid(), digits == "1"):
        response = VoiceResponse()
        voice.speak(response, "callback_confirmed" if digits == "1" else "callback_declined")
        return render.hang_up(voice, response)
    attempt = arg_count("attempt")
    if attempt >= MAX_CONSENT_QUESTIONS:
        return render.hang_up(voice, VoiceResponse(), "technical_error_end")
    response = VoiceResponse()
    voice.speak(response, "menu_no_input")
    return render.ask_consent(voice, response, attempt + 1, request.args.get("recording", ""))
