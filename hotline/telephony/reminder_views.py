"""The status callback of a group call's SMS reminder: the provider says the SMS exists.

It settles a reminder whose send job died between the provider's answer and its commit:
the row is marked sent (never sent a second time). Signed like every /voice/ request.
"""

from __future__ import annotations

from flask import Response, request

from hotline import clock
from hotline.extensions import db
from hotline.groupcalls import reminders
from hotline.telephony import bp
from hotline.telephony.args import arg_int
from hotline.telephony.errors import OnError, on_error
from hotline.web.params import is_row_id


@bp.post("/group/reminder-status")
@on_error(OnError.REPORT)
def group_reminder_status() -> Response:
    reminder_id = arg_int("reminder")
    message_sid = request.form.get("MessageSid", "")
    if is_row_id(reminder_id) and message_sid:
        reminders.note_delivery(
            db.session, reminder_id, message_sid, request.form.get("MessageStatus", ""), clock.now()
        )
        db.session.commit()
    return Response(status=204)
