"""/api/queue: list, claim, release, call, outcome.

Views parse, call one service, commit, answer. Jobs are enqueued only after
the commit, so a worker never looks for a row that is not there yet. The same
endpoints serve the dashboard's plain HTML forms: a form post is answered
with a redirect back to the page and a French message, a JSON call with JSON.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, request, url_for
from sqlalchemy import select

from hotline import callbacks, clock, tasks, transaction_end
from hotline.api.serialize import callback_json, queue_entry_json
from hotline.extensions import db
from hotline.models import Callback, CallbackOutcome, Person, Theme
from hotline.web.auth import current_staff, login_required, visible_structure_id
from hotline.web.csrf import protect
from hotline.web.params import is_row_id, page_window
from hotline.web.redirects import same_origin_path

bp = Blueprint("api", __name__, url_prefix="/api")
NOT_FOUND = "Ce rappel n'existe pas."
protect(bp)


class ApiError(Exception):
    """An error the client can act on; `message` is French, for the staff member."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    transaction_end.discard(db.session)
    if _wants_html():
        flash(error.message, "error")
        return redirect(_back())
    body = {"error": error.code, "message": error.message, **error.extra}
    return jsonify(body), error.status


# How each refusal of the callback services reaches an API client: (status, code).
# The message is always the service's own `reason`, so the precise cause survives
# ("Ce rappel est déjà clos." never becomes a generic "Prenez d'abord ce rappel.").
_REFUSALS: tuple[tuple[type[callbacks.CallbackError], int, str], ...] = (
    (callbacks.AlreadyClaimed, 409, "already_claimed"),
    (callbacks.OutsideOutboundHours, 409, "outside_hours"),
    (callbacks.NotClaimable, 409, "not_claimable"),
    (callbacks.InvalidInput, 400, "invalid"),
    (callbacks.NotAllowed, 403, "not_allowed"),
)


@bp.errorhandler(callbacks.CallbackError)
def _refused(error: callbacks.CallbackError) -> Any:
    """A queue rule said no: the staff member reads why, in French, never a 500."""
    status, code = next(
        ((s, c) for kind, s, c in _REFUSALS if isinstance(error, kind)), (409, "refused")
    )
    extra: dict[str, Any] = {}
    if isinstance(error, callbacks.AlreadyClaimed):
        extra["claimed_by"] = error.by_name
    if isinstance(error, callbacks.OutsideOutboundHours):
        extra["next_allowed"] = error.next_allowed.isoformat() if error.next_allowed else None
    return _api_error(ApiError(status, code, error.reason, **extra))


def _wants_html() -> bool:
    return not request.is_json and request.accept_mimetypes.accept_html


def _back() -> str:
    return same_origin_path(request.form.get("next"), "/queue")


def _done(payload: dict[str, Any], message: str) -> Any:
    if _wants_html():
        flash(message, "info")
        return redirect(_back())
    return jsonify(payload)


def _params() -> dict[str, Any]:
    """The request's fields (JSON object or form). A NUL character, which no name, number or
    note holds and a PostgreSQL text column refuses outright, is a 400 that says so."""
    if not request.is_json:
        params = request.form.to_dict()
    else:
        body = request.get_json(silent=True)
        if body is not None and not isinstance(body, dict):
            raise ApiError(400, "invalid_body", "Le contenu envoyé doit être un objet JSON.")
        params = body or {}
    if any(isinstance(value, str) and "\x00" in value for value in params.values()):
        raise ApiError(400, "invalid", "Un champ contient un caractère nul (\\x00).")
    return params


def _callback(callback_id: int) -> Callback:
    """The entry, if it belongs to the staff member's structure (else 404, not 403: no leak)."""
    found = (
        db.session.scalar(
            select(Callback).where(
                Callback.id == callback_id, Callback.structure_id == visible_structure_id()
            )
        )
        if is_row_id(callback_id)
        else None
    )
    if found is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    return found


@bp.get("/queue")
@login_required
def queue() -> Response:
    """One page of the queue in policy order (`limit`, `offset`, `theme`), the counts per
    theme, and `next`: the URL of the following page, or null on the last one."""
    try:
        limit, offset = page_window(request.args)
    except ValueError as error:
        raise ApiError(400, "invalid", str(error)) from None
    structure_id, now = visible_structure_id(), clock.now()
    theme = request.args.get("theme", "")
    entries = callbacks.list_queue(
        db.session,
        structure_id,
        now,
        limit=limit + 1,  # one more tells whether a next page exists
        offset=offset,
        theme_id=_owned_id(Theme, theme, structure_id),
    )
    following = None
    if len(entries) > limit:
        more: dict[str, Any] = {"theme": theme} if theme else {}
        following = url_for("api.queue", limit=limit, offset=offset + limit, **more)
    shown = [queue_entry_json(entry) for entry in entries[:limit]]
    return jsonify({"entries": shown, **_counts(structure_id, now), "next": following})


def _counts(structure_id: int, now: Any) -> dict[str, Any]:
    """The queue's counts, per theme key ("" for entries without a theme)."""
    counts = callbacks.queue_counts(db.session, structure_id, now)
    keys = counts.theme_keys
    per_theme = {
        keys.get(theme_id, "") if theme_id else "": n for theme_id, n in counts.per_theme.items()
    }
    return {"total": counts.total, "callable_now": counts.callable_now, "per_theme": per_theme}


