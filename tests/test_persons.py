"""Coordinators add, import and edit the persons they follow.

Numbers are read with `phonenumbers`, overseas departments included; an import shows every
problem with its line number and adds nothing until the file is right; persons added here
survive a reload of the structure file, which keeps owning the persons it describes.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from hotline import contacts
from hotline.models import Person
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")


def typed(**fields: str) -> dict[str, str]:
    return {"nom": "Nora Benali", **fields}


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion, written as there
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe
        ("0696 12 34 56", "+596696123456"),  # Martinique
        ("0694 12 34 56", "+594694123456"),  # Guyane
        ("+262 269 61 12 34", "+262269611234"),  # Mayotte, international form
    ],
)
def test_numbers_are_normalised_overseas_included(session: Any, written: str, e164: str) -> None:
    values = contacts.read_person(typed(telephone=written), factories.structure(session))
    assert values.phone_e164 == e164


def test_every_problem_is_named_at_once(session: Any) -> None:
    with pytest.raises(contacts.PersonInvalid) as raised:
        contacts.read_person(
            {
                "nom": "",
                "telephone": "0899 12 34 56",
                "isolee": "peut-être",
                "fin_contrat": "31 février",
                "heures": "18:00-9:00",
                "frequence_jours": "400",
                "langue": "de",
            },
            factories.structure(session),
        )
    problems = " | ".join(raised.value.problems)
    for field in ("nom", "téléphone", "isolée", "fin de contrat", "heures", "fréquence", "langue"):
        assert field in problems


def test_a_coordinator_adds_and_edits_a_person(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    values = contacts.read_person(
        typed(
            telephone="06 12 34 56 78",
            isolee="oui",
            convention="non",
            fin_contrat="31/01/2027",
            heures="9h-12h",
            frequence_jours="10",
            opposition="",
            langue="en",
        ),
        demo,
    )
    person = contacts.add_person(session, demo, values, now=clock())
    assert (person.key, person.managed_by, person.created_at) == ("p-003", "dashboard", clock())
    assert (person.isolated, person.contract_end) == (True, date(2027, 1, 31))
    assert (person.call_from, person.call_to, person.contact_every_days) == (
        time(9),
        time(12),
        10,
    )
    again = contacts.read_person(typed(telephone="+33 6 12 34 56 78"), demo)
    with pytest.raises(contacts.PersonInvalid, match="déjà celui"):
        contacts.add_person(session, demo, again, now=clock())

    edited = contacts.read_person(typed(nom="Nora B.", opposition="oui"), demo)
    assert contacts.update_person(session, person, edited) == []
    assert (person.name, person.objects_to_calls, person.phone_e164) == ("Nora B.", True, None)


def test_a_person_of_the_file_keeps_what_the_file_says(session: Any) -> None:
    jean = factories.person(session, "p-001")
    demo = factories.structure(session)
    form = {**contacts.person_form(jean), "nom": "Jean M.", "opposition": "oui"}
    kept = contacts.update_person(session, jean, contacts.read_person(form, demo))
    assert kept == ["name"]
    assert (jean.name, jean.objects_to_calls) == ("Jean Martin", True)


CSV = """nom;téléphone;isolée;fin_contrat;heures;frequence_jours;opposition
Nora Benali;06 12 34 56 78;oui;31/01/2027;9:00-12:00;;
Paul Hoarau;0692 12 34 56;non;;;10;non
"""


def test_an_import_previews_then_adds_every_line(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    preview = contacts.preview_import(session, demo, CSV)
    assert preview.ready
    assert [line.line for line in preview.lines] == [2, 3]
    assert session.scalar(select(Person).where(Person.name == "Nora Benali")) is None

    added = contacts.import_persons(session, demo, CSV, now=clock())
    assert [(p.name, p.phone_e164, p.key) for p in added] == [
        ("Nora Benali", "+33612345678", "p-003"),
        ("Paul Hoarau", "+262692123456", "p-004"),
    ]


def test_an_import_names_each_wrong_line_and_adds_nothing(session: Any, clock: Any) -> None:
    demo = factories.structure(session)
    text = (
        "nom,telephone,isolee\n"
        "Nora Benali,06 12 34 56 78,oui\n"
        ",06 12 34 56 79,\n"
        "Paul,06 12 34 56 78,\n"
        "Jean bis,+33 6 00 00 01 01,\n"
        "\n"
        "Luc,12,x\n"
    )
    preview = contacts.preview_import(session, demo, text)
    assert not preview.ready
    assert preview.problems == [
        "ligne 3 : nom : obligatoire",
        "ligne 4 : téléphone : déjà à la ligne 2",
        "ligne 5 : téléphone : ce numéro est déjà celui d'une personne suivie",
        "ligne 7 : téléphone : numéro non valide (« 12 »)",
    ]
    with pytest.raises(contacts.PersonInvalid):
        contacts.import_persons(session, demo, text, now=clock())
    assert session.scalar(select(Person).where(Person.name == "Nora Benali")) is None


def test_an_unknown_column_is_refused_on_line_one(session: Any) -> None:
    preview = contacts.preview_import(session, factories.structure(session), "nom,age\nA,3\n")
    assert preview.problems[0].startswith("ligne 1 : colonnes attendues")
    assert "inconnues : age" in preview.problems[0]


def test_excel_csv_in_windows_encoding_is_read() -> None:
    assert contacts.decode("nom;isolée\n".encode("cp1252")) == "nom;isolée\n"
    assert contacts.decode("\ufeffnom\n".encode()) == "nom\n"


def test_reloading_the_file_keeps_persons_added_in_the_dashboard(
    session: Any, clock: Any, load_structure: Any
) -> None:
    demo = factories.structure(session)
    contacts.add_person(session, demo, contacts.read_person(typed(), demo), now=clock())
    session.commit()

    load_structure()
    session.expire_all()
    names = session.scalars(select(Person.name).order_by(Person.key)).all()
    assert names == ["Jean Martin", "Grace Okafor", "Nora Benali"]
