"""What the callback webhooks and the staff phone menu say about one callback.

Who is called (theme and name, never the number), from which hotline number, in which voice,
and whether a caller may be rung right now.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline import callbacks, clock
from hotline.callbacks.hours import when_may_we_call
from hotline.directory import StructureInfo, directory
from hotline.models import Callback, CallbackAttempt, CallbackStatus, Person, Structure
from hotline.schedules import describe_moment
from hotline.telephony.context import voice_for
from hotline.voice.render import Voice


@dataclass(frozen=True)
class Bridge:
    """What a bridge webhook needs about one attempt, gathered with a few primary-key reads."""

    attempt: CallbackAttempt
    callback: Callback
    structure: StructureInfo
    voice: Voice

    @property
    def hotline_number(self) -> str:
        return callbacks.hotline_number(self.callback, self.structure)

    def who_is_called(self) -> tuple[str, str]:
        return who_is_called(self.voice, self.callback)

    @property
    def still_wanted(self) -> bool:
        """The staff member may still call: nobody recorded an outcome or ended the attempt."""
        return self.callback.status == CallbackStatus.CALLING and self.attempt.ended_at is None


def who_is_called(voice: Voice, callback: Callback) -> tuple[str, str]:
    """(theme label, person's name) as the staff member hears them; never the number."""
    structure = voice.structure
    themes = structure.themes if structure is not None else ()
    theme = next((t for t in themes if t.id == callback.theme_id), None)
    if callback.person is not None:
        person = callback.person.name
    else:
        person = voice.script.prompt(voice.lang, "callback_unknown_person").text
    return voice.theme_label(theme), person


def load_bridge(session: Session, attempt_id: int) -> Bridge | None:
    """The attempt and its callback as the database has them now (never a stale copy)."""
    attempt = session.get(CallbackAttempt, attempt_id, populate_existing=True)
    if attempt is None:
        return None
    callback = session.get_one(Callback, attempt.callback_id, populate_existing=True)
    structure = directory().by_id(session, callback.structure_id)
    if structure is None:
        raise LookupError("structure not in the directory")
    return Bridge(attempt, callback, structure, voice_for(structure))


def not_allowed_now(
    session: Session,
    structure: StructureInfo,
    voice: Voice,
    prefix: str,
    person: Person | None = None,
) -> tuple[str, dict[str, object]] | None:
    """None when a caller may be rung now; else the prompt saying when it will be possible.

    Checked again at the moment of dialling: the job may have waited in the queue, and a staff
    member may let the phone ring past the end of the allowed hours (or the person's own).
    """
    now = clock.now()
    window = when_may_we_call(session.get_one(Structure, structure.id), now, person)
    if window.open_now:
        return None
    if window.opens is None:
        return f"{prefix}_not_allowed_unknown", {}
    moment = describe_moment(window.opens, now, structure.tz, voice.script.moments[voice.lang])
    return f"{prefix}_not_allowed_now", {"moment": moment}
