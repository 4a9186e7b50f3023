"""/api/group-calls: the live state of a session, the host's controls, attendance (JSON, CSV).

The live page polls `…/sessions/<id>/live` and posts its buttons here; a plain form post
(no script) is answered with a redirect back and a French message, as the queue API does.
Controls go through `hotline.groupcalls.controls`, which speaks to the provider through the
gateway; a refusal (`GroupCallError`) or a provider failure (`GatewayError`) is a French
message, never a 500.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, request

from hotline import clock, gateway, retention, tasks
from hotline.extensions import db
from hotline.groupcalls import attendance, controls, labels
from hotline.groupcalls.attendance_csv import summary_csv
from hotline.groupcalls.errors import NOT_FOUND, GroupCallError
from hotline.groupcalls.views_data import may_host
from hotline.models import AuditAction, GroupParticipant, GroupSession, Structure
from hotline.web.auth import current_staff, login_required, visible_structure_id
from hotline.web.csrf import protect
from hotline.web.params import is_row_id
from hotline.web.redirects import same_origin_path

bp = Blueprint("groupcalls_api", __name__, url_prefix="/api/group-calls")
protect(bp)
COORDINATION = ("coordinator", "admin")
FORBIDDEN = "Réservé aux animateurs de cette réunion et à la coordination."


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _wants_html() -> bool:
    return not request.is_json and request.accept_mimetypes.accept_html


def _back() -> str:
    return same_origin_path(request.form.get("next"), "/reunions")


@bp.errorhandler(Refused)
def _refused(error: Refused) -> Any:
    db.session.rollback()
    if _wants_html() and request.method == "POST":
        flash(error.message, "error")
        return redirect(_back())
    return jsonify({"error": error.code, "message": error.message}), error.status


@bp.errorhandler(GroupCallError)
def _group_refusal(error: GroupCallError) -> Any:
    return _refused(Refused(409, "refused", error.reason))


@bp.errorhandler(gateway.GatewayError)
def _provider_failed(error: gateway.GatewayError) -> Any:
    """The provider refused or did not answer: say so, nothing changed on our side."""
    return _refused(Refused(502, "provider", f"L'opérateur n'a pas pu le faire : {error.reason}"))


def _session(session_id: int, *, hosts: bool = True) -> GroupSession:
    """The session, if this structure's and (for controls) if the staff member may steer it."""
    found = db.session.get(GroupSession, session_id) if is_row_id(session_id) else None
    if found is None or found.structure_id != visible_structure_id():
        raise Refused(404, "not_found", NOT_FOUND)
    staff = current_staff()
    allowed = may_host(staff, found) if hosts else staff.role in COORDINATION
    if not allowed:
        raise Refused(403, "forbidden", FORBIDDEN)
    return found


def _participant(participant_id: int) -> GroupParticipant:
    found = db.session.get(GroupParticipant, participant_id) if is_row_id(participant_id) else None
    if found is None:
        raise Refused(404, "not_found", "Cette personne ne fait pas partie de la réunion.")
    _session(found.session_id)
    return found


def live_json(session_id: int) -> dict[str, Any]:
    """The live state with the words the page shows, and what each button may do now."""
    state = controls.live_state(db.session, visible_structure_id(), session_id, clock.now())
    running = state.status == "running"
    people = []
    for p in state.participants:
        people.append(
            {
                **dataclasses.asdict(p),
                "state_label": labels.state(p.state),
                "role_label": labels.ROLES.get(p.role, p.role),
                "microphone": labels.microphone(p.muted, p.objected),
                "actions": labels.actions(p.state, p.muted, running, p.objected),
            }
        )
    return {
        "session_id": state.session_id,
        "title": state.title,
        "status": state.status,
        "status_label": labels.SESSION_STATES.get(state.status, state.status),
        "locked": state.locked,
        "host_in_room": state.host_in_room,
        "started_at": state.started_at.isoformat() if state.started_at else None,
        "ends_at": state.ends_at.isoformat(),
        "refusal": state.refusal,
        "version": state.version,
        "counts": {
            "in_room": state.count("in_room"),
            "muted": sum(1 for p in state.participants if p.muted and p.state == "in_room"),
            "waiting": state.count("waiting"),
            "not_reached": state.count("not_reached"),
        },
        "participants": people,
    }


