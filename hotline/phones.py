"""Phone numbers: reading them as people write them, and what we may do with one.

One place for the rules every part applies to a number: a structure file's staff phone, a
caller's `From`, a number typed in the dashboard. Parsing is `phonenumbers`' (overseas
departments included); what is ours to decide is written here: premium-rate numbers are never
dialled, a withheld number is never called back, and an SMS goes only to a mobile.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# What Twilio puts in `From` when the caller withholds their number.
WITHHELD = frozenset(
    {
        "+266696687",
        "+7378742833",
        "+2562533",
        "+8656696",
        "anonymous",
        "restricted",
        "unknown",
        "private",
        "",
    }
)
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)

# phonenumbers ignores trailing junk ("0612345678x" parses); a typo must not pass silently.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 .()/-]+")


def read_phone(raw: str) -> str:
    """A phone number as written in France ("06 12…", "+33 6…", "0033 6…") → E.164.

    Premium-rate numbers are refused: the hotline dials staff and calls people back, and
    must never run up a surcharged call.
    """
    text = raw.strip()
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise ValueError(
            f"{raw!r} is not a phone number: use digits, spaces, dots or dashes, "
            "and + for an international prefix"
        )
    try:
        number = phonenumbers.parse(text, "FR")
    except NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        hint = ""
        if text.startswith("0") and not text.startswith("00"):
            hint = " (an overseas number needs its international prefix, e.g. +262 692 …)"
        raise ValueError(f"{raw!r} is not a valid phone number{hint}")
    if phonenumbers.number_type(number) == PhoneNumberType.PREMIUM_RATE:
        raise ValueError(f"{raw!r} is a premium-rate number, which the hotline must not dial")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# Overseas departments and collectivities whose numbers are written "0692 …" at home: the
# same national format as mainland France, but another country code (+262, +590…).
OVERSEAS_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")


def read_any_french_phone(raw: str) -> str:
    """`read_phone`, and a number written the overseas way ("0692 12 34 56" → +262 692…).

    A coordinator in La Réunion types her people's numbers as they are written there; the
    mainland reading refuses them, so each overseas region is tried in turn (the first that
    finds a valid number wins: their national prefixes do not overlap in practice).
    """
    try:
        return read_phone(raw)
    except ValueError as error:
        text = raw.strip()
        if not (text.startswith("0") and not text.startswith("00")):
            raise
        for region in OVERSEAS_REGIONS:
            try:
                number = phonenumbers.parse(text, region)
            except NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return read_phone(phonenumbers.format_number(number, PhoneNumberFormat.E164))
        raise error


def callable_e164(raw: str) -> str | None:
    """The number in E.164 if we may ring it: shown, valid and not premium-rate; else None."""
    if raw.strip().lower() in WITHHELD:
        return None
    try:
        return read_phone(raw)
    except ValueError:
        return None


def is_mobile(e164: str) -> bool:
    """Whether an SMS can reach this number (a landline would swallow it)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.number_type(number) in _MOBILE


def masked(e164: str) -> str:
    """Enough to recognise a number ("+33 6 •• •• •• 78"), not enough to copy it."""
    if len(e164) < 6:
        return "••"
    return f"{e164[:3]} {e164[3]} •• •• •• {e164[-2:]}"
