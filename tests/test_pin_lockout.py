"""The phone PIN locks out progressively, counts outlive the window, coordinators hear of it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from hotline import accounts
from hotline.emulator import ScriptedCaller
from hotline.extensions import redis_store
from tests.callback_helpers import staff
from tests.inbound_helpers import AMINA, DEMO_NUMBER, fr

pytestmark = pytest.mark.usefixtures("demo")
PIN = "2468"


@pytest.fixture(autouse=True)
def amina_has_a_pin(session: Any, demo: Any) -> None:
    redis_store.connection.flushdb()
    accounts.set_pin(staff(session), PIN)
    session.commit()


def staff_call(emulator: Any, keys: str) -> Any:
    return emulator.place_call(AMINA, DEMO_NUMBER, ScriptedCaller(keys))


def five_wrong_pins(emulator: Any) -> None:
    staff_call(emulator, "1111# 9999# 1357#")
    staff_call(emulator, "1112# 9998#")


def opens_the_menu(emulator: Any) -> bool:
    return staff_call(emulator, f"{PIN}# hangup").heard_contains(fr("staff_menu"))


def test_each_lock_lasts_twice_as_long_as_the_one_before(emulator: Any, clock: Any) -> None:
    five_wrong_pins(emulator)
    clock.instant += timedelta(minutes=16)  # the first lock (15 min) is over
    five_wrong_pins(emulator)  # a window later: counted on top, not from zero
    clock.instant += timedelta(minutes=16)
    assert staff_call(emulator, f"{PIN}# 1").heard[-1] == fr("staff_pin_refused")
    clock.instant += timedelta(minutes=15)  # 31 minutes after the second lock
    assert opens_the_menu(emulator)


def test_a_good_pin_clears_the_count(emulator: Any, clock: Any) -> None:
    five_wrong_pins(emulator)
    clock.instant += timedelta(minutes=16)
    assert opens_the_menu(emulator)
    staff_call(emulator, "1111# 9999# 1357#")  # three mistakes: not five since the good one
    assert opens_the_menu(emulator)


def test_a_six_digit_pin_opens_the_menu(emulator: Any, session: Any) -> None:
    accounts.set_pin(staff(session), "472915")
    session.commit()
    log = staff_call(emulator, "472915# hangup")
    assert log.heard_contains(fr("staff_menu"))


def test_the_coordinator_sees_the_lock_and_the_log_names_no_number(
    emulator: Any, sign_in: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hotline.pin_lockout"):
        five_wrong_pins(emulator)
    locks = [r.getMessage() for r in caplog.records if r.name == "hotline.pin_lockout"]
    assert len(locks) == 1
    assert "locked" in locks[0]
    assert "600000001" not in locks[0]

    page = sign_in("sophie").get("/queue").get_data(as_text=True)
    assert "Codes du menu téléphonique bloqués" in page
    assert "Amina Diallo : 5 codes erronés" in page
    assert "600000001" not in page
    assert "00 00 00 01" not in page

    not_for_staff = sign_in("karim").get("/queue").get_data(as_text=True)
    assert "Codes du menu téléphonique bloqués" not in not_for_staff
