"""A session's attendance as CSV, with stable columns (documented in the README).

Columns, in this order, never renamed (add new ones at the end):
`session_id, series, starts_at` (local time, ISO 8601 with offset), `participant_id, name,
role` (host | invitee | guest), `invited, reached, joined` (1 or 0), `minutes` (whole minutes
in the room), `left_early` (1 or 0), `leave_reason` (the provider's ReasonParticipantLeft, or
removed_by_host / left_from_menu), `call_status` (ParticipantCallStatus), `opted_out` (1 or 0),
`status` (the participant's last state). No phone number: names only, for the coordinator.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from hotline.groupcalls.attendance import Summary

COLUMNS = (
    "session_id",
    "series",
    "starts_at",
    "participant_id",
    "name",
    "role",
    "invited",
    "reached",
    "joined",
    "minutes",
    "left_early",
    "leave_reason",
    "call_status",
    "opted_out",
    "status",
)


def _cell(value: str) -> str:
    """A name starting with = + - @ is not run as a formula by a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def summary_csv(summary: Summary, tz: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    starts = summary.starts_at.astimezone(ZoneInfo(tz)).isoformat(timespec="minutes")
    for row in summary.rows:
        writer.writerow(
            (
                summary.session_id,
                _cell(summary.title),
                starts,
                row.participant_id,
                _cell(row.name),
                row.role,
                int(row.role != "guest"),
                int(row.reached),
                int(row.joined),
                row.minutes,
                int(row.left_early),
                row.leave_reason,
                row.call_status,
                int(row.opted_out),
                row.status,
            )
        )
    return out.getvalue()
