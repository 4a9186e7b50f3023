"""SMS rules the fake applies as Twilio does for France: recipients, senders and segments.

Segments matter to a hotline because each one is billed, and a single "’" or "ê" switches the
whole message from GSM-7 (160 characters) to UCS-2 (70), so tests assert `num_segments`.
"""

from __future__ import annotations

import math
import re

from hotline.emulator.twiml_rules import E164

# French numbers that cannot receive SMS: geographic landlines (01–05), 09 (VoIP boxes) and
# 08 (special-rate services). Twilio refuses them with error 21614.
FRENCH_NOT_MOBILE = re.compile(r"^\+33[1-589]\d{8}$")
# One-way alphanumeric sender ID: up to 11 of A–Z a–z 0–9 space - + _ &, not all digits.
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 +_&-]{1,11}$")
MAX_BODY_CHARACTERS = 1600

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table characters: each takes two septets (an escape, then the character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(body: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in body)


def encoding(body: str) -> str:
    """ "GSM-7" when every character fits the GSM alphabet, else "UCS-2"."""
    return "GSM-7" if is_gsm7(body) else "UCS-2"


def segments(body: str) -> int:
    """How many SMS parts Twilio bills for this body (concatenated parts carry a header)."""
    if is_gsm7(body):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in body)
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    return 1 if units <= single else math.ceil(units / part)


def is_mobile_reachable(number: str) -> bool:
    """False for the French numbers an SMS cannot reach (Twilio error 21614)."""
    return not FRENCH_NOT_MOBILE.match(number)


def sends_sms_in_france(sender: str) -> bool:
    """False for a French number that cannot send SMS (a landline, 09, 08): error 21606.

    Twilio's French numbers that send SMS are mobiles; A2P traffic uses an alphanumeric
    sender ID or a messaging service (twilio.com/en/guidelines/fr/sms).
    """
    return not FRENCH_NOT_MOBILE.match(sender)


def valid_sender(sender: str) -> bool:
    """An E.164 number or an alphanumeric sender ID (the form French A2P traffic must use)."""
    return bool(E164.match(sender) or ALPHANUMERIC_SENDER.match(sender))
