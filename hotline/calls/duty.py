"""A staff member going off duty for today, or back on, from their phone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.directory import StructureInfo, directory
from hotline.models import PHONE_DUTY_NOTE, DutyException, Staff

DUTY_NOTE = PHONE_DUTY_NOTE  # shown to staff beside the closure; the phone menu owns the row


def toggle_duty_today(
    session: Session, structure: StructureInfo, staff: Staff, now: datetime
) -> bool:
    """Off duty for the whole local day, or back to the usual slots; True when now off.

    A whole-day closure of this staff member today means off; removing it means on again.
    The directory is refreshed in this process; others see it within its cache delay.
    """
    today = now.astimezone(structure.tz).date()
    closures = [e for e in staff.exceptions if e.day == today and e.closed and e.start is None]
    for closure in closures:
        staff.exceptions.remove(closure)  # delete-orphan: the row goes at flush
    if not closures:
        staff.exceptions.append(
            DutyException(structure_id=staff.structure_id, day=today, closed=True, note=DUTY_NOTE)
        )
    session.flush()
    directory().invalidate()
    return not closures
