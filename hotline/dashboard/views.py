"""The staff pages: the queue, one callback, its recording, and the coordinator's settings."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from hotline import callbacks, clock, gateway, phones, pin_lockout, retention
from hotline.callbacks import wording
from hotline.dashboard.helpers import policy_from_form
from hotline.dashboard.listening import stream_recording
from hotline.extensions import db
from hotline.models import (
    AuditAction,
    Callback,
    CallbackOutcome,
    RecordingAccess,
    Structure,
    Voicemail,
)
from hotline.web.auth import current_staff, login_required, require_role, visible_structure_id
from hotline.web.csrf import protect
from hotline.web.links import url_for_each
from hotline.web.params import PAGE_SIZE, is_row_id, page_window

bp = Blueprint("dashboard", __name__, template_folder="templates")
protect(bp)

OUTCOME_LABELS = {
    CallbackOutcome.REACHED: "Joint",
    CallbackOutcome.NO_ANSWER: "Pas de réponse",
    CallbackOutcome.MESSAGE_LEFT: "Message laissé",
    CallbackOutcome.WRONG_NUMBER: "Faux numéro",
    CallbackOutcome.REFERRED: "Orienté vers…",
    CallbackOutcome.OTHER: "Autre",
}


STATUS_LABELS = callbacks.STATUS_LABELS


def structure_or_404() -> Structure:
    """The structure this request may show (the staff member's own, or an admin's choice)."""
    structure = db.session.get(Structure, visible_structure_id())
    if structure is None:
        abort(404)
    return structure


_structure = structure_or_404


@bp.get("/")
def home() -> Any:
    return redirect(url_for("dashboard.queue"))


@bp.get("/queue")
@login_required
def queue() -> str:
    """One page of the queue (50 entries: the database orders and pages it) and its counts."""
    structure, now = _structure(), clock.now()
    try:
        limit, offset = page_window(request.args)
    except ValueError:
        limit, offset = PAGE_SIZE, 0
    entries = callbacks.list_queue(db.session, structure.id, now, limit=limit + 1, offset=offset)
    return render_template(
        "queue.html",
        structure=structure,
        entries=entries[:limit],
        counts=callbacks.queue_counts(db.session, structure.id, now),
        next_offset=offset + limit if len(entries) > limit else None,
        previous_offset=max(0, offset - limit) if offset else None,
        me=current_staff(),
        masked_phone=phones.masked,
        pin_alerts=_pin_alerts(structure),
        entry_page=url_for_each("dashboard.callback", "callback_id"),
        claim_action=url_for_each("api.claim", "callback_id"),
    )


@bp.get("/queue/ajouter")
@login_required
def add_callback() -> str:
    """The form to add someone to call back, on a page of its own: it lists every person the
    structure follows, which the queue page, read again and again, need not carry."""
    people, themes = callbacks.manual_choices(db.session, _structure().id)
    return render_template("queue_add.html", people=people, themes=themes)


def _pin_alerts(structure: Structure) -> list[pin_lockout.PinAlert]:
    """Phone-menu PINs locked this week, for coordinators only: someone may be guessing."""
    if current_staff().role not in ("coordinator", "admin"):
        return []
    return pin_lockout.recent_alerts(structure.id, ZoneInfo(structure.timezone))


@bp.get("/callbacks/<int:callback_id>")
@login_required
def callback(callback_id: int) -> str:
    structure = _structure()
    if not is_row_id(callback_id):
        abort(404)
    found = db.session.scalar(
        select(Callback).where(Callback.id == callback_id, Callback.structure_id == structure.id)
    )
    if found is None:
        abort(404)
    return render_template(
        "callback.html",
        structure=structure,
        callback=found,
        me=current_staff(),
        outcomes=OUTCOME_LABELS,
        masked_phone=phones.masked,
        statuses=STATUS_LABELS,
        call_window=_call_window(structure, found),
        not_before=_not_before(found, structure),
        progress=callbacks.call_progress(db.session, found, current_staff(), clock.now()),
        left_at=lambda at: wording.day_and_time(at, clock.now(), ZoneInfo(structure.timezone)),
        message_length=wording.length,
    )


def _not_before(found: Callback, structure: Structure) -> str | None:
    """When a retry not due yet may be taken ("demain 9 h"), or None when it may be now."""
    now = clock.now()
    if not callbacks.due_later(found, now) or found.due_at is None:
        return None
    return wording.moment(found.due_at, now, ZoneInfo(structure.timezone))


def _call_window(structure: Structure, found: Callback) -> str | None:
    """None when "Rappeler" may be pressed now, else when it will be, for the button."""
    window = callbacks.when_may_we_call(structure, clock.now(), found.person)
    return None if window.open_now else wording.call_window(window, ZoneInfo(structure.timezone))


@bp.get("/recordings/<int:voicemail_id>")
@login_required
def recording(voicemail_id: int) -> Response:
    """Stream a message through the app, logging who listened; no provider URL leaves us."""
    if not is_row_id(voicemail_id):
        abort(404)
    voicemail = db.session.scalar(
        select(Voicemail).where(
            Voicemail.id == voicemail_id, Voicemail.structure_id == visible_structure_id()
        )
    )
    if voicemail is None or not voicemail.recording_url:
        abort(404)
    db.session.add(
        RecordingAccess(voicemail_id=voicemail.id, staff_id=current_staff().id, at=clock.now())
    )  # committed with the audit line once the audio is fetched; dropped if it is not
    subject = f"voicemail:{voicemail.id}"  # the audit line outlives the message
    return stream_recording(voicemail.recording_url, voicemail.structure_id, subject)


@bp.get("/settings")
@login_required
@require_role("coordinator", "admin")
def settings() -> str:
    structure = _structure()
    current = callbacks.callback_settings(structure)
    tz = ZoneInfo(structure.timezone)
    return render_template(
        "settings.html",
        structure=structure,
        me=current_staff(),
        current=current,
        hours_lines=wording.weekly_hours(current.outbound_hours.slots),
        delays_words=wording.delays(current.attempt_delays_minutes),
        local=lambda at: wording.local_date_time(at, tz),
        history=callbacks.policy_history(db.session, structure.id),
        handled=callbacks.recently_handled(db.session, structure.id),
        policy_labels=callbacks.POLICY_LABELS,
        weight_labels=callbacks.WEIGHT_LABELS,
        outcomes=OUTCOME_LABELS,
    )


@bp.post("/settings/policy")
@login_required
@require_role("coordinator", "admin")
def set_policy() -> Any:
    structure = _structure()
    try:
        policy = policy_from_form(request.form)
        callbacks.set_policy(db.session, structure, current_staff(), policy, clock.now())
    except (ValueError, callbacks.PolicyError) as error:
        db.session.rollback()
        flash(f"Politique refusée : {error}", "error")
        return redirect(url_for("dashboard.settings"))
    db.session.commit()
    flash("Politique enregistrée.", "info")
    return redirect(url_for("dashboard.settings"))


AUDIT_LABELS = {
    AuditAction.LISTEN: "Écoute d'un message",
    AuditAction.EXPORT: "Export des données",
    AuditAction.ERASE: "Effacement des données",
    AuditAction.SETTINGS: "Réglages modifiés",
    AuditAction.POLICY: "Politique de rappel modifiée",
}


@bp.get("/personnes")
@login_required
@require_role("coordinator", "admin")
def persons() -> str:
    structure = _structure()
    return render_template(
        "persons.html",
        structure=structure,
        me=current_staff(),
        people=structure.people,
        sources={"file": "fichier de la structure", "dashboard": "ajoutée ici"},
        masked_phone=phones.masked,
        journal=retention.audit.entries(db.session, structure.id),
        staff_names={member.id: member.name for member in structure.staff},
        action_labels=AUDIT_LABELS,
    )


@bp.post("/personnes")
@login_required
@require_role("coordinator", "admin")
def person_data() -> Any:
    """Export (a download) or erase one person's data; the service writes the audit entry."""
    structure, form = _structure(), request.form
    person_id = form.get("person_id", "")
    try:
        subject = retention.find_subject(
            db.session,
            structure,
            person_id=int(person_id) if person_id.isdigit() else None,
            phone=form.get("phone", ""),
        )
    except retention.SubjectNotFound as error:
        flash(str(error), "error")
        return redirect(url_for("dashboard.persons"))
    action, me, now = form.get("action"), current_staff(), clock.now()
    if action in ("json", "csv"):
        data = retention.export_subject(db.session, subject, staff_id=me.id, now=now)
        db.session.commit()
        body = retention.to_json(data) if action == "json" else retention.to_csv(data)
        mimetype = "application/json" if action == "json" else "text/csv"
        return Response(
            body,
            mimetype=mimetype,
            headers={
                "Content-Disposition": f"attachment; filename=donnees-personne.{action}",
                "Cache-Control": "no-store",
            },
        )
    if action != "erase" or form.get("confirm") != "oui":
        flash("Cochez la confirmation pour effacer.", "error")
        return redirect(url_for("dashboard.persons"))
    try:
        done = retention.erase_subject(db.session, subject, staff_id=me.id, now=now)
    except gateway.GatewayError as error:
        db.session.rollback()
        flash(f"Rien n'a été effacé : {error.reason} Réessayez plus tard.", "error")
        return redirect(url_for("dashboard.persons"))
    db.session.commit()
    flash(f"Données effacées ({done.calls} appels, {done.callbacks} rappels).", "info")
    return redirect(url_for("dashboard.persons"))
