"""A series' recurrence for people: the weekly form's fields ⇄ an RFC 5545 RRULE, and the rule
said in plain French ("chaque lundi à 10 h", "un jeudi sur deux à 14 h 30").

Coordinators never type an RRULE: the dashboard's form picks weekdays and "every N weeks" and
`weekly_rule` writes the rule; a richer rule from the structure file (monthly, "le premier
lundi") is still shown in words by `describe`, and kept as is when the form is saved without
touching the days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulestr

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"}
MAX_INTERVAL_WEEKS = 4


@dataclass(frozen=True)
class Weekly:
    """What the simple form edits: the weekdays (0 = lundi) and every how many weeks."""

    days: tuple[int, ...]
    interval: int = 1


def weekly_rule(days: list[int] | tuple[int, ...], interval: int = 1) -> str:
    """ "FREQ=WEEKLY;BYDAY=MO,TH", with INTERVAL only when not every week."""
    chosen = sorted({d for d in days if 0 <= d < 7})
    if not chosen:
        raise ValueError("Choisissez au moins un jour de la semaine.")
    if not 1 <= interval <= MAX_INTERVAL_WEEKS:
        raise ValueError(f"Toutes les 1 à {MAX_INTERVAL_WEEKS} semaines seulement.")
    every = f";INTERVAL={interval}" if interval > 1 else ""
    return f"FREQ=WEEKLY{every};BYDAY={','.join(DAY_CODES[d] for d in chosen)}"


def _parsed(rule: str, first_day: date | None = None) -> rrule | None:
    """The rule as dateutil reads it; a rule without BYDAY takes the first day's weekday."""
    start = datetime.combine(first_day or date(2026, 1, 5), time())
    try:
        parsed = rrulestr(rule.strip().upper(), dtstart=start)
    except (ValueError, TypeError):
        return None
    return parsed if isinstance(parsed, rrule) else None


def as_weekly(rule: str, first_day: date | None = None) -> Weekly | None:
    """The form's fields for a plain weekly rule; None when the rule says more than that."""
    parsed = _parsed(rule, first_day)
    if parsed is None or parsed._freq != WEEKLY:
        return None
    extra = (parsed._count, parsed._until, parsed._bysetpos, parsed._bynweekday)
    if any(extra) or parsed._bymonth or parsed._bymonthday or parsed._byyearday:
        return None
    if parsed._interval > MAX_INTERVAL_WEEKS:
        return None
    return Weekly(tuple(sorted(parsed._byweekday or ())), parsed._interval)


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1]


def clock(at: time) -> str:
    """ "10 h", "14 h 30"."""
    return f"{at.hour} h {at.minute:02d}" if at.minute else f"{at.hour} h"


def describe(rule: str, start_time: time, first_day: date | None = None) -> str:
    """The rule in plain French, with the time: what the series list and form show."""
    parsed = _parsed(rule, first_day)
    if parsed is None:
        return f"règle non reconnue ({rule})"
    at = f"à {clock(start_time)}"
    words = _frequency(parsed)
    if words is None:
        return f"selon la règle {rule} {at}"
    if parsed._count:
        words += f" ({parsed._count} fois)"
    return f"{words} {at}"


def _frequency(parsed: rrule) -> str | None:
    interval = parsed._interval
    if parsed._freq == DAILY:
        return "chaque jour" if interval == 1 else f"tous les {interval} jours"
    if parsed._freq == WEEKLY:
        days = _list([DAY_NAMES[d] for d in sorted(parsed._byweekday or ())])
        if interval == 1:
            return f"chaque {days}"
        if interval == 2:
            return f"un {days} sur deux"
        return f"un {days} toutes les {interval} semaines"
    if parsed._freq == MONTHLY:
        month = "chaque mois" if interval == 1 else f"tous les {interval} mois"
        if parsed._bynweekday:
            parts = [f"le {ORDINALS.get(n, f'{n}e')} {DAY_NAMES[d]}" for d, n in parsed._bynweekday]
            return f"{_list(parts)} du mois" if interval == 1 else f"{_list(parts)}, {month}"
        if parsed._bymonthday:
            days = _list([("1er" if d == 1 else str(d)) for d in sorted(parsed._bymonthday)])
            return f"{month}, le {days}"
        return month
    return None
