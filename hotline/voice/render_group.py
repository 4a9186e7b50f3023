"""TwiML for group calls: the press-1 screen, the room, the `*` keypad menu, PIN and offer.

Pure functions like `hotline.voice.render`: every sentence comes from the voice script. A
dialled participant joins only after pressing 1 (a voicemail never presses a key, so it
never joins). Inside the room Twilio passes no keys to us: `hangupOnStar` takes the caller
out to the keypad menu, and the menu's answer puts them back with their new mute state.
Every join path uses the same `<Conference>` attributes, `statusCallbackEvent` included,
because Twilio keeps the first participant's value for the whole room.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

from hotline.voice.render import Voice, callback_url, hang_up, voice_url

SCREEN_SECONDS = 8  # to press 1 once the sentence has been said
KEYPAD_SECONDS = 6
NOTICE_SECONDS = 5  # to press 2 (object to the recording) once the notice has been said
PIN_SECONDS = 10
HOLD_PAUSE_SECONDS = 20  # between two hold messages
CONFERENCE_EVENTS = "start end join leave mute"  # the same string on every join path
MAX_SESSION_SECONDS = 4 * 3600  # a forgotten phone leaves the room after four hours


@dataclass(frozen=True)
class Room:
    """How one leg enters the room; `leg_id` routes its `*` and its end back to us."""

    session_id: int
    leg_id: int
    conference_name: str
    label: str
    host: bool
    muted: bool
    beep: bool
    end_on_exit: bool
    has_host: bool  # False: nobody waits for a host, the room starts with the first two
    max_participants: int
    recording: bool = False  # the series records (announced first: `recording_notice`)


def screen(voice: Voice, leg_id: int, title: str) -> str:
    """What a dialled participant hears on answering: what the call is, 1 joins, 9 opts out."""
    response = VoiceResponse()
    action = voice_url("group/screen-answer", leg=leg_id)
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=SCREEN_SECONDS, action=action, method="POST"
    )
    voice.speak(gather, "group_screen", title=title)
    voice.speak(gather, "group_screen", title=title)
    response.redirect(action, method="POST")  # no key: the answer view hangs up politely
    return str(response)


def say_and_hang_up(voice: Voice, key: str, **params: object) -> str:
    return hang_up(voice, VoiceResponse(), key, **params)


def room(voice: Voice, spec: Room, before: tuple[str, ...] = (), refused: int = 0) -> str:
    """Say `before` (prompt keys), then `<Dial hangupOnStar><Conference>` into the room.

    `refused`: for a host, how many invitees the account's limit kept out (said first).
    """
    response = VoiceResponse()
    if refused:
        voice.speak(response, "group_account_limit", count=refused)
    for key in before:
        voice.speak(response, key)
    dial = response.dial(
        hangup_on_star=True,
        time_limit=MAX_SESSION_SECONDS,
        action=voice_url("group/after-room", leg=spec.leg_id),
        method="POST",
    )
    dial.conference(
        spec.conference_name,
        muted=spec.muted,
        beep=spec.beep,
        start_conference_on_enter=spec.host or not spec.has_host,
        end_conference_on_exit=spec.end_on_exit,
        wait_url=voice_url("group/wait", session=spec.session_id, host=1 if spec.host else None),
        wait_method="POST",
        max_participants=spec.max_participants,
        status_callback=callback_url("group/conference", session=spec.session_id),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
        participant_label=spec.label,
        **_recording_attributes(spec),
    )
    return str(response)


def _recording_attributes(spec: Room) -> dict[str, str]:
    """On every join path alike: the first participant's values are the room's."""
    if not spec.recording:
        return {}
    return {
        "record": "record-from-start",
        "recording_status_callback": callback_url("group/recording", session=spec.session_id),
        "recording_status_callback_method": "POST",
        "recording_status_callback_event": "completed",
    }


def recording_notice(voice: Voice, leg_id: int, purpose: str, days: int) -> str:
    """Before entering a recorded session: why, for how long, and 2 to object (then muted).

    No key within the pause (or any other key) enters as announced; the answer view says
    what was chosen before the room.
    """
    response = VoiceResponse()
    action = voice_url("group/recording-choice", leg=leg_id)
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=NOTICE_SECONDS, action=action, method="POST"
    )
    label = voice.script.prompt(voice.lang, f"group_purpose_{purpose}").text
    voice.speak(gather, "group_recording_notice", purpose=label, days=days)
    response.redirect(voice_url("group/recording-choice", leg=leg_id, silent=1), method="POST")
    return str(response)


def wait_music(voice: Voice, session_id: int, hold_message: str, host: bool = False) -> str:
    """The waitUrl: the series' hold message (or the script's), a pause, and again.

    A host alone in the room hears that the others are being called, not that they wait for
    themselves. Only Say, Pause and Redirect: Twilio refuses any other verb here (13238).
    """
    response = VoiceResponse()
    if host:
        voice.speak(response, "group_hold_host")
    elif hold_message:
        language = voice.script.languages[voice.lang]
        response.say(hold_message, voice=language.voice, language=language.say_language)
    else:
        voice.speak(response, "group_hold")
    response.pause(length=HOLD_PAUSE_SECONDS)
    again = voice_url("group/wait", session=session_id, host=1 if host else None)
    response.redirect(again, method="POST")
    return str(response)


def keypad_menu(
    voice: Voice,
    leg_id: int,
    host: bool,
    said: tuple[tuple[str, dict], ...],
    may_object: bool = False,
) -> str:
    """The `*` menu; `said` (prompt key, params) is spoken first (the answer to the last key).

    `may_object`: the session is recorded and this participant has not objected yet; an
    objection may come at any time, not only when the notice is said.
    """
    response = VoiceResponse()
    for key, params in said:
        voice.speak(response, key, **params)
    action = voice_url("group/keypad", leg=leg_id)
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=KEYPAD_SECONDS, action=action, method="POST"
    )
    voice.speak(gather, "group_keypad_menu")
    if host:
        voice.speak(gather, "group_host_menu")
    if may_object:
        voice.speak(gather, "group_recording_menu")
    response.redirect(voice_url("group/keypad", leg=leg_id, silent=1), method="POST")
    return str(response)


def offer(voice: Voice, session_id: int, title: str) -> str:
    """A known participant calling during their session: the offer comes before the menu."""
    response = VoiceResponse()
    action = voice_url("group/offer-answer", session=session_id)
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=SCREEN_SECONDS, action=action, method="POST"
    )
    voice.speak(gather, "group_offer", title=title)
    response.redirect(action, method="POST")
    return str(response)


def ask_pin(voice: Voice, attempt: int, node: str, before: tuple[str, ...] = ()) -> str:
    response = VoiceResponse()
    for key in before:
        voice.speak(response, key)
    action = voice_url("group/pin", attempt=attempt, node=node)
    gather = response.gather(
        input="dtmf", finish_on_key="#", timeout=PIN_SECONDS, action=action, method="POST"
    )
    voice.speak(gather, "group_pin_prompt")
    response.redirect(action, method="POST")
    return str(response)


def announcement(voice: Voice, key: str, **params: object) -> str:
    """An announceUrl answer: Say only (Play, Say, Pause, Redirect are allowed there)."""
    response = VoiceResponse()
    voice.speak(response, key, **params)
    return str(response)
