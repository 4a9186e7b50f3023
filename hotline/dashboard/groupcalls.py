"""The coordinator's pages for group calls: series, their sessions, the live page, attendance.

Views parse, call one `hotline.groupcalls` service, commit, render; a refusal is the
service's French `reason`, flashed. The live page's buttons and its refresh go through the
JSON API (`hotline.api.groupcalls`), which serves the same services.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hotline import callbacks, clock, groupcalls, tasks
from hotline.dashboard.group_forms import (
    form_values,
    read_date,
    read_time,
    series_fields,
    values_from_form,
)
from hotline.dashboard.listening import stream_recording
from hotline.extensions import db
from hotline.groupcalls import (
    attendance,
    controls,
    editing,
    labels,
    ownership,
    reminders,
    sessions,
)
from hotline.groupcalls.errors import GroupCallError
from hotline.groupcalls.rule_words import DAY_NAMES, describe
from hotline.groupcalls.series import invitees, set_reminders_off
from hotline.groupcalls.views_data import (
    may_host,
    opt_outs,
    past_sessions,
    series_of,
    structure_series,
)
from hotline.models import GroupSeries, GroupSession, PersonGroup, Staff, Structure
from hotline.web.auth import current_staff, login_required, require_role, visible_structure_id
from hotline.web.csrf import protect
from hotline.web.params import is_row_id

bp = Blueprint("groupcalls", __name__, template_folder="templates", url_prefix="/reunions")
protect(bp)
COORDINATION = ("coordinator", "admin")


def _structure() -> Structure:
    structure = db.session.get(Structure, visible_structure_id())
    if structure is None:
        abort(404)
    return structure


def _page(template: str, structure: Structure, **context: Any) -> str:
    return render_template(
        template,
        structure=structure,
        me=current_staff(),
        describe=describe,
        when=lambda at: labels.when(at, structure.timezone),
        session_states=labels.SESSION_STATES,
        audiences=labels.AUDIENCES,
        **context,
    )


@bp.get("")
@login_required
def index() -> str:
    """Every series, the sessions to come (cancel or move one), and the last ones' attendance."""
    structure, now = _structure(), clock.now()
    return _page(
        "groupcalls/index.html",
        structure,
        series=structure_series(db.session, structure.id),
        upcoming=sessions.upcoming_sessions(db.session, structure.id, now, limit=30),
        past=past_sessions(db.session, structure.id, now),
        coordinator=current_staff().role in COORDINATION,
        may_host=lambda found: may_host(current_staff(), found),
        origin=lambda series: _origin(structure, series),
    )


def _origin(structure: Structure, series: GroupSeries) -> str:
    """Where a series is owned, in words, so nobody edits the file's and loses it later."""
    if ownership.edited_in_dashboard(structure, series.key):
        return "modifiée ici : le fichier de la structure ne la change plus"
    if ownership.described_in_file(structure, series.key):
        return "décrite dans le fichier de la structure"
    return ""


def _form_page(structure: Structure, series_id: int | None, values: dict[str, Any]) -> str:
    series = series_of(db.session, structure.id, series_id) if series_id else None
    return _page(
        "groupcalls/series_form.html",
        structure,
        series=series,
        values=values,
        day_names=DAY_NAMES,
        staff=[s for s in structure.staff if s.active],
        groups=db.session.scalars(
            select(PersonGroup).where(PersonGroup.structure_id == structure.id)
        ).all(),
        opt_outs=opt_outs(db.session, series) if series else [],
        from_file=series is not None
        and ownership.described_in_file(structure, series.key)
        and not ownership.edited_in_dashboard(structure, series.key),
        sms_sender=callbacks.callback_settings(structure).sms_sender,
        invited=invitees(db.session, series) if series else [],
    )


def _defaults(structure: Structure) -> dict[str, Any]:
    return {
        "audience": "staff",
        "host_ids": [current_staff().id],
        "days": [0],
        "interval": 1,
        "first_day": editing.next_monday(clock.now(), structure.timezone).isoformat(),
        "start_time": "10:00",
        "duration_minutes": 45,
        "pin": editing.new_pin(),
        "announce_joins": True,
        "max_participants": 250,
        "retry_delay_minutes": 5,
        "remind_day_before": True,
        "remind_hour_before": True,
        "active": True,
    }


