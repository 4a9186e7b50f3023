"""Staff secrets: scrypt hashes, password and PIN rules, and throttled checks on real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline import accounts, config
from hotline.extensions import redis_store
from hotline.models import Staff
from tests import factories

GOOD_PASSWORD = "cheval-agrafe-batterie"
AMINA = "amina@demo.example"
# Written by our own scrypt code before Werkzeug's hashing: GOOD_PASSWORD and the PIN 4829.
OLD_PASSWORD_HASH = (
    "scrypt$16384$8$1$TJ8xoOlLP+Bwj+QMKoDhEg==$w3sWJ8NVjbQAIikbWb8zXr7XC+bWtHsPcXJCx3m+4LY="
)
OLD_PIN_HASH = (
    "scrypt$16384$8$1$owC5C9I/cupH1QzStGcKSA==$fGI4WiL45OdCQaJMVfUQAaIEIJ5RpShpUNJW0rWbmNY="
)


@pytest.fixture(autouse=True)
def _fresh_throttle(app: Any) -> Iterator[None]:
    """Failures counted by another test (same Redis, same clock) must not leak in or out."""

    def clear() -> None:
        connection = redis_store.connection
        for key in connection.scan_iter("hotline:throttle:*"):
            connection.delete(key)

    clear()
    yield
    clear()


def _staff(session: Any, key: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.key == key))
    assert staff is not None
    return staff


@pytest.fixture
def amina(demo: Any, session: Any) -> Staff:
    staff = factories.give_password(_staff(session, "amina"), GOOD_PASSWORD)
    session.commit()
    return staff


def _login(session: Any, clock: Any, email: str, password: str, addr: str = "192.0.2.1") -> Any:
    return accounts.authenticate(
        session, email=email, password=password, now=clock(), remote_addr=addr
    )


# --- hashing -------------------------------------------------------------------------------


def test_a_hash_verifies_its_secret_and_nothing_else() -> None:
    hashed = accounts.hash_secret("correct horse")
    assert accounts.verify_secret(hashed, "correct horse")
    assert not accounts.verify_secret(hashed, "correct horsE")
    assert not accounts.verify_secret(hashed, "")


def test_a_hash_carries_its_parameters_and_a_fresh_salt() -> None:
    first, second = accounts.hash_secret("same"), accounts.hash_secret("same")
    method, salt, _key = first.split("$")
    assert method.split(":")[0] == "scrypt"
    assert len(salt) >= 16
    assert first != second  # salted: equal passwords do not show as equal hashes
    assert "same" not in first
    assert not accounts.needs_rehash(first)


def test_an_old_format_hash_still_verifies_and_asks_to_be_replaced() -> None:
    assert accounts.verify_secret(OLD_PASSWORD_HASH, GOOD_PASSWORD)
    assert not accounts.verify_secret(OLD_PASSWORD_HASH, GOOD_PASSWORD.upper())
    assert accounts.needs_rehash(OLD_PASSWORD_HASH)


@pytest.mark.parametrize(
    "hashed",
    [
        "",
        "plain-text",
        "scrypt$16384$8$1$!!$!!",
        "md5$1$1$1$AAAA$AAAA",
        "scrypt$x$8$1$a$b",
        "scrypt$4194304$8$1$AAAA$AAAA",  # a cost that would exhaust the machine
        "scrypt:x:8:1$salt$00",
        "md5$salt$00",
    ],
)
def test_a_malformed_hash_never_matches(hashed: str) -> None:
    assert not accounts.verify_secret(hashed, "anything")


# --- login ---------------------------------------------------------------------------------


def test_an_old_format_password_signs_in_and_is_rehashed(
    demo: Any, session: Any, clock: Any
) -> None:
    staff = _staff(session, "amina")
    staff.password_hash = OLD_PASSWORD_HASH
    session.commit()
    assert _login(session, clock, AMINA, GOOD_PASSWORD) == staff
    assert staff.password_hash is not None
    assert not accounts.needs_rehash(staff.password_hash)
    assert accounts.verify_secret(staff.password_hash, GOOD_PASSWORD)


def test_a_wrong_password_leaves_an_old_format_hash_alone(
    demo: Any, session: Any, clock: Any
) -> None:
    staff = _staff(session, "amina")
    staff.password_hash = OLD_PASSWORD_HASH
    session.commit()
    assert _login(session, clock, AMINA, "pas-le-bon-mot") is None
    assert staff.password_hash == OLD_PASSWORD_HASH


def test_the_right_password_signs_in_whatever_the_email_case(
    amina: Staff, session: Any, clock: Any
) -> None:
    assert _login(session, clock, AMINA, GOOD_PASSWORD) == amina
    assert _login(session, clock, "  Amina@Demo.Example ", GOOD_PASSWORD) == amina


@pytest.mark.parametrize(
    ("email", "password"),
    [(AMINA, "cheval-agrafe-batteriE"), ("nobody@demo.example", GOOD_PASSWORD), ("", "")],
)
def test_a_wrong_email_or_password_is_refused(
    amina: Staff, session: Any, clock: Any, email: str, password: str
) -> None:
    assert _login(session, clock, email, password) is None


def test_an_inactive_or_passwordless_account_cannot_sign_in(
    amina: Staff, session: Any, clock: Any
) -> None:
    assert _login(session, clock, "karim@demo.example", "") is None  # never given a password
    amina.active = False
    session.commit()
    assert _login(session, clock, AMINA, GOOD_PASSWORD) is None


def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    amina: Staff, session: Any, clock: Any
) -> None:
    for _ in range(5):
        assert _login(session, clock, AMINA, "not-the-password") is None
    with pytest.raises(accounts.TooManyAttempts) as refused:
        _login(session, clock, AMINA, GOOD_PASSWORD, addr="198.51.100.7")
    assert 0 < refused.value.retry_after_seconds <= 15 * 60
    assert refused.value.retry_after_minutes == 15


def test_failures_are_counted_per_email(amina: Staff, session: Any, clock: Any) -> None:
    sophie = _staff(session, "sophie")
    accounts.set_password(sophie, GOOD_PASSWORD)
    session.commit()
    for _ in range(5):
        _login(session, clock, AMINA, "not-the-password")
    assert _login(session, clock, "sophie@demo.example", GOOD_PASSWORD) == sophie


def test_the_block_lifts_when_the_window_has_passed(amina: Staff, session: Any, clock: Any) -> None:
    for minute in range(5):
        clock.instant += timedelta(minutes=minute)
        _login(session, clock, AMINA, "not-the-password")
    with pytest.raises(accounts.TooManyAttempts) as refused:
        _login(session, clock, AMINA, GOOD_PASSWORD)
    # Failures at 0, 1, 3, 6 and 10 min: the one at 0 leaves the 15-min window at 15 min.
    assert refused.value.retry_after_seconds == 5 * 60
    clock.instant += timedelta(minutes=5, seconds=-1)
    with pytest.raises(accounts.TooManyAttempts):
        _login(session, clock, AMINA, GOOD_PASSWORD)
    clock.instant += timedelta(seconds=1)
    assert _login(session, clock, AMINA, GOOD_PASSWORD) == amina


def test_the_counter_keys_expire_and_never_show_the_email(
    amina: Staff, session: Any, clock: Any
) -> None:
    _login(session, clock, AMINA, "not-the-password", addr="203.0.113.9")
    connection = redis_store.connection
    keys = [key.decode() for key in connection.scan_iter("hotline:throttle:*")]
    assert len(keys) == 2  # one for the email, one for the address
    for key in keys:
        assert "amina" not in key
        assert "203.0.113.9" not in key
        assert 0 < connection.ttl(key) <= 15 * 60  # Redis forgets them by itself
    for key in keys:
        connection.delete(key)  # as if the TTL had run out
    for _ in range(5):
        _login(session, clock, AMINA, "not-the-password")
    with pytest.raises(accounts.TooManyAttempts):
        _login(session, clock, AMINA, GOOD_PASSWORD)


def test_a_success_forgets_the_earlier_failures_of_that_email(
    amina: Staff, session: Any, clock: Any
) -> None:
    for _ in range(4):
        _login(session, clock, AMINA, "not-the-password")
    assert _login(session, clock, AMINA, GOOD_PASSWORD) == amina
    for _ in range(4):
        _login(session, clock, AMINA, "not-the-password")
    assert _login(session, clock, AMINA, GOOD_PASSWORD) == amina


def test_one_address_trying_many_emails_is_stopped_after_twenty(
    amina: Staff, session: Any, clock: Any
) -> None:
    for number in range(20):
        _login(session, clock, f"guess{number}@demo.example", "x", addr="192.0.2.66")
    with pytest.raises(accounts.TooManyAttempts):
        _login(session, clock, AMINA, GOOD_PASSWORD, addr="192.0.2.66")
    assert _login(session, clock, AMINA, GOOD_PASSWORD, addr="192.0.2.67") == amina


# --- password and PIN rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["court", "azertyuiop", "MotDePasse123", "aaaaaaaaaaaa", "Amina-2026!!", "diallo12345"],
)
def test_weak_passwords_are_refused_in_french(demo: Any, session: Any, password: str) -> None:
    staff = _staff(session, "amina")
    with pytest.raises(accounts.WeakSecret, match="mot de passe"):
        accounts.set_password(staff, password)
    assert staff.password_hash is None


def test_a_generated_password_is_accepted_and_long(demo: Any, session: Any) -> None:
    staff = _staff(session, "amina")
    password = accounts.generate_password()
    assert len(password) == 16
    accounts.set_password(staff, password)
    assert staff.password_hash
    assert accounts.verify_secret(staff.password_hash, password)


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "0000", "1234", "98765", "0001"])
def test_obvious_or_malformed_pins_are_refused(demo: Any, session: Any, pin: str) -> None:
    staff = _staff(session, "amina")  # her phone ends in 0001
    with pytest.raises(accounts.WeakSecret):
        accounts.set_pin(staff, pin)


@pytest.fixture
def amina_pin(demo: Any, session: Any) -> Staff:
    staff = factories.give_pin(_staff(session, "amina"), "4829")
    session.commit()
    return staff


def _pin(
    session: Any,
    structure_id: int,
    phone: str,
    pin: str,
    remote: str | None = None,
    now: Any = None,
) -> Staff | None:
    return accounts.verify_staff_pin(
        session,
        structure_id=structure_id,
        phone_e164=phone,
        pin=pin,
        remote_key=phone if remote is None else remote,
        now=now,
    )


def test_the_pin_opens_the_menu_for_that_phone_and_structure_only(
    amina_pin: Staff, session: Any
) -> None:
    phone, structure_id = amina_pin.phone_e164, amina_pin.structure_id
    assert _pin(session, structure_id, phone, "4829") == amina_pin
    assert _pin(session, structure_id, phone, "4828") is None
    assert _pin(session, structure_id + 1, phone, "4829") is None
    assert _pin(session, structure_id, "+33600000002", "4829", "x") is None


def test_an_old_format_pin_opens_the_menu_and_is_rehashed(demo: Any, session: Any) -> None:
    staff = _staff(session, "amina")
    staff.pin_hash = OLD_PIN_HASH
    session.commit()
    assert _pin(session, staff.structure_id, staff.phone_e164, "4829") == staff
    assert staff.pin_hash is not None
    assert not accounts.needs_rehash(staff.pin_hash)


def test_pin_guessing_is_throttled_per_phone(amina_pin: Staff, session: Any, clock: Any) -> None:
    phone, structure_id = amina_pin.phone_e164, amina_pin.structure_id
    for guess in ("1111", "2222", "3333", "4444", "5555"):
        _pin(session, structure_id, phone, guess, f"call-{guess}", clock())
    with pytest.raises(accounts.TooManyAttempts):
        _pin(session, structure_id, phone, "4829", "call-new", clock())
    clock.instant += timedelta(minutes=16)
    assert _pin(session, structure_id, phone, "4829", "x", clock()) == amina_pin


def test_outside_the_tests_hashes_use_werkzeugs_default_cost(tmp_path: Any) -> None:
    settings = config.environment_settings(tmp_path, {"HOTLINE_ENV": "development"})
    assert settings["PASSWORD_HASH_METHOD"] == "scrypt"  # the tests' cheap cost is theirs only
