"""How a failed webhook is logged: where it broke, never what it was carrying.

Exception messages can quote SQL parameters or provider errors, which hold phone
numbers; only the exception's type and the stack frames are written.
"""

from __future__ import annotations

import logging
import traceback

from flask import request

log = logging.getLogger("hotline.telephony")


def log_webhook_failure(error: BaseException) -> None:
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("voice webhook %s failed with %s\n%s", request.endpoint, type(error).__name__, frames)
