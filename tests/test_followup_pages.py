"""The Suivi page, the report and the persons pages, through the dashboard as staff use them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline import contacts
from hotline.models import Contact, Person
from tests import factories
from tests.report_seed import STRANGER, seed_november

pytestmark = pytest.mark.usefixtures("demo")


def test_suivi_shows_last_contact_month_and_who_is_overdue(
    session: Any, clock: Any, sign_in: Any
) -> None:
    clock.set("2026-11-30 23:59")
    seed_november(session)
    factories.person(session, "p-002").contract_end = clock().date() + timedelta(days=20)
    session.commit()
    amina = sign_in("amina")
    page = amina.get("/suivi").get_data(as_text=True)
    # Jean: last contact a check-in by Amina on 10/11, 20 days ago, isolée (7 days): overdue.
    jean_row = page.split('data-person="p-001"')[1].split("</tr>")[0]
    assert "appel de suivi" in jean_row
    assert "Amina Diallo" in jean_row
    assert "20 j" in jean_row
    assert "en retard (seuil 7 j)" in jean_row
    grace_row = page.split('data-person="p-002"')[1].split("</tr>")[0]
    assert "en retard" not in grace_row  # reached today
    assert "<td>3</td>" in grace_row  # 3 contacts this month
    assert "Grace Okafor : fin le 20/12/2026" in page
    assert "+33 6 •• •• •• 78" in page  # the stranger's number, masked
    assert STRANGER not in page


def test_staff_link_an_unknown_number_from_suivi(session: Any, clock: Any, sign_in: Any) -> None:
    seed_november(session)
    session.commit()
    amina = sign_in("amina")
    contact_id = session.scalar(select(Contact.id).where(Contact.phone_e164 == STRANGER))
    grace = factories.person(session, "p-002")
    response = amina.post_form(
        "/suivi/relier", {"contact_id": str(contact_id), "person_id": str(grace.id)}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Contact, contact_id).person_id == grace.id
    assert contacts.unlinked_numbers(session, grace.structure_id) == []


def test_the_report_page_and_its_csvs(session: Any, clock: Any, sign_in: Any) -> None:
    seed_november(session)
    session.commit()
    sophie = sign_in("sophie")
    page = sophie.get("/rapport?mois=2026-11").get_data(as_text=True)
    assert "Rapport d'activité : novembre 2026" in page
    assert "<svg" in page
    assert "Jean" not in page.split("<article")[1]  # persons by key only
    summary = sophie.get("/rapport?du=2026-11-01&au=2026-11-30&format=synthese")
    assert summary.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(summary.get_data(as_text=True))))
    assert ["contacts", "", "9"] in rows
    table = sophie.get("/rapport?mois=2026-11&format=contacts").get_data(as_text=True)
    assert table.splitlines()[0].startswith("semaine,personne,theme,appels_recus")
    assert sophie.get("/rapport?du=2026-11-30&au=2026-11-01").status_code == 302
    assert sign_in("amina").get("/rapport").status_code == 403


def test_a_coordinator_adds_edits_and_imports_persons(
    session: Any, clock: Any, sign_in: Any
) -> None:
    sophie = sign_in("sophie")
    refused = sophie.post_form("/personnes/nouvelle", {"nom": "", "telephone": "12"})
    assert refused.status_code == 422
    assert "nom : obligatoire" in refused.get_data(as_text=True)
    added = sophie.post_form(
        "/personnes/nouvelle", {"nom": "Nora Benali", "telephone": "0692 12 34 56"}
    )
    assert added.status_code == 302
    nora = session.scalar(select(Person).where(Person.name == "Nora Benali"))
    assert nora.phone_e164 == "+262692123456"
    edited = sophie.post_form(
        f"/personnes/{nora.id}/modifier",
        {"nom": "Nora Benali", "telephone": "0692 12 34 56", "opposition": "oui"},
    )
    assert edited.status_code == 302
    session.expire_all()
    assert session.get(Person, nora.id).objects_to_calls is True

    text = "nom;telephone\nPaul Hoarau;0693 12 34 56\n;06\n"
    preview = sophie.client.post(
        "/personnes/import",
        data={"csrf_token": sophie.csrf, "fichier": (io.BytesIO(text.encode("cp1252")), "p.csv")},
    ).get_data(as_text=True)
    assert "ligne 3 : nom : obligatoire" in preview
    assert "Importer 1" not in preview
    fixed = "nom;telephone\nPaul Hoarau;0693 12 34 56\n"
    sophie.post_form("/personnes/import", {"texte": fixed, "confirm": "oui"})
    session.expire_all()
    assert session.scalar(select(Person.phone_e164).where(Person.name == "Paul Hoarau")) == (
        "+262693123456"
    )
    assert sign_in("amina").get("/personnes/nouvelle").status_code == 403


def test_a_check_in_shows_in_the_queue_as_an_appel_de_suivi(
    session: Any, clock: Any, sign_in: Any
) -> None:
    demo = factories.structure(session)
    [entry, _] = contacts.create_check_ins(session, demo, clock())
    session.commit()
    amina = sign_in("amina")
    queue = amina.get("/queue").get_data(as_text=True)
    assert "appel de suivi, ajouté aujourd&#39;hui 10 h" in queue
    page = amina.get(f"/callbacks/{entry.id}")
    assert page.status_code == 200
    assert "Jean Martin" in page.get_data(as_text=True)
