"""The follow-up pages: Suivi (who was reached, who is overdue), the activity report, and the
persons a coordinator adds, edits and imports. Views parse, call one service, render.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline import clock, contacts, phones
from hotline.callbacks import wording
from hotline.contacts import report_output
from hotline.contacts.reports import build_report, read_period
from hotline.dashboard.views import bp, structure_or_404
from hotline.extensions import db
from hotline.models import Contact, Person
from hotline.web.auth import current_staff, login_required, require_role
from hotline.web.params import is_row_id


@bp.get("/suivi")
@login_required
def follow_up() -> str:
    structure, now = structure_or_404(), clock.now()
    tz = ZoneInfo(structure.timezone)
    rows = contacts.follow_up(db.session, structure, now)
    return render_template(
        "followup.html",
        structure=structure,
        me=current_staff(),
        rows=rows,
        overdue=[row for row in rows if row.overdue],
        settings=contacts.check_in_settings(structure),
        ending=contacts.contracts_ending(db.session, structure, now),
        unlinked=contacts.unlinked_numbers(db.session, structure.id),
        latest_contact_of=lambda number: _latest_contact_id(structure.id, number),
        masked_phone=phones.masked,
        when=lambda at: wording.day_and_time(at, now, tz),
        local=lambda at: f"{at.astimezone(tz):%d/%m/%Y}",
    )


def _latest_contact_id(structure_id: int, number: str) -> int | None:
    """The form names a contact, never the number: the page shows only masked numbers."""
    return db.session.scalar(
        select(Contact.id)
        .where(Contact.structure_id == structure_id, Contact.phone_e164 == number)
        .order_by(Contact.started_at.desc())
        .limit(1)
    )


@bp.post("/suivi/relier")
@login_required
def link_number() -> Any:
    """Staff say whose number this is: its contacts, calls and callbacks follow the person."""
    structure, form = structure_or_404(), request.form
    contact_id, person_id = form.get("contact_id", ""), form.get("person_id", "")
    contact = db.session.get(Contact, int(contact_id)) if contact_id.isdigit() else None
    person = db.session.get(Person, int(person_id)) if person_id.isdigit() else None
    if (
        contact is None
        or person is None
        or contact.phone_e164 is None
        or {contact.structure_id, person.structure_id} != {structure.id}
    ):
        flash("Choisissez un numéro et une personne de la structure.", "error")
        return redirect(url_for("dashboard.follow_up"))
    linked = contacts.link_number(db.session, person, contact.phone_e164)
    db.session.commit()
    flash(f"Numéro relié à {person.name} : {linked} contact(s) rattaché(s).", "info")
    return redirect(url_for("dashboard.follow_up"))


@bp.get("/rapport")
@login_required
@require_role("coordinator", "admin")
def report() -> Any:
    structure, args = structure_or_404(), request.args
    tz = ZoneInfo(structure.timezone)
    try:
        period = read_period(
            args.get("mois", ""), args.get("du", ""), args.get("au", ""), clock.now(), tz
        )
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("dashboard.report"))
    built = build_report(db.session, structure, period)
    table = args.get("format")
    if table in ("contacts", "synthese"):
        body = (
            report_output.contacts_csv(built)
            if table == "contacts"
            else report_output.summary_csv(built)
        )
        name = f"rapport-{table}-{period.first}-{period.last}.csv"
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    return render_template(
        "report.html",
        structure=structure,
        me=current_staff(),
        report=built,
        summary=report_output.summary_rows(built),
        weekly_chart=report_output.weekly_chart(built),
        theme_chart=report_output.theme_chart(built),
        kinds=report_output.KIND_LABELS,
        outcomes=report_output.OUTCOME_LABELS,
        generated=wording.local_date_time(clock.now(), tz),
    )


@bp.get("/personnes/nouvelle")
@bp.get("/personnes/<int:person_id>/modifier")
@login_required
@require_role("coordinator", "admin")
def person_form(person_id: int | None = None) -> str:
    structure = structure_or_404()
    person = _person_or_404(structure.id, person_id) if person_id is not None else None
    values = contacts.person_form(person) if person else {}
    return _render_form(structure, person, values, [])


@bp.post("/personnes/nouvelle")
@bp.post("/personnes/<int:person_id>/modifier")
@login_required
@require_role("coordinator", "admin")
def save_person(person_id: int | None = None) -> Any:
    structure = structure_or_404()
    person = _person_or_404(structure.id, person_id) if person_id is not None else None
    try:
        values = contacts.read_person(request.form, structure)
        if person is None:
            person = contacts.add_person(db.session, structure, values, now=clock.now())
            kept = []
        else:
            kept = contacts.update_person(db.session, person, values)
    except contacts.PersonInvalid as error:
        db.session.rollback()
        return _render_form(structure, person, dict(request.form), error.problems), 422
    db.session.commit()
    flash(f"{person.name} : enregistré.", "info")
    if kept:
        flash("Nom, numéro, langue et indicateurs viennent du fichier de la structure.", "info")
    return redirect(url_for("dashboard.persons"))


def _render_form(structure: Any, person: Any, values: dict[str, str], problems: list[str]) -> str:
    return render_template(
        "person_form.html",
        structure=structure,
        me=current_staff(),
        person=person,
        values=values,
        problems=problems,
        from_file=person is not None and person.managed_by == "file",
    )


def _person_or_404(structure_id: int, person_id: int | None) -> Person:
    if person_id is None or not is_row_id(person_id):
        abort(404)
    person = db.session.get(Person, person_id)
    if person is None or person.structure_id != structure_id:
        abort(404)
    return person


@bp.post("/personnes/import")
@login_required
@require_role("coordinator", "admin")
def import_persons() -> Any:
    """First post: the file, previewed. Second post (`confirm`): the same text, imported."""
    structure = structure_or_404()
    upload = request.files.get("fichier")
    text = contacts.decode(upload.read()) if upload else request.form.get("texte", "")
    if request.form.get("confirm") == "oui":
        try:
            added = contacts.import_persons(db.session, structure, text, now=clock.now())
        except contacts.PersonInvalid:
            db.session.rollback()
            flash("Le fichier a changé ou contient des erreurs : rien n'a été importé.", "error")
            return redirect(url_for("dashboard.persons"))
        db.session.commit()
        flash(f"{len(added)} personne(s) importée(s).", "info")
        return redirect(url_for("dashboard.persons"))
    preview = contacts.preview_import(db.session, structure, text)
    return render_template(
        "person_import.html",
        structure=structure,
        me=current_staff(),
        preview=preview,
        text=text,
        columns=contacts.IMPORT_COLUMNS,
    )
