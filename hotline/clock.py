"""What time it is, as the app sees it.

Everything asks here rather than `datetime.now()`, so a test or a rehearsal
(`hotline call --at`) can place a call on any day at any hour.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app


def now() -> datetime:
    """The current instant, aware, from the app's CLOCK setting."""
    instant: datetime = current_app.config["CLOCK"]()
    if instant.tzinfo is None:
        raise ValueError("CLOCK must return an aware datetime")
    return instant
