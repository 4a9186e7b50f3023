"""Which call a webhook belongs to, and the structure fixed for that call.

A call's first webhook (`/voice/incoming`) attributes it to a structure by the number
called and writes its row; every later hop loads that row by CallSid (a staff leg by its
parent's) and keeps the structure written there, so a call never changes structure halfway,
and a hop costs one SELECT instead of an INSERT and two SELECTs.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, request
from sqlalchemy.orm import Session

from hotline import calls
from hotline.calls import driver
from hotline.directory import StructureInfo, directory
from hotline.models import Call
from hotline.models.calls import PROVIDER_ADDRESS, is_storable_sid
from hotline.voice.render import Voice
from hotline.voice.scripts_cache import script_named


def is_staff_leg() -> bool:
    """A leg our own <Dial> placed from a caller's call (a staff phone ringing)."""
    return request.form.get("Direction", "") == "outbound-dial"


def call_sid() -> str:
    """The caller's call this webhook is about: on a staff leg, the parent call.

    Missing, blank or longer than the column: 400, and no row written under it. Twilio never
    sends one (34 characters); PostgreSQL would refuse the row, SQLite would keep a blank one.
    """
    parent = request.form.get("ParentCallSid", "") if is_staff_leg() else ""
    sid = parent or request.form["CallSid"]
    if not is_storable_sid(sid):
        abort(400, description="CallSid blank or longer than any provider's")
    return sid


def our_number() -> str:
    """Our number on this leg: the one called, or our caller ID on a leg we placed."""
    placed_by_us = request.form.get("Direction", "").startswith("outbound")
    return request.form.get("From" if placed_by_us else "To", "")


def structure_by_number(session: Session) -> StructureInfo | None:
    """How a call's first webhook attributes it: the structure that owns our number."""
    return directory().by_number(session, our_number())


def call_structure(session: Session, call: Call | None) -> StructureInfo | None:
    """The structure of this call: the one fixed on its row, else the owner of our number.

    Without a row (the first webhook, a leg placed for a callback or a call whose first
    webhook never got recorded) the number on our side of the leg decides.
    """
    if call is not None and call.structure_id is not None:
        return directory().by_id(session, call.structure_id)
    return structure_by_number(session)


def structure_of_this_call(session: Session) -> StructureInfo | None:
    """The structure of the call this webhook is about (see `call_structure`)."""
    return call_structure(session, calls.find_call_or_none(session, call_sid()))


def start_call(session: Session, structure: StructureInfo, now: datetime) -> Call:
    """Write the call's row, as its first webhook does (a retried one finds it there).

    An address longer than any Twilio sends (a SIP URI fits) is cut to the column's length:
    PostgreSQL refuses the whole row otherwise, and the caller would hear the apology.
    """
    caller = "" if is_staff_leg() else request.form.get("From", "")
    number = our_number()[:PROVIDER_ADDRESS]
    return driver.open_call(
        session, call_sid(), structure.id, caller[:PROVIDER_ADDRESS], number, now
    )


def load_call(
    session: Session, now: datetime, with_busy: bool = False
) -> tuple[Call, StructureInfo, set[int] | None] | None:
    """This call's row, its structure, and with `with_busy` the staff on the phone when they
    came in the same round trip (None: ask if needed); None when no structure owns the call.

    A hop for a call we never recorded (its first webhook failed, then the caller left a
    message through the apology) writes the row then, as the first webhook would have.
    """
    guess = structure_by_number(session) if with_busy else None  # the row's, nearly always
    asked = (guess, now) if guess is not None else None
    call, busy = driver.find_call(session, call_sid(), asked)
    structure = call_structure(session, call)
    if structure is None:
        return None
    return call or start_call(session, structure, now), structure, busy


def voice_for(structure: StructureInfo, lang: str | None = None) -> Voice:
    """The structure's script in `lang` if it speaks it, else its default language.

    Staff always hear the default language (lang None), as in the whisper.
    """
    chosen = lang if lang in structure.languages else structure.default_language
    script = script_named(structure.script)
    return Voice(script, chosen, structure, current_app.config["PUBLIC_BASE_URL"])


def call_voice(session: Session) -> Voice:
    """The voice of the call this webhook is about, or the default one if that fails.

    For answers that must be spoken whatever broke (an apology, a goodbye on an unknown
    attempt): finding the structure may fail with the database itself.
    """
    try:
        structure = structure_of_this_call(session)
    except Exception:
        session.rollback()
        structure = None
    if structure is None:
        return default_voice()
    return voice_for(structure, request.args.get("lang"))


def default_voice() -> Voice:
    """For a number no structure owns, or when finding the structure is what failed."""
    return Voice(script_named("default"), "fr")
