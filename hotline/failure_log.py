"""How a failed web request is logged: where it broke, never what it was carrying.

Flask's default handler logs the exception's message, and a driver error's message
quotes the SQL parameters or the server's DETAIL line: a caller's number, a staff
note. As for the webhooks (`telephony/failures.py`), only the method, the endpoint,
the exception's type and the stack frames are written.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

from flask import request

log = logging.getLogger("hotline.web")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


def log_request_failure(exc_info: ExcInfo) -> None:
    """Replaces `Flask.log_exception` for every page and API endpoint."""
    _kind, error, trace = exc_info
    frames = "".join(traceback.format_tb(trace))
    log.error(
        "%s %s failed with %s\n%s",
        request.method,
        request.endpoint,
        type(error).__name__ if error is not None else "an unknown error",
        frames,
    )
