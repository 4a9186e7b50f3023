"""Suivi and the activity report in headless Chromium: accessible (axe), kept as screenshots,
and the report printed to an A4 PDF by Chromium itself (`page.pdf`).

The seeded month of tests/report_seed.py; screenshots and the PDF go to test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.dashboard_helpers import PASSWORD, give_password
from tests.report_seed import seed_november
from tests.test_accessibility import SIZES, assert_accessible
from tests.test_browser import ARTIFACTS, browser, served, snap  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.commits, pytest.mark.usefixtures("demo")]
A4_POINTS = (595.92, 842.88)  # 210 × 297 mm in PDF points, as Chromium writes them


def _signed_in_page(browser: Any, served_url: str, session: Any, size: str) -> Any:  # noqa: F811
    sophie = give_password(session, "sophie")
    page = browser.new_context(viewport=SIZES[size]).new_page()
    page.goto(f"{served_url}/login")
    page.get_by_label("Adresse e-mail").fill(sophie.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/queue")
    return page


@pytest.mark.parametrize("size", list(SIZES))
def test_suivi_and_the_report_pass_axe_and_are_kept_as_screenshots(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    session: Any,
    clock: Any,
    size: str,
) -> None:
    clock.set("2026-11-30 23:59")
    seed_november(session)
    session.commit()
    page = _signed_in_page(browser, served, session, size)

    page.get_by_role("link", name="Suivi").click()
    page.wait_for_url("**/suivi")
    assert page.get_by_role("heading", name="Suivi des personnes").is_visible()
    assert page.locator("tr.overdue").count() == 1  # Jean, isolée, 20 days
    assert_accessible(page, "suivi")
    snap(page, f"followup-{size}-suivi")

    page.get_by_role("link", name="Rapport").click()
    page.wait_for_url("**/rapport")
    page.get_by_label("Mois", exact=True).fill("2026-11")
    page.get_by_role("button", name="Afficher le mois").click()
    page.wait_for_url("**/rapport?mois=2026-11")
    assert page.get_by_role("heading", name="Rapport d'activité : novembre 2026").is_visible()
    assert page.locator("svg.chart").count() == 2
    assert_accessible(page, "report")
    snap(page, f"followup-{size}-report")

    page.goto(f"{served}/personnes")
    assert_accessible(page, "persons")
    page.get_by_role("link", name="Ajouter une personne").click()
    assert_accessible(page, "person form")


def test_the_report_prints_on_a4(
    browser: Any,  # noqa: F811
    served: str,  # noqa: F811
    session: Any,
    clock: Any,
) -> None:
    clock.set("2026-12-02 10:00")
    seed_november(session)
    session.commit()
    page = _signed_in_page(browser, served, session, "laptop")
    page.goto(f"{served}/rapport?mois=2026-11")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    assert page.locator(".site-header").is_hidden()  # no navigation on paper
    assert page.locator(".report-period").is_hidden()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the report is wider than an A4 page"
    snap(page, "followup-report-print")

    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "followup-report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert (float(width), float(height)) == pytest.approx(A4_POINTS, abs=1)
    assert 1 <= len(boxes) <= 3  # a month fits on a few pages, not one row per page
