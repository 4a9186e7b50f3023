"""TwiML for ringing staff while the caller waits in a room (see `hotline.calls.ringing`).

Pure functions, like `render`: the caller's wait (a sentence, then the room with its waiting
tone), the tone itself (the room's waitUrl), and the staff leg's press-1 screen, its join and
its refusals. Every sentence comes from the voice script.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

from hotline.directory import ThemeInfo
from hotline.voice.render import WHISPER_TIMEOUT_SECONDS, Voice, hang_up, voice_url

# The tone lasts 5 s: played this many times per waitUrl request, ~1 request a minute.
WAIT_TONE_LOOPS = 12
WAIT_PROMPT = "ring_wait_music"


def wait_for_staff(
    voice: Voice, response: VoiceResponse, theme: ThemeInfo | None, room: str
) -> str:
    """'We are looking for someone', then the caller's own room, alone with the waiting tone.

    The caller does not start the room (they hear the tone until a staff member joins) and
    ends it on leaving (the staff member is not left talking to nobody). At most two people
    ever get in: the caller and the one who pressed 1.
    """
    theme_key = theme.key if theme else None
    voice.speak(response, "connecting", theme=voice.theme_label(theme))
    dial: Dial = response.dial(
        action=voice_url("ring/done", theme=theme_key, lang=voice.lang), method="POST"
    )
    dial.conference(
        room,
        beep=False,
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        max_participants=2,
        wait_url=voice_url("ring/wait", lang=voice.lang, script=voice.script.name),
        wait_method="POST",
    )
    return str(response)


def wait_music(voice: Voice) -> str:
    """The room's waitUrl: the waiting tone, then again (a waitUrl ends in silence otherwise)."""
    response = VoiceResponse()
    prompt = voice.script.prompt(voice.lang, WAIT_PROMPT)
    if prompt.audio:
        url = f"{voice.audio_base}/voice/audio/{voice.script.name}/{prompt.audio}"
        response.play(url, loop=WAIT_TONE_LOOPS)
    else:
        voice.speak(response, WAIT_PROMPT)
    response.redirect(
        voice_url("ring/wait", lang=voice.lang, script=voice.script.name), method="POST"
    )
    return str(response)


def screen(voice: Voice, caller_sid: str, staff_id: int, theme: ThemeInfo | None) -> str:
    """What the staff member hears on picking up: press 1 to take the call.

    Said once, and once more if no key came; then the leg hangs up, so a personal voicemail
    records a few seconds and never reaches the caller.
    """
    response = VoiceResponse()
    theme_key = theme.key if theme else None
    for _ in range(2):
        gather = response.gather(
            input="dtmf",
            num_digits=1,
            timeout=WHISPER_TIMEOUT_SECONDS,
            action=voice_url("ring/answer", call=caller_sid, staff=staff_id, theme=theme_key),
            method="POST",
        )
        voice.speak(gather, "whisper", theme=voice.theme_label(theme))
    response.hangup()
    return str(response)


def join_caller(voice: Voice, room: str) -> str:
    """The staff member pressed 1 first: into the caller's room, which starts with them."""
    response = VoiceResponse()
    voice.speak(response, "whisper_accepted")
    dial: Dial = response.dial()
    dial.conference(
        room,
        beep=False,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        max_participants=2,
    )
    response.hangup()
    return str(response)


def too_late(voice: Voice, taken: bool) -> str:
    """The call is no longer there to take: a colleague took it, or the caller left."""
    return hang_up(voice, VoiceResponse(), "whisper_taken" if taken else "whisper_caller_gone")
