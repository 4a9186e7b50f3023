"""TwiML and text for calling people back: the staff leg, the bridge, the staff menu, the SMS.

Pure functions, like `hotline.voice.render`: every sentence comes from the voice script, and
given the same script and values they return the same XML or text. The staff member hears the
theme and the person's name, never the caller's number; the caller sees the hotline's number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from twilio.twiml.voice_response import VoiceResponse

from hotline.schedules import WeeklySlot
from hotline.voice.render import Voice, callback_url, hang_up, ring_timeout, voice_url
from hotline.voice.script import Script

STAFF_CHOICE_SECONDS = 8  # time to press 1 once the intro has been said
CALLER_RING_SECONDS = 30  # a callback rings a little longer than a transfer: nobody expects it
PIN_SECONDS = 10
CALLER_LEG_EVENTS = "initiated ringing answered completed"
SMS_SEGMENT = 160  # GSM-7 characters in one SMS

# GSM 03.38: one septet each; the extension table costs two. Anything else switches the whole
# message to UCS-2 (70 characters per SMS), so `gsm7` folds it away first.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€")
_FOLDS = {"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "–": "-", "—": "-"}
_FOLDS |= {"…": "...", "\u00a0": " ", "\u202f": " ", "ç": "c", "œ": "oe", "Œ": "OE"}


def staff_intro(voice: Voice, attempt_id: int, theme: str, person: str) -> str:
    """The staff member's leg: who is about to be called; 1 to call, anything else cancels."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=STAFF_CHOICE_SECONDS,
        action=voice_url("callback/staff-answer", attempt=attempt_id),
        method="POST",
    )
    voice.speak(gather, "callback_staff_intro", theme=theme, person=person)
    voice.speak(gather, "callback_staff_intro", theme=theme, person=person)
    voice.speak(response, "callback_not_started")
    response.hangup()
    return str(response)


def bridge(
    voice: Voice,
    response: VoiceResponse,
    attempt_id: int,
    caller: str,
    hotline_number: str,
    action: str,
) -> str:
    """Dial the caller from this leg, showing the hotline's number; both ends report status.

    The caller's leg reports to /voice/callback/status with leg=caller, so the attempt learns
    whether the person answered even if the staff member hangs up first.
    """
    dial = response.dial(
        caller_id=hotline_number,
        timeout=ring_timeout(CALLER_RING_SECONDS),
        action=action,
        method="POST",
    )
    dial.number(
        caller,
        status_callback=callback_url("callback/status", attempt=attempt_id, leg="caller"),
        status_callback_event=CALLER_LEG_EVENTS,
        status_callback_method="POST",
    )
    return str(response)


def say_and_hang_up(voice: Voice, key: str, **params: object) -> str:
    return hang_up(voice, VoiceResponse(), key, **params)


def ask_pin(voice: Voice, response: VoiceResponse, first_name: str, action: str) -> str:
    """Ask a staff member for their PIN, ended by #; silence comes back as an empty try."""
    gather = response.gather(
        input="dtmf", finish_on_key="#", timeout=PIN_SECONDS, action=action, method="POST"
    )
    voice.speak(gather, "staff_pin_prompt", first_name=first_name)
    response.redirect(action, method="POST")
    return str(response)


def staff_menu(voice: Voice, response: VoiceResponse, action: str, silent_action: str) -> str:
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=voice.script.settings.gather_timeout,
        action=action,
        method="POST",
    )
    voice.speak(gather, "staff_menu")
    response.redirect(silent_action, method="POST")
    return str(response)


def ask_outcome(voice: Voice, response: VoiceResponse, action: str) -> str:
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=voice.script.settings.gather_timeout,
        action=action,
        method="POST",
    )
    voice.speak(gather, "staff_outcome_prompt")
    voice.speak(gather, "staff_outcome_prompt")
    response.redirect(action, method="POST")
    return str(response)


def speak_counts(voice: Voice, response: VoiceResponse, counts: Sequence[tuple[str, int]]) -> None:
    """'Pour l'accompagnement social : 2 rappels.' per theme with work, or 'none waiting'."""
    waiting = [(theme, count) for theme, count in counts if count > 0]
    if not waiting:
        voice.speak(response, "staff_counts_none")
    for theme, count in waiting:
        key = "staff_count_one" if count == 1 else "staff_count_many"
        voice.speak(response, key, theme=theme, count=count)


def sms_text(
    script: Script, lang: str, structure: str, number: str, slots: Iterable[WeeklySlot]
) -> str:
    """The SMS after a callback's last attempt, folded to GSM-7 and kept to one SMS if it can.

    The hours are the weekly union of the structure's duty slots; when saying them would take
    a second SMS, the sentence without hours is sent instead.
    """
    hours = weekly_hours(script, lang, slots)
    if hours:
        full = script.prompt(
            lang, "sms_last_attempt", structure=structure, number=number, hours=hours
        )
        text = gsm7(full.text)
        if septets(text) <= SMS_SEGMENT:
            return text
    short = script.prompt(lang, "sms_last_attempt_short", structure=structure, number=number)
    return gsm7(short.text)


def weekly_hours(script: Script, lang: str, slots: Iterable[WeeklySlot]) -> str:
    """'du lundi au vendredi 9h-12h30, 14h-17h; le samedi 9h-12h', from weekly slots."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for slot in slots:
        start = slot.start.hour * 60 + slot.start.minute
        end = slot.end.hour * 60 + slot.end.minute
        if end > start:
            days[slot.weekday].append((start, end))
        else:  # crosses midnight
            days[slot.weekday].append((start, 24 * 60))
            if end:
                days[(slot.weekday + 1) % 7].append((0, end))
    merged = [_merge(intervals) for intervals in days]
    names = script.moments[lang]["weekdays"]
    parts, first = [], 0
    for weekday in range(1, 8):
        if weekday < 7 and merged[weekday] == merged[first]:
            continue
        if merged[first]:
            ranges = ", ".join(
                f"{_clock(script, lang, start)}-{_clock(script, lang, end)}"
                for start, end in merged[first]
            )
            parts.append(f"{_days(script, lang, names, first, weekday - 1)} {ranges}")
        first = weekday
    return "; ".join(parts)


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _days(script: Script, lang: str, names: Sequence[str], first: int, last: int) -> str:
    if first == last:
        return script.prompt(lang, "sms_one_day", day=names[first]).text
    return script.prompt(lang, "sms_days_range", first=names[first], last=names[last]).text


def _clock(script: Script, lang: str, minutes: int) -> str:
    hour, minute = divmod(minutes, 60)
    if minute == 0:
        return script.prompt(lang, "sms_time_full_hour", hour=hour).text
    return script.prompt(lang, "sms_time_minutes", hour=hour, minute=f"{minute:02d}").text


def gsm7(text: str) -> str:
    """The text with every character outside GSM-7 replaced by its plain form ('ê' → 'e')."""
    out = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
            continue
        folded = _FOLDS.get(char)
        if folded is None:
            stripped = unicodedata.normalize("NFKD", char)
            folded = "".join(c for c in stripped if not unicodedata.combining(c))
        out.append("".join(c if c in GSM7_BASIC else "?" for c in folded) or "?")
    return "".join(out)


def septets(text: str) -> int:
    """Length in GSM-7 septets: what the 160-character limit counts."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
