"""Listening to a recording through the app: fetched with our credentials, never linked.

Both a caller's message and a group call's recording are streamed this way, and every listen
goes to the audit log (who, which recording, when); the provider's URL never leaves us.
"""

from __future__ import annotations

from flask import Response, abort

from hotline import clock, gateway, retention
from hotline.extensions import db
from hotline.models import AuditAction
from hotline.web.auth import current_staff


def stream_recording(url: str, structure_id: int, subject: str) -> Response:
    """The audio, with the listen logged and committed; 404 when gone, 502 when unreachable."""
    try:
        audio, content_type = gateway.fetch_recording(url)
    except gateway.GatewayError as error:  # gone (purged) or the provider is unreachable
        abort(404 if error.status == 404 else 502)
    except ValueError:  # a URL on another host: never send our credentials there
        abort(502)
    retention.audit.record(
        db.session,
        structure_id,
        AuditAction.LISTEN,
        staff_id=current_staff().id,
        subject=subject,
        now=clock.now(),
    )
    db.session.commit()
    return Response(audio, mimetype=content_type, headers={"Cache-Control": "no-store"})
