"""The coordinator's group-call pages: create a series with the weekly form, read it in French,
cancel or move one session without touching the others, see who opted out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.groupcalls.series import set_opt_out, set_reminders_off
from hotline.groupcalls.sessions import plan_sessions
from hotline.models import GroupSeries, GroupSession, OutboxJob, SessionStatus
from tests import factories
from tests.groupui_helpers import make_group, make_series

pytestmark = pytest.mark.usefixtures("demo")

FORM = {
    "title": "Point d'équipe",
    "audience": "staff",
    "hosts": "",
    "days": "0",
    "interval": "1",
    "first_day": "2026-12-07",
    "start_time": "10:00",
    "duration_minutes": "45",
    "pin": "123456",
    "max_participants": "250",
    "announce_joins": "on",
    "remind_day_before": "on",
    "remind_hour_before": "on",
    "active": "on",
}


def test_a_coordinator_creates_a_weekly_series_and_reads_it_in_french(
    sign_in: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-03 09:00")
    sophie = sign_in("sophie")
    form = {**FORM, "hosts": str(factories.staff(session, "sophie").id)}
    response = sophie.post_form("/reunions/nouvelle", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    series = session.scalar(select(GroupSeries).where(GroupSeries.title == "Point d'équipe"))
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO"
    planned = session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)).all()
    assert [s.starts_at for s in planned] == [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    page = sophie.get("/reunions").get_data(as_text=True)
    assert "Chaque lundi à 10 h, 45 min" in page
    assert "lundi 7/12 à 10 h" in page


def test_two_days_every_other_week_make_the_rule_and_the_words(
    sign_in: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-03 09:00")
    sophie = sign_in("sophie")
    form = {**FORM, "hosts": str(factories.staff(session, "sophie").id), "interval": "2"}
    data = MultiDict([*form.items(), ("days", "3"), ("csrf_token", sophie.csrf)])
    response = sophie.client.post("/reunions/nouvelle", data=data)
    assert response.status_code == 302
    series = session.scalar(select(GroupSeries).where(GroupSeries.title == "Point d'équipe"))
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"
    page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert "un lundi et jeudi sur deux à 10 h" in page


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"max_participants": "251"}, "250 (limite du fournisseur)"),
        ({"pin": "12"}, "4 à 8 chiffres"),
        ({"days": ""}, "au moins un jour"),
        ({"hosts": ""}, "au moins un animateur"),
        ({"duration_minutes": "dix"}, "nombre entier"),
        ({"audience": "group"}, "groupe de salariés"),
        ({"recording": "on"}, "formation, évaluation ou qualité"),
        ({"recording": "on", "recording_purpose": "qualite", "recording_days": "200"}, "183"),
    ],
)
def test_a_refused_form_says_why_in_french_and_keeps_what_was_typed(
    sign_in: Any, session: Any, clock: Any, change: dict[str, str], said: str
) -> None:
    clock.set("2026-12-03 09:00")
    sophie = sign_in("sophie")
    form = {**FORM, "hosts": str(factories.staff(session, "sophie").id), **change}
    response = sophie.post_form("/reunions/nouvelle", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert said in page
    assert 'value="Point d&#39;équipe"' in page
    assert session.scalar(select(GroupSeries).where(GroupSeries.title == "Point d'équipe")) is None


def test_a_coordinator_records_a_series_for_a_purpose_and_a_time(
    sign_in: Any, session: Any, clock: Any
) -> None:
    clock.set("2026-12-03 09:00")
    sophie = sign_in("sophie")
    form = {
        **FORM,
        "hosts": str(factories.staff(session, "sophie").id),
        "recording": "on",
        "recording_purpose": "formation",
        "recording_days": "60",
    }
    assert sophie.post_form("/reunions/nouvelle", form).status_code == 302
    series = session.scalar(select(GroupSeries).where(GroupSeries.title == "Point d'équipe"))
    assert (series.recording, series.recording_purpose, series.recording_days) == (
        True,
        "formation",
        60,
    )
    page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert 'value="formation" selected' in page


def test_staff_cannot_create_or_edit_a_series(sign_in: Any) -> None:
    amina = sign_in("amina")
    assert amina.get("/reunions/nouvelle").status_code == 403
    assert amina.post_form("/reunions/nouvelle", FORM).status_code == 403
    assert amina.get("/reunions").status_code == 200


def test_cancelling_one_session_leaves_the_series_and_the_next_ones(
    sign_in: Any, session: Any, clock: Any
) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    plan_sessions(session, now, timedelta(days=15))
    session.commit()
    first, second = series.sessions[:2]
    sophie = sign_in("sophie")
    response = sophie.post_form(f"/reunions/seances/{first.id}/annuler", {"note": "férié"})
    assert response.status_code == 302
    session.expire_all()
    assert first.status is SessionStatus.CANCELLED
    assert first.note == "férié"
    assert second.status is SessionStatus.SCHEDULED
    assert series.active
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TH"
    page = sophie.get("/reunions").get_data(as_text=True)
    assert "Annulée" in page
    assert "férié" in page


def test_moving_one_session_changes_only_its_start(sign_in: Any, session: Any, clock: Any) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    plan_sessions(session, now, timedelta(days=15))
    session.commit()
    first, second = series.sessions[:2]
    sophie = sign_in("sophie")
    form = {"day": "2026-12-04", "time": "15:30"}
    response = sophie.post_form(f"/reunions/seances/{first.id}/deplacer", form)
    assert response.status_code == 302
    session.expire_all()
    assert first.starts_at == datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    assert second.starts_at == second.occurrence_at
    follow = sophie.get("/reunions").get_data(as_text=True)
    assert "vendredi 4/12 à 15 h 30" in follow
    past = sophie.post_form(
        f"/reunions/seances/{second.id}/deplacer", {"day": "2026-11-30", "time": "10:00"}
    )
    assert past.status_code == 302
    assert "moment à venir" in sophie.get("/reunions").get_data(as_text=True)


def test_changing_the_day_replans_untouched_sessions_but_keeps_a_moved_one(
    sign_in: Any, session: Any, clock: Any
) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    plan_sessions(session, now, timedelta(days=15))
    session.refresh(series)
    moved = series.sessions[1]
    moved.starts_at = datetime(2026, 12, 11, 13, 0, tzinfo=UTC)
    session.commit()
    sophie = sign_in("sophie")
    page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert "chaque jeudi à 14 h" in page
    form = {
        **FORM,
        "title": "Café téléphonique",
        "audience": "group",
        "person_group_id": str(series.person_group_id),
        "hosts": str(series.hosts[0].id),
        "days": "1",
        "first_day": "2026-12-01",
        "start_time": "14:00",
    }
    assert sophie.post_form(f"/reunions/series/{series.id}", form).status_code == 302
    session.expire_all()
    starts = sorted(s.starts_at for s in series.sessions)
    assert datetime(2026, 12, 3, 13, 0, tzinfo=UTC) not in starts  # the old Thursday
    assert datetime(2026, 12, 8, 13, 0, tzinfo=UTC) in starts  # Tuesdays now
    assert datetime(2026, 12, 11, 13, 0, tzinfo=UTC) in starts  # moved by hand: kept


def test_opt_outs_are_shown_to_the_coordinator(sign_in: Any, session: Any, clock: Any) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    jean, grace = factories.person(session, "p-001"), factories.person(session, "p-002")
    set_opt_out(session, series.id, person_id=jean.id, calls_off=True, now=now)
    set_reminders_off(session, series.id, person_id=grace.id, off=True)
    session.commit()
    page = sign_in("sophie").get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert "Jean Martin" in page
    assert "touche 9" in page
    assert "Grace Okafor" in page


def test_another_structures_series_is_a_404(sign_in: Any, session: Any, clock: Any) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    other = factories.make_staff(session, series.structure_id, "x", phone="+33600009999")
    _ = make_group  # the builder is shared with the other group tests
    session.commit()
    sophie = sign_in("sophie")
    assert sophie.get(f"/reunions/series/{series.id + 1000}").status_code == 404
    assert sophie.get("/reunions/seances/99999999999999/direct").status_code == 404
    assert other.id


def test_a_coordinator_turns_reminders_off_for_one_person(
    sign_in: Any, session: Any, clock: Any
) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    jean = factories.person(session, "p-001")
    session.commit()
    sophie = sign_in("sophie")
    page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert f'value="p-{jean.id}"' in page
    answer = sophie.post_form(
        f"/reunions/series/{series.id}/sms", {"who": f"p-{jean.id}", "off": "1"}
    )
    assert answer.status_code == 302
    page = sophie.get(f"/reunions/series/{series.id}").get_data(as_text=True)
    assert "Plus de SMS de rappel pour cette personne." in page
    assert "<td>Jean Martin</td>" in page
    stranger = sophie.post_form(
        f"/reunions/series/{series.id}/sms", {"who": "p-999999", "off": "1"}
    )
    assert stranger.status_code == 404


def test_lancer_maintenant_starts_a_session_and_opens_its_live_page(
    sign_in: Any, session: Any, clock: Any
) -> None:
    now = clock.set("2026-12-01 09:00")
    series = make_series(session, now)
    session.commit()
    sophie = sign_in("sophie")
    started = sophie.post_form(f"/reunions/series/{series.id}/lancer")
    assert started.status_code == 302
    running = session.scalar(
        select(GroupSession).where(
            GroupSession.series_id == series.id, GroupSession.status == SessionStatus.STARTING
        )
    )
    assert started.headers["Location"] == f"/reunions/seances/{running.id}/direct"
    jobs = session.scalars(select(OutboxJob.job_id)).all()
    assert f"group-start-{running.id}" in jobs
    again = sophie.post_form(f"/reunions/series/{series.id}/lancer")
    assert again.headers["Location"] == "/reunions"
    assert "déjà en cours" in sophie.get("/reunions").get_data(as_text=True)