@bp.post("/callbacks")
@login_required
def add() -> Any:
    """A staff member adds someone to call back (met in person, a note on paper...)."""
    params = _params()
    structure_id = visible_structure_id()
    theme_id = _owned_id(Theme, params.get("theme"), structure_id)
    person_id = _owned_id(Person, params.get("person"), structure_id)
    callback = callbacks.create_manual_callback(
        db.session,
        structure_id=structure_id,
        staff=current_staff(),
        phone=str(params.get("phone", "")),
        theme_id=theme_id,
        person_id=person_id,
        note=str(params.get("note", "")),
        now=clock.now(),
    )
    db.session.commit()
    if _wants_html():
        flash("Rappel ajouté à la file.", "info")
        return redirect(_back())
    return jsonify(callback_json(callback)), 201


def _owned_id(model: Any, key: Any, structure_id: int) -> int | None:
    """The id of the theme or person named by its key in this structure ('' for none)."""
    if not key:
        return None
    found = db.session.scalar(
        select(model.id).where(model.structure_id == structure_id, model.key == str(key))
    )
    if found is None:
        raise ApiError(400, "unknown", f"« {key} » n'existe pas dans votre structure.")
    return int(found)


@bp.post("/callbacks/<int:callback_id>/claim")
@login_required
def claim(callback_id: int) -> Any:
    """Take the entry: one conditional UPDATE decides (no read before it), then the commit.

    Only a refused claim reads the entry, to say why; an entry of another structure, or
    none, is a 404 as on every route here.
    """
    if not is_row_id(callback_id):
        raise ApiError(404, "not_found", NOT_FOUND)
    try:
        callback = callbacks.claim_callback(db.session, callback_id, current_staff(), clock.now())
    except callbacks.UnknownCallback:
        raise ApiError(404, "not_found", NOT_FOUND) from None
    if not _wants_html():  # the message is for the page; a script reads the entry's state
        # Read in the claim's transaction: after its commit, the entry's theme, person and
        # message would load in a transaction begun for them (a BEGIN and a COMMIT more). The
        # winner holds the row lock for these few reads by primary key.
        body = callback_json(callback)
        db.session.commit()
        return jsonify(body)
    db.session.commit()
    state = callbacks.call_progress(db.session, callback, current_staff(), clock.now())
    # Out of hours the page says when calls are allowed: the message must not contradict it.
    said = "Rappel pris. Vous pouvez appeler." if state.may_call else "Rappel pris."
    return _done(callback_json(callback), said)


@bp.post("/callbacks/<int:callback_id>/release")
@login_required
def release(callback_id: int) -> Any:
    callback = _callback(callback_id)
    callbacks.release_callback(db.session, callback.id, current_staff(), clock.now())
    db.session.commit()
    return _done(callback_json(callback), "Rappel remis dans la file.")


@bp.post("/callbacks/<int:callback_id>/call")
@login_required
def call(callback_id: int) -> Any:
    callback = _callback(callback_id)
    attempt = callbacks.start_attempt(db.session, callback.id, current_staff(), clock.now())
    job = tasks.enqueue_after_commit(db.session, tasks.PLACE_CALLBACK_CALL, attempt.id)
    db.session.commit()
    if job.deferred:
        message = "L'appel sera lancé dès que possible : votre téléphone sonnera."
    elif job.queued:
        message = "Votre téléphone va sonner. Tapez 1 pour appeler la personne."
    else:
        message = "Cet appel est déjà demandé : votre téléphone va sonner, ou vient de sonner."
    payload = {
        **callback_json(callback),
        "attempt": attempt.number,
        "already_requested": not job.queued and not job.deferred,
        "deferred": job.deferred,
    }
    return _done(payload, message)


@bp.get("/callbacks/<int:callback_id>/progress")
@login_required
def progress(callback_id: int) -> Response:
    """Where the entry's call stands, for the callback page that follows it (static JS)."""
    callback = _callback(callback_id)
    state = callbacks.call_progress(db.session, callback, current_staff(), clock.now())
    return jsonify(dataclasses.asdict(state))


@bp.post("/callbacks/<int:callback_id>/cancel-call")
@login_required
def cancel_call(callback_id: int) -> Any:
    """End an attempt stuck on "Appel en cours" (no call came): the entry is held again."""
    callback = _callback(callback_id)
    callbacks.cancel_attempt(db.session, callback.id, current_staff(), clock.now())
    db.session.commit()
    db.session.refresh(callback)
    return _done(
        callback_json(callback),
        "Tentative annulée. Vous pouvez rappeler ou remettre le rappel dans la file.",
    )


@bp.post("/callbacks/<int:callback_id>/outcome")
@login_required
def outcome(callback_id: int) -> Any:
    callback = _callback(callback_id)
    params = _params()
    try:
        chosen = CallbackOutcome(params.get("outcome", ""))
    except ValueError:
        raise ApiError(400, "bad_outcome", "Choisissez le résultat de l'appel.") from None
    result = callbacks.record_outcome(
        db.session,
        callback_id=callback.id,
        staff=current_staff(),
        outcome=chosen,
        note=str(params.get("note", "")),
        referred_to=str(params.get("referred_to", "")),
        now=clock.now(),
        called_elsewhere=params.get("called_elsewhere") in (True, "1", "on", "true"),
    )
    if result.sms_needed:
        tasks.enqueue_after_commit(db.session, tasks.SEND_LAST_ATTEMPT_SMS, callback.id)
    db.session.commit()
    return _done(callback_json(result.callback), "Résultat enregistré.")
