"""A series described in the structure file, once edited in the dashboard, is the dashboard's;
and the pages show each person only what they may open.

A coordinator who moves the file's "Café téléphonique" to 15:00 must not see the next
`make run` (which reloads the file) put 14:00 back, and a staff member who is not a host is
told who leads a session in progress instead of being offered a page that answers 403.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.groupcalls.sessions import plan_sessions
from hotline.models import GroupSeries, GroupSession, SessionStatus
from hotline.structure_file import load_structure, parse_structure_file
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")
DEMO_FILE = Path(__file__).resolve().parents[1] / "structures" / "demo.yaml"


def cafe(session: Any) -> GroupSeries:
    found = session.scalar(select(GroupSeries).where(GroupSeries.key == "cafe-jeudi"))
    assert found is not None
    return found


def edit_form(series: GroupSeries, session: Any) -> dict[str, str]:
    return {
        "title": series.title,
        "audience": "group",
        "person_group_id": str(series.person_group_id),
        "hosts": str(factories.staff(session, "camille").id),
        "days": "3",
        "interval": "1",
        "first_day": "2026-12-03",
        "start_time": "15:00",
        "duration_minutes": "60",
        "pin": series.pin,
        "max_participants": "250",
        "announce_joins": "on",
        "remind_day_before": "on",
        "remind_hour_before": "on",
        "active": "on",
    }


def test_the_file_series_is_labelled_then_kept_after_a_dashboard_edit(
    sign_in: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-01 09:00")
    sophie = sign_in("sophie")
    series = cafe(session)
    assert "Décrite dans le fichier de la structure" in sophie.get("/reunions").get_data(
        as_text=True
    )
    form_page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert "le prochain chargement du fichier ne la modifiera plus" in form_page
    saved = sophie.post_form(f"/reunions/series/{series.id}", edit_form(series, session))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Modifiée ici" in sophie.get("/reunions").get_data(as_text=True)

    result = load_structure(session, parse_structure_file(DEMO_FILE), now=clock())
    session.expire_all()
    assert cafe(session).start_time.strftime("%H:%M") == "15:00"
    assert "group call 'cafe-jeudi': edited in the dashboard" in result.kept
    assert not any("cafe-jeudi" in change for change in result.changes)


def test_a_file_series_nobody_edited_still_follows_the_file(session: Any, clock: Any) -> None:
    clock.set("2026-12-01 09:00")
    series = cafe(session)
    series.start_time = series.start_time.replace(hour=16)
    session.flush()  # changed behind the dashboard's back: the file still owns it
    result = load_structure(session, parse_structure_file(DEMO_FILE), now=clock())
    assert "group call cafe-jeudi changed" in result.changes
    assert cafe(session).start_time.strftime("%H:%M") == "14:00"


def test_only_hosts_and_coordinators_are_offered_the_live_page(
    sign_in: Any, session: Any, clock: Any
) -> None:
    now = clock.set("2026-12-03 14:00")
    series = cafe(session)
    plan_sessions(session, now)
    running = session.scalar(
        select(GroupSession).where(GroupSession.series_id == series.id).limit(1)
    )
    running.status = SessionStatus.RUNNING
    session.commit()
    live = f"/reunions/seances/{running.id}/direct"

    amina = sign_in("amina").get("/reunions").get_data(as_text=True)
    assert live not in amina
    assert "En cours, animée par Camille Morel" in amina
    assert live in sign_in("sophie").get("/reunions").get_data(as_text=True)