@bp.get("/sessions/<int:session_id>/live")
@login_required
def live(session_id: int) -> Response:
    return jsonify(live_json(_session(session_id).id))


def _done(session_id: int, message: str) -> Any:
    db.session.commit()
    if _wants_html():
        flash(message, "info")
        return redirect(_back())
    return jsonify({"message": message, **live_json(session_id)})


SESSION_ACTIONS: dict[str, tuple[Callable[[GroupSession], Any], str]] = {
    "lock": (
        lambda s: controls.lock_session(db.session, s.structure_id, s.id, True),
        "Réunion verrouillée : personne ne peut plus y entrer en appelant.",
    ),
    "unlock": (
        lambda s: controls.lock_session(db.session, s.structure_id, s.id, False),
        "Réunion déverrouillée.",
    ),
    "mute-all": (
        lambda s: controls.mute_all(db.session, s.structure_id, s.id),
        "Micros coupés (sauf l'animateur).",
    ),
    "end": (
        lambda s: controls.end_session(db.session, s.structure_id, s.id, clock.now()),
        "Réunion terminée.",
    ),
}


@bp.post("/sessions/<int:session_id>/<action>")
@login_required
def session_action(session_id: int, action: str) -> Any:
    if action not in SESSION_ACTIONS:
        raise Refused(404, "not_found", "Cette action n'existe pas.")
    session = _session(session_id)
    act, message = SESSION_ACTIONS[action]
    act(session)
    return _done(session.id, message)


@bp.post("/participants/<int:participant_id>/<action>")
@login_required
def participant_action(participant_id: int, action: str) -> Any:
    participant = _participant(participant_id)
    structure_id, session_id = visible_structure_id(), participant.session_id
    if action in ("mute", "unmute"):
        controls.mute_participant(db.session, structure_id, participant.id, action == "mute")
        message = "Micro coupé." if action == "mute" else "Micro rétabli."
    elif action == "remove":
        controls.remove_participant(db.session, structure_id, participant.id)
        message = "Personne retirée de la réunion."
    elif action == "redial":
        leg_id = controls.redial_participant(db.session, structure_id, participant.id, clock.now())
        tasks.enqueue_after_commit(db.session, tasks.PLACE_GROUP_LEG, leg_id)
        message = "Son téléphone va sonner."
    else:
        raise Refused(404, "not_found", "Cette action n'existe pas.")
    return _done(session_id, message)


def _summary_json(summary: attendance.Summary, tz: str) -> dict[str, Any]:
    body = dataclasses.asdict(summary)
    body["starts_at"] = summary.starts_at.isoformat()
    body["starts_at_local"] = labels.when(summary.starts_at, tz)
    body["rows"] = [dataclasses.asdict(row) for row in summary.rows]
    return body


@bp.get("/sessions/<int:session_id>/attendance")
@login_required
def attendance_json(session_id: int) -> Response:
    """Invited, reached, joined, minutes, left early, and one row per participant."""
    session = _session(session_id, hosts=False)
    summary = attendance.session_summary(db.session, session.structure_id, session.id)
    tz = db.session.get_one(Structure, session.structure_id).timezone
    return jsonify(_summary_json(summary, tz))


@bp.get("/sessions/<int:session_id>/attendance.csv")
@login_required
def attendance_csv(session_id: int) -> Response:
    """The same as CSV, stable columns (hotline/groupcalls/attendance_csv.py); audited."""
    session = _session(session_id, hosts=False)
    summary = attendance.session_summary(db.session, session.structure_id, session.id)
    tz = db.session.get_one(Structure, session.structure_id).timezone
    retention.audit.record(
        db.session,
        session.structure_id,
        AuditAction.EXPORT,
        staff_id=current_staff().id,
        subject=f"group-session:{session.id}",
        now=clock.now(),
    )
    db.session.commit()
    return Response(
        summary_csv(summary, tz),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=presence-reunion-{session.id}.csv",
            "Cache-Control": "no-store",
        },
    )