@bp.get("/nouvelle")
@login_required
@require_role(*COORDINATION)
def new_series() -> str:
    structure = _structure()
    return _form_page(structure, None, _defaults(structure))


@bp.get("/series/<int:series_id>")
@login_required
@require_role(*COORDINATION)
def edit_series(series_id: int) -> str:
    structure = _structure()
    if not is_row_id(series_id):
        abort(404)
    series = series_of(db.session, structure.id, series_id)
    if series is None:
        abort(404)
    return _form_page(structure, series_id, form_values(series, {}))


@bp.post("/nouvelle")
@bp.post("/series/<int:series_id>")
@login_required
@require_role(*COORDINATION)
def save_series(series_id: int | None = None) -> Any:
    structure = _structure()
    if series_id is not None and not is_row_id(series_id):
        abort(404)
    try:
        fields = series_fields(request.form)
        series = editing.save_series(db.session, structure.id, fields, clock.now(), series_id)
    except GroupCallError as error:
        db.session.rollback()
        flash(error.reason, "error")
        return _form_page(structure, series_id, values_from_form(request.form)), 400
    db.session.commit()
    flash(f"Réunion « {series.title} » enregistrée.", "info")
    return redirect(url_for("groupcalls.index"))


@bp.post("/series/<int:series_id>/sms")
@login_required
@require_role(*COORDINATION)
def reminders_choice(series_id: int) -> Any:
    """A person asked for no more SMS reminders of this series (or for them again)."""
    structure = _structure()
    series = series_of(db.session, structure.id, _row(series_id))
    who = request.form.get("who", "")
    kind, _, raw = who.partition("-")
    if series is None or kind not in ("p", "s") or not raw.isdigit() or len(raw) > 9:
        abort(404)
    allowed = {(i.person_id, i.staff_id) for i in invitees(db.session, series)}
    person_id, staff_id = (int(raw), None) if kind == "p" else (None, int(raw))
    if (person_id, staff_id) not in allowed:
        abort(404)
    off = request.form.get("off") == "1"
    set_reminders_off(db.session, series.id, person_id=person_id, staff_id=staff_id, off=off)
    db.session.commit()
    flash(
        "Plus de SMS de rappel pour cette personne." if off else "SMS de rappel rétablis.", "info"
    )
    return redirect(url_for("groupcalls.edit_series", series_id=series.id))


@bp.post("/series/<int:series_id>/lancer")
@login_required
@require_role(*COORDINATION)
def start_now(series_id: int) -> Any:
    """ "Lancer maintenant": a session of this series starts now; the live page follows it."""
    structure = _structure()
    try:
        started = groupcalls.start_now(db.session, structure.id, _row(series_id), clock.now())
    except GroupCallError as error:
        db.session.rollback()
        flash(error.reason, "error")
        return redirect(url_for("groupcalls.index"))
    tasks.enqueue_after_commit(db.session, tasks.START_GROUP_SESSION, started.id)
    db.session.commit()
    flash("La réunion commence : les téléphones vont sonner, l'animateur d'abord.", "info")
    return redirect(url_for("groupcalls.live", session_id=started.id))


@bp.post("/seances/<int:session_id>/annuler")
@login_required
@require_role(*COORDINATION)
def cancel(session_id: int) -> Any:
    structure = _structure()
    try:
        sessions.cancel_session(
            db.session, structure.id, _row(session_id), request.form.get("note", "")[:200]
        )
    except GroupCallError as error:
        db.session.rollback()
        flash(error.reason, "error")
        return redirect(url_for("groupcalls.index"))
    db.session.commit()
    flash("Cette réunion est annulée ; les suivantes sont maintenues.", "info")
    return redirect(url_for("groupcalls.index"))


