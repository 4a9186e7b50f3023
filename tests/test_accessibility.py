"""Every dashboard page passes axe-core with no serious or critical violation (issue 9, 17).

Debian's Chromium through Playwright, laptop and phone sizes; screenshots of the queue, the
callback page and Réglages are kept in test-artifacts/ for a human to look at. The focus
ring's contrast (3:1 at least, WCAG 1.4.11) is measured on white and on the header.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline.emulator import ScriptedCaller
from tests.dashboard_helpers import PASSWORD, give_password
from tests.test_browser import browser, served, snap  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.commits, pytest.mark.usefixtures("demo")]

SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


def assert_accessible(page: Any, what: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe did not run"
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    described = [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)" for v in blocking]
    assert described == [], f"{what}: {described}"


def _sign_in(page: Any, served_url: str, email: str) -> None:
    page.goto(f"{served_url}/login")
    assert_accessible(page, "login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/queue")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_passes_axe_and_is_kept_as_a_screenshot(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    session: Any,
    emulator: Any,
    clock: Any,
    size: str,
) -> None:
    clock.set("2026-12-05 15:00")
    emulator.place_call("+33600000101", "+33184880000", ScriptedCaller("1 # 1"))
    clock.set("2026-12-05 16:40")
    emulator.place_call("+33612345678", "+33184880000", ScriptedCaller("1 1 # 1"))
    clock.set("2026-12-07 10:00")
    amina = give_password(session, "amina")
    sophie = give_password(session, "sophie")

    page = _new_page(browser, size)
    _sign_in(page, served, amina.email)
    assert_accessible(page, "queue")
    snap(page, f"a11y-{size}-queue")
    page.get_by_role("link", name="Ajouter un rappel").click()
    page.wait_for_url("**/queue/ajouter")
    assert_accessible(page, "add a callback")
    snap(page, f"a11y-{size}-queue-add")
    page.get_by_role("link", name="← Retour à la file").click()
    page.wait_for_url("**/queue")
    page.get_by_role("button", name="Prendre ce rappel").first.click()
    page.wait_for_url("**/callbacks/*")
    assert_accessible(page, "callback")
    snap(page, f"a11y-{size}-callback")
    page.goto(f"{served}/settings")  # a staff member: the French 403 page
    assert "Page réservée" in page.content()
    assert_accessible(page, "403")
    page.goto(f"{served}/callbacks/999999")
    assert_accessible(page, "404")

    page = _new_page(browser, size)
    _sign_in(page, served, sophie.email)
    page.goto(f"{served}/settings")
    assert_accessible(page, "settings")
    snap(page, f"a11y-{size}-settings")


def _new_page(browser: Any, size: str) -> Any:  # noqa: F811
    return browser.new_context(viewport=SIZES[size]).new_page()


def _contrast(page: Any, selector: str) -> float:
    """The focus ring's contrast against the background of `selector`'s nearest painted box."""
    return float(page.evaluate(_CONTRAST_JS, selector))


_CONTRAST_JS = """
(selector) => {
  const el = document.querySelector(selector);
  el.focus();
  const ring = getComputedStyle(el).outlineColor;
  let box = el, bg = 'rgba(0, 0, 0, 0)';
  while (box && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(box).backgroundColor; box = box.parentElement;
  }
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  const lum = (c) => {
    const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def test_the_focus_ring_stands_out_on_white_and_on_the_header(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    session: Any,
) -> None:
    amina = give_password(session, "amina")
    page = _new_page(browser, "laptop")
    _sign_in(page, served, amina.email)
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
    assert _contrast(page, ".site-header nav a") >= 3
    assert _contrast(page, "main a, main button") >= 3
