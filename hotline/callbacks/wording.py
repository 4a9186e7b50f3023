"""The French words of the queue: waiting times, moments, risk levels.

Staff read these in the dashboard and hear none of them on the phone, so they are short
and written, not spoken: "attend depuis 2 j 4 h", "rappel prévu lun. 9 h".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.callbacks.hours import CallWindow

WEEKDAYS_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
RISK_WORDS = {1: "risque faible", 2: "risque moyen", 3: "risque élevé"}


def duration(delta: timedelta) -> str:
    """ "2 j 4 h", "3 h 20 min", "25 min"; under a minute, "moins d'une minute"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else "moins d'une minute"


def clock_time(local: datetime) -> str:
    """ "9 h", "14 h 30": how a French schedule writes a time."""
    return f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"


def moment(at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """ "aujourd'hui 14 h", "demain 9 h", "lun. 9 h" within a week, else "lun. 12/01 9 h"."""
    local = at.astimezone(tz)
    days_ahead = (local.date() - now.astimezone(tz).date()).days
    if days_ahead == 0:
        day = "aujourd'hui"
    elif days_ahead == 1:
        day = "demain"
    elif 2 <= days_ahead <= 6:
        day = WEEKDAYS_SHORT[local.weekday()]
    else:
        day = f"{WEEKDAYS_SHORT[local.weekday()]} {local:%d/%m}"
    return f"{day} {clock_time(local)}"


def call_window(window: CallWindow, tz: ZoneInfo) -> str:
    """When we may call, for people: "maintenant", "lun. 9 h", or that no slot is planned."""
    if window.opens is None:
        return "aucun créneau de rappel n'est prévu"
    if window.open_now:
        return "maintenant"
    return moment(window.opens, window.now, tz)


def waiting(delta: timedelta) -> str:
    return f"attend depuis {duration(delta)}"


def attempts(count: int) -> str:
    return f"{count} tentative{'s' if count > 1 else ''}"


def risk(level: int) -> str:
    return f"{RISK_WORDS.get(level, 'risque')} ({level})"


def number(value: float) -> str:
    """A score as French writes it: "7,5", "-1", at most one decimal."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace(".", ",")


def day_and_time(at: datetime, now: datetime, tz: ZoneInfo) -> str:
    """When something happened: "aujourd'hui 10 h 12", "hier 9 h", "mardi 10 h 12",
    then "mardi 01/12 10 h 12" beyond a week."""
    local = at.astimezone(tz)
    days_ago = (now.astimezone(tz).date() - local.date()).days
    if days_ago == 0:
        day = "aujourd'hui"
    elif days_ago == 1:
        day = "hier"
    elif 2 <= days_ago <= 6:
        day = WEEKDAYS[local.weekday()]
    else:
        day = f"{WEEKDAYS[local.weekday()]} {local:%d/%m}"
    return f"{day} {clock_time(local)}"


def length(seconds: int) -> str:
    """A message's length: "42 s", "1 min 05 s"."""
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def messages(count: int, last_at: datetime, last_seconds: int, now: datetime, tz: ZoneInfo) -> str:
    """ "message mardi 10 h 12 (42 s)", "3 messages, le dernier mardi 10 h 12 (42 s)"."""
    when = day_and_time(last_at, now, tz)
    if count <= 1:
        return f"message {when} ({length(last_seconds)})"
    return f"{count} messages, le dernier {when} ({length(last_seconds)})"


def delay(minutes: int) -> str:
    """A delay between attempts: "1 h", "4 h", "1 jour", "2 jours", "1 h 30 min"."""
    days, rest = divmod(minutes, 24 * 60)
    if days and not rest:
        return f"{days} jour{'s' if days > 1 else ''}"
    return duration(timedelta(minutes=minutes))


def delays(minutes: tuple[int, ...] | list[int]) -> str:
    """ "1 h, 4 h, 1 jour"."""
    return ", ".join(delay(value) for value in minutes)


def _days(weekdays: list[int]) -> str:
    if weekdays == list(range(7)):
        return "tous les jours"
    if len(weekdays) > 2 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return f"du {WEEKDAYS[weekdays[0]]} au {WEEKDAYS[weekdays[-1]]}"
    return ", ".join(WEEKDAYS[day] for day in weekdays)


def weekly_hours(slots: Sequence[Any]) -> list[str]:
    """Weekly slots said as a timetable: ["du lundi au vendredi, 9 h – 18 h"]."""
    grouped: dict[tuple[Any, Any], list[int]] = {}
    for slot in slots:
        grouped.setdefault((slot.start, slot.end), []).append(slot.weekday)
    lines = []
    for (start, end), weekdays in grouped.items():
        hours = f"{clock_time(datetime.combine(datetime.min, start))} – "
        hours += "minuit" if end == time(0) else clock_time(datetime.combine(datetime.min, end))
        lines.append(f"{_days(sorted(set(weekdays)))}, {hours}")
    return lines


def local_date_time(at: datetime, tz: ZoneInfo) -> str:
    """ "08/12/2026 à 10 h 12", in the structure's time zone (never UTC)."""
    local = at.astimezone(tz)
    return f"{local:%d/%m/%Y} à {clock_time(local)}"


def day_month_time(at: datetime, tz: ZoneInfo) -> str:
    """ "mardi 8 décembre, 10 h 00": a moment written out in full, as a clock shows it."""
    local = at.astimezone(tz)
    day = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"
    return f"{day}, {local.hour} h {local.minute:02d}"
