"""The dashboard's main path in headless Chromium: login → queue → claim → call → outcome.

Debian's Chromium, driven by Playwright (which never downloads a browser). The
app runs on 127.0.0.1 in a thread; the phones are the emulator's; the bridge
job runs on the real Redis. A screenshot of each step is kept in
test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select
from werkzeug.serving import make_server

from hotline.emulator import Answers, ScriptedCaller
from hotline.extensions import redis_store
from hotline.models import Callback, CallbackAttempt, CallbackOutcome, CallbackStatus
from tests.dashboard_helpers import PASSWORD, give_password

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The app serves the browser from a thread of its own: its writes are really committed.
pytestmark = [pytest.mark.browser, pytest.mark.commits, pytest.mark.usefixtures("demo")]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def snap(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_jobs_and_phones(fake: Any) -> None:
    connection = redis_store.connection
    worker = SimpleWorker([Queue("default", connection=connection)], connection=connection)
    worker.work(burst=True)
    fake.run_pending()


def test_login_queue_claim_call_outcome(
    browser: Any, served: str, app: Any, session: Any, emulator: Any, phones: Any, clock: Any
) -> None:
    from tests.callback_helpers import install_fake

    fake = install_fake(app, emulator)
    clock.set("2026-12-05 15:00")  # Saturday: administratif is closed, Jean leaves a message
    emulator.place_call("+33600000101", "+33184880000", ScriptedCaller("1 # 1"))
    clock.set("2026-12-07 10:00")  # Monday morning: calls to callers are allowed
    amina = give_password(session, "amina")
    phones[amina.phone_e164] = Answers(press="1")
    phones["+33600000101"] = Answers()

    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone screen
    refused: list[str] = []  # the content security policy blocked something the page needs
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    page.goto(f"{served}/login")
    page.get_by_label("Adresse e-mail").fill(amina.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/queue")
    assert page.title() == "File des rappels · Permanence téléphonique"
    assert page.get_by_role("link", name="Jean Martin").is_visible()
    assert page.get_by_text("isolée").first.is_visible()
    snap(page, "1-queue")

    page.get_by_role("button", name="Prendre ce rappel").first.click()
    page.wait_for_url("**/callbacks/*")
    assert page.get_by_text("Rappel pris").is_visible()
    page.get_by_role("button", name="Rappeler").click()
    page.wait_for_selector("text=Votre téléphone va sonner")
    snap(page, "2-calling")

    assert page.locator("#call-state").inner_text() == "Appel en cours"
    run_jobs_and_phones(fake)
    attempt = session.scalar(select(CallbackAttempt))
    session.refresh(attempt)
    assert attempt.caller_status == "completed"
    # The page follows the call by itself (callback.js): no reload, and no second attempt.
    page.wait_for_selector("#call-state:has-text('Appel terminé')", timeout=10_000)
    assert page.locator(".facts .status").inner_text().startswith("Appel terminé")
    assert page.get_by_role("button", name="Rappeler").is_disabled()
    assert page.locator("#elsewhere-choice").is_hidden()

    page.get_by_label("Joint").check()
    page.get_by_label("Note courte").fill("Attestation envoyée par courrier.")
    page.get_by_role("button", name="Enregistrer le résultat").click()
    page.wait_for_url("**/queue")
    assert page.get_by_text("Résultat enregistré").is_visible()
    snap(page, "3-done")
    assert refused == []
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"

    session.expire_all()
    callback = session.scalar(select(Callback))
    assert callback.status == CallbackStatus.DONE
    assert callback.outcome == CallbackOutcome.REACHED
    assert callback.handled_by_id == amina.id
