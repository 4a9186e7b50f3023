"""The activity report: a seeded month gives exactly the numbers worked out by hand.

November 2026 of the demo (tests/report_seed.py). Local days of Paris: a contact at
00:30 on 1 December (23:30 UTC on 30 November) belongs to December. Permanence hours from
the demo's duties (the demo opens on public holidays): administratif 21 weekdays × 6.5 h,
social 8 Tuesdays/Thursdays × 8 h + 4 Friday nights × 6 h, numérique 30 × 24 h.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

import pytest

from hotline.contacts import report_output
from hotline.contacts.reports import Period, build_report
from hotline.models import ContactKind
from tests import factories
from tests.report_seed import seed_november

pytestmark = pytest.mark.usefixtures("demo")
NOVEMBER = Period.month(2026, 11)


@pytest.fixture
def report(session: Any) -> Any:
    seed_november(session)
    return build_report(session, factories.structure(session), NOVEMBER)


def test_the_period_is_whole_local_days() -> None:
    assert (NOVEMBER.first, NOVEMBER.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert NOVEMBER.label == "novembre 2026"
    assert Period(date(2026, 11, 3), date(2026, 11, 16)).label == "du 03/11/2026 au 16/11/2026"
    assert NOVEMBER.weeks()[0] == date(2026, 10, 26)
    assert len(NOVEMBER.weeks()) == 6
    assert Period.month(2026, 12).last == date(2026, 12, 31)


def test_contacts_by_kind_week_theme_and_person(report: Any) -> None:
    assert report.by_kind == Counter(
        {
            ContactKind.INBOUND: 6,  # 4 recorded + 2 kept as anonymous counts
            ContactKind.CALLBACK: 1,
            ContactKind.CHECK_IN: 1,
            ContactKind.GROUP_CALL: 1,
        }
    )
    assert report.total == 9
    assert report.anonymised == Counter({ContactKind.INBOUND: 2})
    assert report.persons_reached == 3  # Jean, Grace and a number linked to nobody
    assert report.minutes == 53  # 3,180 s
    weekly = {week.isoformat(): sum(c.values()) for week, c in report.by_week.items()}
    assert weekly == {
        "2026-10-26": 1,
        "2026-11-02": 4,
        "2026-11-09": 1,
        "2026-11-16": 1,
        "2026-11-23": 1,
        "2026-11-30": 1,
    }
    themes = {key: sum(c.values()) for key, c in report.by_theme.items()}
    assert themes == {"administratif": 1, "social": 3, "numerique": 3, "": 2}


def test_permanence_hours_callbacks_and_outcomes(report: Any) -> None:
    assert report.permanence_hours == {"administratif": 136.5, "social": 88.0, "numerique": 720.0}
    assert report.callback_attempts == 3
    assert report.outcomes == Counter({"reached": 1, "no_answer": 1})
    assert report.check_ins_created == 1


def test_the_contacts_csv_has_its_documented_columns_and_lines(report: Any) -> None:
    rows = list(csv.reader(io.StringIO(report_output.contacts_csv(report))))
    assert (
        tuple(rows[0])
        == report_output.CONTACT_COLUMNS
        == (
            "semaine",
            "personne",
            "theme",
            "appels_recus",
            "rappels",
            "appels_de_suivi",
            "reunions_telephoniques",
            "total",
            "minutes",
        )
    )
    assert rows[1:] == [
        ["2026-10-26", "p-001", "numerique", "1", "0", "0", "0", "1", "5"],
        ["2026-11-02", "p-001", "administratif", "0", "1", "0", "0", "1", "2"],
        ["2026-11-02", "p-002", "social", "1", "0", "0", "0", "1", "10"],
        ["2026-11-09", "p-001", "", "0", "0", "1", "0", "1", "3"],
        ["2026-11-16", "", "numerique", "1", "0", "0", "0", "1", "1"],
        ["2026-11-23", "p-002", "", "0", "0", "0", "1", "1", "30"],
        ["2026-11-30", "p-002", "numerique", "1", "0", "0", "0", "1", "2"],
    ]
    text = report_output.contacts_csv(report)
    assert "Jean" not in text
    assert "+33" not in text


def test_the_summary_csv_holds_every_figure(report: Any) -> None:
    rows = list(csv.reader(io.StringIO(report_output.summary_csv(report))))
    assert tuple(rows[0]) == report_output.SUMMARY_COLUMNS
    figures = {(name, theme): value for name, theme, value in rows[1:]}
    assert figures[("contacts", "")] == "9"
    assert figures[("contacts_appels_recus", "")] == "6"
    assert figures[("contacts_reunions_telephoniques", "")] == "1"
    assert figures[("contacts_anonymises", "")] == "2"
    assert figures[("heures_de_permanence", "administratif")] == "136.5"
    assert figures[("rappels_passes", "")] == "3"
    assert figures[("rappels_clos_joint", "")] == "1"
    assert figures[("rappels_clos_pas_de_reponse", "")] == "1"
    assert figures[("rappels_clos_faux_numero", "")] == "0"
    assert figures[("appels_de_suivi_crees", "")] == "1"
    assert figures[("contacts_semaine", "2026-11-02")] == "4"


def test_group_call_attendance_is_a_column_even_when_nobody_attended(session: Any) -> None:
    empty = build_report(session, factories.structure(session), NOVEMBER)
    header = report_output.contacts_csv(empty).splitlines()[0]
    assert "reunions_telephoniques" in header
    figures = dict(((n, t), v) for n, t, v in report_output.summary_rows(empty))
    assert figures[("contacts_reunions_telephoniques", "")] == 0


def test_the_charts_are_plain_labelled_svg(report: Any) -> None:
    weeks = str(report_output.weekly_chart(report))
    assert weeks.startswith("<svg")
    assert 'role="img"' in weeks
    assert "semaine du 02/11 : 4" in weeks
    assert "<script" not in weeks
    assert "style=" not in weeks
    themes = str(report_output.theme_chart(report))
    assert "les démarches administratives : 1" in themes
