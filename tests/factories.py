"""Rows for tests, with sensible defaults: name only what the test is about.

Lookups (`structure`, `staff`, `theme`, `person`) find the demo's rows by key; makers
(`make_callback`, `make_call`, ...) add a row and flush it, so it has an id and the caller
decides when to commit. The passwords and PINs fixtures give staff are hashed once per run,
and cheaply (see `_hashed`): sign-ins are the suite's most frequent step.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from hotline import accounts
from hotline.models import (
    Call,
    Callback,
    CallbackSource,
    CallbackStatus,
    Person,
    Staff,
    Structure,
    Theme,
    Voicemail,
    VoicemailStatus,
)

CALLER = "+33612345678"  # a mobile
DEMO_NUMBER = "+33184880000"
PASSWORD = "trois-mots-sans-rapport"


# -- the demo's rows, by key -------------------------------------------------------------------


def structure(session: Session, slug: str = "demo") -> Structure:
    found = session.scalar(select(Structure).where(Structure.slug == slug))
    assert found is not None, f"no structure {slug!r}: does the test ask for `demo`?"
    return found


def staff(session: Session, key: str = "amina", slug: str = "demo") -> Staff:
    found = session.scalar(
        select(Staff).join(Structure).where(Staff.key == key, Structure.slug == slug)
    )
    assert found is not None, f"no staff member {key!r} in {slug!r}"
    return found


def theme(session: Session, key: str, slug: str = "demo") -> Theme:
    found = session.scalar(
        select(Theme).join(Structure).where(Theme.key == key, Structure.slug == slug)
    )
    assert found is not None, f"no theme {key!r} in {slug!r}"
    return found


def person(session: Session, key: str = "p-001") -> Person:
    found = session.scalar(select(Person).where(Person.key == key))
    assert found is not None, f"no person {key!r}"
    return found


# -- new rows, flushed -------------------------------------------------------------------------


def make_staff(
    session: Session,
    structure_id: int,
    key: str,
    *,
    phone: str,
    name: str | None = None,
    role: str = "staff",
) -> Staff:
    member = Staff(
        structure_id=structure_id, key=key, name=name or key.title(), phone_e164=phone, role=role
    )
    session.add(member)
    session.flush()
    return member


def make_person(session: Session, structure_id: int, key: str, **traits: Any) -> Person:
    """A person known to the structure; `traits` are columns (isolated=True, risk=3...)."""
    found = Person(structure_id=structure_id, key=key, **{"name": key.title(), **traits})
    session.add(found)
    session.flush()
    return found


def make_callback(
    session: Session,
    structure_id: int,
    created_at: datetime,
    *,
    phone: str = CALLER,
    source: CallbackSource = CallbackSource.MANUAL,
    person_id: int | None = None,
) -> Callback:
    """A waiting entry nobody has tried yet."""
    callback = Callback(
        structure_id=structure_id,
        source=source,
        status=CallbackStatus.WAITING,
        person_id=person_id,
        phone_e164=phone,
        created_at=created_at,
        attempts=0,
        version=0,
    )
    session.add(callback)
    session.flush()
    return callback


def make_call(
    session: Session,
    structure_id: int,
    started_at: datetime,
    *,
    sid: str = "a",
    from_: str = CALLER,
    to: str = DEMO_NUMBER,
    status: str = "completed",
    **values: Any,
) -> Call:
    """A call to the hotline; `sid` is one character, repeated into a Twilio-shaped CallSid."""
    call = Call(
        call_sid="CA" + sid * 32,
        structure_id=structure_id,
        from_e164=from_,
        to_e164=to,
        status=status,
        started_at=started_at,
        **values,
    )
    session.add(call)
    session.flush()
    return call


def make_voicemail(
    session: Session,
    call: Call,
    created_at: datetime,
    *,
    consent: bool,
    status: VoicemailStatus = VoicemailStatus.COMPLETED,
) -> Voicemail:
    voicemail = Voicemail(
        structure_id=call.structure_id,
        call_id=call.id,
        status=status,
        callback_consent=consent,
        created_at=created_at,
    )
    session.add(voicemail)
    session.flush()
    return voicemail


# -- secrets -----------------------------------------------------------------------------------


TEST_HASH_METHOD = "scrypt:1024:8:1"  # production hashes with Werkzeug's default scrypt cost


@cache
def _hashed(secret: str) -> str:
    """A real scrypt hash, made once per run and at a lower cost.

    `verify_secret` reads the cost from the stored hash, so signing in still checks the
    password the production way, only faster.
    """
    return generate_password_hash(secret, method=TEST_HASH_METHOD)


def give_password(member: Staff, password: str = PASSWORD) -> Staff:
    """What `accounts.set_password` does (the same checks), with the hash made once per run."""
    accounts.check_password(member, password)
    member.password_hash = _hashed(password)
    return member


def give_pin(member: Staff, pin: str) -> Staff:
    """What `accounts.set_pin` does (the same checks), with the hash made once per run."""
    accounts.check_pin(member, pin)
    member.pin_hash = _hashed(pin)
    return member
