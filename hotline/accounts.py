"""Staff accounts: secrets hashed with scrypt, login and PIN checks with throttling.

Passwords (dashboard) and PINs (staff phone menu) are hashed by Werkzeug (scrypt, its
parameters stored in the hash, so its default cost can rise without breaking old hashes).
Hashes written before, as "scrypt$n$r$p$salt_b64$hash_b64" by our own code, still verify
and are replaced by Werkzeug's on the next successful check. Failed attempts are counted in
Redis over a sliding window measured with the app's clock; the keys hold a keyed hash of the
email, phone or address, never the value itself, so a Redis dump reveals nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hotline import clock
from hotline.extensions import redis_store
from hotline.models import Staff

LEGACY_PREFIX = "scrypt$"  # our own format, before Werkzeug's "scrypt:n:r:p$salt$hash"
_MAX_MEMORY = 64 * 1024 * 1024
_MAX_N = 2**20  # refuse stored parameters that would make one check exhaust the machine

MIN_PASSWORD_LENGTH = 10
PIN_PATTERN = re.compile(r"[0-9]{4,6}")
ROLES = ("staff", "coordinator", "admin")

# The passwords people reach for first; a 10-character minimum does not stop these.
_COMMON_PASSWORDS = frozenset(
    {
        "motdepasse",
        "motdepasse1",
        "motdepasse123",
        "azertyuiop",
        "azertyuiop1",
        "azerty1234",
        "azerty12345",
        "qwertyuiop",
        "qwerty1234",
        "password",
        "password1",
        "password123",
        "passw0rd123",
        "0123456789",
        "1234567890",
        "12345678910",
        "9876543210",
        "bonjour123",
        "bonjour1234",
        "soleil1234",
        "iloveyou12",
        "administrateur",
        "administrator",
        "changeme123",
        "hotline123",
        "hotline2025",
        "hotline2026",
        "permanence",
        "permanence1",
        "bienvenue1",
        "bienvenue123",
    }
)


class TooManyAttempts(Exception):
    """Too many failures lately: refuse even a good secret until `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed attempts; retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds

    @property
    def retry_after_minutes(self) -> int:
        """Whole minutes to wait, never 0, as the login page says it."""
        return max(1, math.ceil(self.retry_after_seconds / 60))


class WeakSecret(ValueError):
    """A password or PIN refused; the message is French, for the staff member."""


@dataclass(frozen=True)
class Limit:
    """At most `failures` failed attempts per `window_seconds` for one counter."""

    name: str
    failures: int
    window_seconds: int = 15 * 60


LOGIN_BY_EMAIL = Limit("login-email", 5)
LOGIN_BY_ADDRESS = Limit("login-addr", 20)
PIN_BY_PHONE = Limit("pin-phone", 5)
PIN_BY_REMOTE = Limit("pin-remote", 20)


# --- hashing -------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of `secret`, with its parameters, ready to store."""
    return generate_password_hash(secret, method=_hash_method())


def _hash_method() -> str:
    return str(current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt")


def verify_secret(hashed: str, secret: str) -> bool:
    """Whether `secret` matches `hashed` (either format); a malformed hash never matches.

    Both comparisons are constant-time, so the answer's timing says nothing.
    """
    if hashed.startswith(LEGACY_PREFIX):
        return _verify_legacy(hashed, secret)
    try:
        return check_password_hash(hashed, secret)
    except ValueError:  # an unknown method or malformed parameters
        return False


def needs_rehash(hashed: str) -> bool:
    """Whether a hash is in the old format, to be replaced once its secret is known."""
    return hashed.startswith(LEGACY_PREFIX)


def _verify_legacy(hashed: str, secret: str) -> bool:
    """Check a hash written as "scrypt$n$r$p$salt_b64$hash_b64" by the code before Werkzeug's."""
    try:
        _scheme, n_text, r_text, p_text, salt_b64, key_b64 = hashed.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(key_b64)
    except ValueError:
        return False
    if not (1 < n <= _MAX_N) or not expected:
        return False
    try:
        key = hashlib.scrypt(
            secret.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            maxmem=_MAX_MEMORY,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(key, expected)


def _decoy_hash() -> str:
    """Checked when no account matches, so an unknown email takes as long as a known one."""
    return _decoy_hash_for(_hash_method())


@cache
def _decoy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


# --- throttling ----------------------------------------------------------------------------


def _pseudonym(value: str) -> str:
    """A keyed SHA-256 of an email, phone or address: stable, but not reversible by guessing."""
    secret = str(current_app.config.get("SECRET_KEY") or "hotline").encode("utf-8")
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _key(limit: Limit, value: str) -> str:
    return f"hotline:throttle:{limit.name}:{_pseudonym(value)}"


def _retry_after(limit: Limit, value: str, now: datetime) -> int | None:
    """Seconds until a new attempt is allowed, or None if it is allowed now."""
    connection, key, instant = redis_store.connection, _key(limit, value), now.timestamp()
    connection.zremrangebyscore(key, "-inf", instant - limit.window_seconds)
    pairs = cast(list[tuple[bytes, float]], connection.zrange(key, 0, -1, withscores=True))
    scores = [float(score) for _member, score in pairs]
    if len(scores) < limit.failures:
        return None
    # Allowed again once enough old failures leave the window to drop below the limit.
    freed_at = scores[len(scores) - limit.failures] + limit.window_seconds
    return max(1, math.ceil(freed_at - instant))


def _check(limits: list[tuple[Limit, str]], now: datetime) -> None:
    waits = [_retry_after(limit, value, now) for limit, value in limits]
    longest = max((wait for wait in waits if wait is not None), default=None)
    if longest is not None:
        raise TooManyAttempts(longest)


def _record_failure(limits: list[tuple[Limit, str]], now: datetime) -> None:
    pipe = redis_store.connection.pipeline()
    for limit, value in limits:
        key = _key(limit, value)
        pipe.zadd(key, {f"{now.timestamp()}:{secrets.token_hex(4)}": now.timestamp()})
        pipe.expire(key, limit.window_seconds)
    pipe.execute()


def _forget(limit: Limit, value: str) -> None:
    redis_store.connection.delete(_key(limit, value))


# --- dashboard login -----------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _staff_by_email(session: Session, email: str) -> Staff | None:
    rows = session.scalars(select(Staff).where(func.lower(Staff.email) == email)).all()
    return rows[0] if len(rows) == 1 else None


def authenticate(
    session: Session, *, email: str, password: str, now: datetime, remote_addr: str
) -> Staff | None:
    """The active staff member with this email and password, or None.

    Raises `TooManyAttempts` after 5 failures for the email or 20 for the address
    within 15 minutes, even when the password is right: otherwise the refusal
    would itself confirm a guessed password. An old-format hash is replaced (the
    caller commits).
    """
    email = normalise_email(email)
    limits = [(LOGIN_BY_EMAIL, email), (LOGIN_BY_ADDRESS, remote_addr or "unknown")]
    _check(limits, now)
    staff = _staff_by_email(session, email) if email else None
    hashed = staff.password_hash if staff is not None and staff.active else None
    matches = verify_secret(hashed or _decoy_hash(), password)
    if staff is None or hashed is None or not matches:
        _record_failure(limits, now)
        return None
    _forget(LOGIN_BY_EMAIL, email)
    if needs_rehash(hashed):
        staff.password_hash = hash_secret(password)
    return staff


def check_password(staff: Staff, password: str) -> None:
    """Raise `WeakSecret` for a password too short or too easy to guess."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakSecret(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    personal = {staff.key.lower(), *staff.name.lower().split()}
    if staff.email:
        personal.add(staff.email.lower().split("@")[0])
    if (
        lowered in _COMMON_PASSWORDS
        or len(set(password)) < 4
        or (letters and letters in {p for p in personal if len(p) >= 3})
    ):
        raise WeakSecret(
            "Ce mot de passe est trop facile à deviner. "
            "Choisissez par exemple trois ou quatre mots sans rapport entre eux."
        )


def set_password(staff: Staff, password: str) -> None:
    """Check and store a new password (the caller commits)."""
    check_password(staff, password)
    staff.password_hash = hash_secret(password)
    staff.session_version = (staff.session_version or 0) + 1  # signs every browser out


def generate_password() -> str:
    """A 16-character one-time password from `secrets`, without look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(16))
        if len(set(candidate)) >= 8:
            return candidate


# --- staff phone menu PIN ------------------------------------------------------------------


def _is_sequence(digits: str) -> bool:
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:], strict=False)}
    return steps in ({1}, {-1}, {0})


def check_pin(staff: Staff, pin: str) -> None:
    """Raise `WeakSecret` unless `pin` is 4 to 6 digits and not an obvious one."""
    if not PIN_PATTERN.fullmatch(pin):
        raise WeakSecret("Le code doit compter de 4 à 6 chiffres.")
    if _is_sequence(pin) or staff.phone_e164.endswith(pin):
        raise WeakSecret(
            "Ce code est trop facile à deviner (suite de chiffres, chiffres répétés "
            "ou fin de votre numéro). Choisissez-en un autre."
        )


def set_pin(staff: Staff, pin: str) -> None:
    """Check and store the PIN of the staff phone menu (the caller commits)."""
    check_pin(staff, pin)
    staff.pin_hash = hash_secret(pin)


def verify_staff_pin(
    session: Session,
    *,
    structure_id: int,
    phone_e164: str,
    pin: str,
    remote_key: str,
    now: datetime | None = None,
) -> Staff | None:
    """The active staff member of this structure calling from `phone_e164` with this PIN.

    Throttled like the login, per phone and per `remote_key` (what the caller
    controls, such as the calling number): a 4-digit PIN falls to guessing otherwise.
    An old-format hash is replaced (the caller commits).
    """
    now = now or clock.now()
    limits = [(PIN_BY_PHONE, phone_e164), (PIN_BY_REMOTE, remote_key or "unknown")]
    _check(limits, now)
    staff = session.scalars(
        select(Staff).where(
            Staff.structure_id == structure_id,
            Staff.phone_e164 == phone_e164,
            Staff.active.is_(True),
            Staff.pin_hash.is_not(None),
        )
    ).first()
    from hotline import pin_lockout  # progressive: 15 min after 5 failures, then doubling

    phone_key, staff_id = _pseudonym(phone_e164), staff.id if staff else None
    wait = pin_lockout.locked_for(phone_key, staff_id, now)
    if wait is not None:
        raise TooManyAttempts(wait)
    matches = verify_secret(staff.pin_hash if staff and staff.pin_hash else _decoy_hash(), pin)
    if staff is None or not matches:
        _record_failure(limits, now)
        pin_lockout.record_failure(phone_key, staff, now)
        return None
    _forget(PIN_BY_PHONE, phone_e164)
    if staff.pin_hash is not None and needs_rehash(staff.pin_hash):
        staff.pin_hash = hash_secret(pin)
    pin_lockout.forget(phone_key, staff_id)
    return staff
