"""The group-call pages in headless Chromium (issue 8): a coordinator sets up a weekly series
and sees it in plain French; the live page follows a running session without a reload and its
buttons steer the room through the gateway. Laptop and phone sizes, axe-core with no serious
or critical violation, screenshots kept in test-artifacts/ (group-*.png)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from hotline.emulator import Answers, Emulator, FakeTwilio, PhoneBook
from tests.callback_helpers import install_fake
from tests.dashboard_helpers import PASSWORD, give_password
from tests.group_helpers import GRACE, JEAN, follow_simulated_time, participant, start_now
from tests.inbound_helpers import CAMILLE
from tests.test_accessibility import SIZES, assert_accessible
from tests.test_browser import browser, served, snap  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.commits, pytest.mark.usefixtures("demo")]


def _sign_in(browser: Any, served_url: str, size: str, email: str) -> Any:  # noqa: F811
    page = browser.new_context(viewport=SIZES[size]).new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    page.refused = refused
    page.goto(f"{served_url}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/queue")
    return page


@pytest.mark.parametrize("size", list(SIZES))
def test_a_coordinator_sets_up_a_weekly_series_and_reads_it_in_french(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    session: Any,
    clock: Any,
    size: str,
) -> None:
    clock.set("2026-12-03 09:00")
    sophie = give_password(session, "sophie")
    page = _sign_in(browser, served, size, sophie.email)
    page.get_by_role("link", name="Réunions").click()
    page.wait_for_url("**/reunions")
    assert page.get_by_text("Chaque lundi à 10 h, 45 min").is_visible()  # the demo's staff meeting
    assert_accessible(page, "series list")
    snap(page, f"group-{size}-1-series")

    page.get_by_role("link", name="Nouvelle réunion").click()
    page.get_by_label("Titre (dit au téléphone)").fill("Point numérique")
    page.get_by_label("Un groupe de salariés").check()
    page.get_by_label("Groupe", exact=True).select_option(label="Atelier (2 personnes)")
    page.get_by_label("Lundi").uncheck()
    page.get_by_label("Mardi").check()
    page.get_by_label("Vendredi").check()
    page.get_by_label("Toutes les … semaines").select_option("2")
    page.get_by_label("À partir du").fill("2026-12-08")
    page.get_by_label("Heure de début").fill("09:30")
    page.get_by_label("Durée (minutes)").fill("30")
    assert_accessible(page, "series form")
    snap(page, f"group-{size}-2-form")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/reunions")
    assert page.get_by_text("Réunion « Point numérique » enregistrée.").is_visible()
    assert page.get_by_text("Un mardi et vendredi sur deux à 9 h 30, 30 min").is_visible()
    assert page.get_by_text("mardi 8/12 à 9 h 30").first.is_visible()

    page.locator("details summary").first.click()
    assert_accessible(page, "series list with a session opened")
    snap(page, f"group-{size}-3-saved")
    assert page.refused == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_live_page_follows_the_room_and_steers_it(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    app: Flask,
    session: Any,
    emulator: Emulator,
    phones: PhoneBook,
    clock: Any,
    size: str,
) -> None:
    clock.set("2026-03-05 14:00")
    fake: FakeTwilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    phones[CAMILLE] = Answers(press="1 wait:900 hangup")
    phones[JEAN] = Answers(press="1 wait:300 hangup")
    phones[GRACE] = Answers(press="1 wait:900 hangup")
    group = start_now(session)
    fake.advance(60)
    sophie = give_password(session, "sophie")

    page = _sign_in(browser, served, size, sophie.email)
    page.goto(f"{served}/reunions/seances/{group.id}/direct")
    jean_row = page.locator("#participants tr", has_text="Jean Martin")
    assert "Dans la réunion" in jean_row.inner_text()
    assert page.locator("#counts").inner_text().startswith("3 dans la réunion")
    assert_accessible(page, "live page")
    snap(page, f"group-{size}-4-live")

    page.get_by_role("button", name="Couper le micro : Grace Okafor").click()
    page.wait_for_selector("#live-message:has-text('Micro coupé.')")
    grace_row = page.locator("#participants tr", has_text="Grace Okafor")
    assert "coupé" in grace_row.inner_text()
    assert page.get_by_role("button", name="Rétablir le micro : Grace Okafor").is_visible()
    assert participant(session, group.id, GRACE).muted

    fake.advance(300)  # Jean hangs up: the page sees it by itself, no reload
    page.wait_for_selector(
        "#participants tr:has-text('Jean Martin'):has-text('A quitté la réunion')", timeout=10_000
    )
    assert page.get_by_role("button", name="Rappeler : Jean Martin").is_visible()
    snap(page, f"group-{size}-5-live-later")

    page.get_by_role("button", name="Verrouiller", exact=True).click()
    page.wait_for_selector("#session-status:has-text('verrouillée')")
    page.get_by_role("button", name="Terminer la réunion").click()
    page.wait_for_selector("#session-status:has-text('Terminée')")
    assert page.get_by_role("button", name="Couper tous les micros").is_disabled()
    assert_accessible(page, "live page, ended")
    snap(page, f"group-{size}-6-ended")

    fake.run_pending()  # the room's end reaches the app: everyone's minutes are counted
    page.goto(f"{served}/reunions/seances/{group.id}/presence")
    assert page.get_by_text("Entrés dans la réunion").is_visible()
    minutes = page.locator("tr", has_text="Camille Morel").locator("td").nth(4).inner_text()
    assert int(minutes) >= 5  # in the room from the start until the end, about six minutes
    assert_accessible(page, "attendance")
    snap(page, f"group-{size}-7-attendance")
    assert page.refused == []


@pytest.mark.parametrize("size", list(SIZES))
def test_a_recorded_session_shows_its_recording_and_who_objected(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    app: Flask,
    session: Any,
    emulator: Emulator,
    phones: PhoneBook,
    clock: Any,
    size: str,
) -> None:
    """Recording (off by default) turned on for the café: the presence page lists it."""
    from tests.group_helpers import series

    clock.set("2026-03-05 14:00")
    cafe = series(session)
    cafe.recording, cafe.recording_purpose, cafe.recording_days = True, "formation", 30
    session.commit()
    fake: FakeTwilio = install_fake(app, emulator)
    follow_simulated_time(app, emulator, clock)
    phones[CAMILLE] = Answers(press="1 - wait:90 hangup")
    phones[JEAN] = Answers(press="1 2 wait:60 hangup")  # objects: listens muted
    phones[GRACE] = Answers(press="1 - wait:60 hangup")
    group = start_now(session)
    fake.run_pending()
    sophie = give_password(session, "sophie")

    page = _sign_in(browser, served, size, sophie.email)
    page.goto(f"{served}/reunions/seances/{group.id}/presence")
    recordings = page.locator("#recordings")
    assert "pour la formation" in recordings.inner_text()
    assert "Ont refusé l'enregistrement (micro coupé) : Jean Martin" in recordings.inner_text()
    assert recordings.locator("audio").count() == 1
    assert_accessible(page, "attendance with a recording")
    snap(page, f"group-{size}-8-recording")
    assert page.refused == []