@bp.post("/seances/<int:session_id>/deplacer")
@login_required
@require_role(*COORDINATION)
def move(session_id: int) -> Any:
    structure, form = _structure(), request.form
    try:
        starts_at = editing.local_start(
            read_date(form.get("day", "")), read_time(form.get("time", "")), structure.timezone
        )
        if starts_at <= clock.now():
            raise GroupCallError("Choisissez un moment à venir.")
        sessions.move_session(db.session, structure.id, _row(session_id), starts_at)
    except GroupCallError as error:
        db.session.rollback()
        flash(error.reason, "error")
        return redirect(url_for("groupcalls.index"))
    db.session.commit()
    flash(f"Réunion déplacée au {labels.when(starts_at, structure.timezone)}.", "info")
    return redirect(url_for("groupcalls.index"))


def _row(session_id: int) -> int:
    if not is_row_id(session_id):
        abort(404)
    return session_id


def _session_for(structure: Structure, session_id: int) -> GroupSession:
    found = db.session.get(GroupSession, _row(session_id))
    if found is None or found.structure_id != structure.id:
        abort(404)
    return found


@bp.get("/seances/<int:session_id>/direct")
@login_required
def live(session_id: int) -> str:
    """The live page: the table is filled and refreshed by groupcalls_live.js from the API."""
    structure = _structure()
    found = _session_for(structure, session_id)
    me: Staff = current_staff()
    if not may_host(me, found):
        abort(403, description="Cette page est réservée aux animateurs et à la coordination.")
    state = controls.live_state(db.session, structure.id, found.id, clock.now())
    return _page(
        "groupcalls/live.html",
        structure,
        session=found,
        state=state,
        roles=labels.ROLES,
        states=labels.PARTICIPANT_STATES,
        actions=labels.actions,
        microphone=labels.microphone,
        action_labels=labels.ACTIONS,
    )


@bp.get("/seances/<int:session_id>/presence")
@login_required
@require_role(*COORDINATION)
def presence(session_id: int) -> str:
    """Who was invited, reached, joined, for how long; the CSV is the API's."""
    structure = _structure()
    found = _session_for(structure, session_id)
    summary = attendance.session_summary(db.session, structure.id, found.id)
    return _page(
        "groupcalls/presence.html",
        structure,
        session=found,
        summary=summary,
        roles=labels.ROLES,
        states=labels.PARTICIPANT_STATES,
        reasons=labels.LEAVE_REASONS,
        reminders=reminders.session_reminders(db.session, found.id),
        recordings=groupcalls.session_recordings(db.session, found.id, clock.now()),
        purposes=labels.RECORDING_PURPOSES,
        objectors=groupcalls.objectors(db.session, found.id),
    )


@bp.get("/seances/<int:session_id>/enregistrements/<int:recording_id>")
@login_required
@require_role(*COORDINATION)
def recording(session_id: int, recording_id: int) -> Response:
    """Stream a group call's recording through the app; each listen goes to the audit log."""
    structure = _structure()
    if not is_row_id(recording_id):
        abort(404)
    found = groupcalls.kept_recording(
        db.session, structure.id, session_id, recording_id, clock.now()
    )
    if found is None:
        abort(404)
    return stream_recording(found.recording_url, structure.id, f"group-recording:{found.id}")


@bp.post("/seances/<int:session_id>/enregistrements/<int:recording_id>/effacer")
@login_required
@require_role(*COORDINATION)
def erase_recording(session_id: int, recording_id: int) -> Any:
    """Erase a recording before its date (an objection afterwards): audit-logged."""
    structure = _structure()
    found = groupcalls.erase_recording_now(
        db.session,
        structure.id,
        _row(session_id),
        _row(recording_id),
        staff_id=current_staff().id,
        now=clock.now(),
    )
    if found is None:
        abort(404)
    tasks.enqueue_after_commit(db.session, tasks.PURGE_GROUP_RECORDING, found.id)
    db.session.commit()
    flash("L'enregistrement va être effacé chez Twilio : il n'est plus disponible.", "info")
    return redirect(url_for("groupcalls.presence", session_id=session_id))
