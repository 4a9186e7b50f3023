"""What the database kept against what the emulator saw, call by call.

The emulator is the telephone network's record: which caller left a message (a recording
was made), who pressed 1 to be called back, which staff phone picked up, every outbound
call the REST API placed (each names its attempt in its status callback URL), every leg
that call dialled, every SMS. The database must tell the same story: a voicemail row per
recording, the consent the caller gave, one entry per consent, one attempt row per staff
call and none placed twice, the person's leg on that attempt, one SMS per abandoned entry.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_engine, text

FINISHED = ("done", "abandoned")


@dataclass
class Heard:
    """One inbound call as the network saw it."""

    index: int
    scenario: str
    caller: str
    call_sid: str
    recording_sid: str | None  # a message was recorded
    consent: str | None  # the key pressed at "Voulez-vous que l'on vous rappelle ?"
    staff_bridged: bool
    fell_back: bool  # Twilio would have served the fallback Bin (the app failed)


def heard(index: int, scenario: str, caller: str, log: Any, emulator: Any) -> Heard:
    """Read the emulator's log of one inbound call, and whether staff joined its room."""
    recording = next((r.sid for r in log.recordings if r.status == "completed"), None)
    consent = None
    for request in log.requests:
        if urlsplit(request.url).path == "/voice/consent":
            consent = request.params.get("Digits") or consent
    return Heard(
        index,
        scenario,
        caller,
        log.call_sid,
        recording,
        consent,
        _staff_joined(emulator, log.call_sid, caller),
        any(event.kind == "error" for event in log.events),
    )


def _staff_joined(emulator: Any, call_sid: str, caller: str) -> bool:
    """Someone besides the caller came into the caller's waiting room (`accueil-<CallSid>`)."""
    name = f"accueil-{call_sid}"
    for room in list(emulator.conferences.by_sid.values()):  # one C call: other calls go on
        if room.friendly_name == name:
            return any(p.number != caller for p in room.history)
    return False


@dataclass
class Placed:
    """What the REST side of the emulator did for one callback entry."""

    staff_calls: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    person_legs: dict[str, str] = field(default_factory=dict)  # dial sid -> status
    sms: int = 0


def placed_by_attempt(fake: Any) -> tuple[dict[int, list[str]], dict[str, tuple[str, str]]]:
    """REST calls per attempt id (from their status callback URL), and each call's person leg."""
    per_attempt: dict[int, list[str]] = defaultdict(list)
    legs: dict[str, tuple[str, str]] = {}
    for sid, call in list(fake.calls.items()):
        query = parse_qs(urlsplit(call.status_callback or "").query)
        found = re.fullmatch(r"\d+", (query.get("attempt") or [""])[0])
        if found:
            per_attempt[int(found[0])].append(sid)
        for outcome in call.log.dial_outcomes if call.log is not None else ():
            legs[sid] = (outcome.dial_call_sid, outcome.status)
    return per_attempt, legs


def read_database(url: str) -> dict[str, Any]:
    """Every row the comparison needs, read once at the end."""
    engine = create_engine(url)
    with engine.connect() as db:

        def rows(sql: str) -> list[Any]:
            return list(db.execute(text(sql)))

        found = {
            "calls": {r.call_sid: r for r in rows("SELECT * FROM call")},
            "voicemails": {r.call_id: r for r in rows("SELECT * FROM voicemail")},
            "entries": {
                r.voicemail_id: r.callback_id
                for r in rows("SELECT callback_id, voicemail_id FROM callback_message")
            },
            "callbacks": {r.id: r for r in rows("SELECT * FROM callback")},
            "attempts": rows("SELECT * FROM callback_attempt ORDER BY callback_id, number"),
            "outbox_waiting": rows("SELECT id FROM outbox_job WHERE delivered_at IS NULL"),
            # Why a caller was not put through: the menu's route, and a release with no leg
            # rung (Redis down when they chose: the voicemail at once, by design).
            "routes": {
                r.call_id: r.detail
                for r in rows("SELECT call_id, detail FROM call_event WHERE kind = 'route'")
            },
            "released_unrung": {
                r.call_id
                for r in rows(
                    "SELECT call_id FROM call_event e WHERE kind = 'ring' AND detail = 'released'"
                    " AND NOT EXISTS (SELECT 1 FROM call_event l WHERE l.call_id = e.call_id"
                    " AND l.kind LIKE 'ring-leg:%')"
                )
            },
        }
    engine.dispose()
    return found


@dataclass
class Line:
    """One inbound call's row of the comparison."""

    heard: Heard
    kept: str
    problems: list[str]


@dataclass
class Comparison:
    lines: list[Line]
    problems: list[str]
    totals: Counter[str]


def compare(url: str, calls: list[Heard], fake: Any, unreachable: Any) -> Comparison:
    """Compare call by call; every mismatch is a problem named by CallSid or entry."""
    db = read_database(url)
    per_attempt, legs = placed_by_attempt(fake)
    attempts_of: dict[int, list[Any]] = defaultdict(list)
    for attempt in db["attempts"]:
        attempts_of[attempt.callback_id].append(attempt)
    sms_to = Counter(message.get("to") for message in fake.messages)
    totals: Counter[str] = Counter()
    lines = [
        _line(call, db, attempts_of, per_attempt, legs, sms_to, unreachable, totals)
        for call in calls
    ]
    problems = [
        f"{line.heard.call_sid} (#{line.heard.index}): {p}" for line in lines for p in line.problems
    ]
    known = {a.id for a in db["attempts"]}
    problems += [
        f"attempt {a}: {len(s)} staff calls placed" for a, s in per_attempt.items() if len(s) > 1
    ]
    problems += [f"REST call for unknown attempt {a}" for a in per_attempt if a not in known]
    problems += [f"SMS to one number sent {n} times" for n in sms_to.values() if n > 1]
    if db["outbox_waiting"]:
        problems.append(f"{len(db['outbox_waiting'])} outbox jobs never relayed")
    totals.update(
        rest_calls=len(fake.calls),
        sms=len(fake.messages),
        attempts=len(db["attempts"]),
        duplicate_calls=sum(len(s) - 1 for s in per_attempt.values() if len(s) > 1),
        duplicate_sms=sum(n - 1 for n in sms_to.values() if n > 1),
    )
    return Comparison(lines, problems, totals)


def _line(
    call: Heard,
    db: dict[str, Any],
    attempts_of: dict[int, list[Any]],
    per_attempt: dict[int, list[str]],
    legs: dict[str, tuple[str, str]],
    sms_to: Counter[str],
    unreachable: Any,
    totals: Counter[str],
) -> Line:
    problems: list[str] = []
    totals["fell back"] += call.fell_back
    row = db["calls"].get(call.call_sid)
    if row is None:
        return Line(call, "no call row", ["the database has no row for this call"])
    voicemail = db["voicemails"].get(row.id)
    totals["staff answered"] += call.staff_bridged
    if call.scenario == "staff answers" and not call.staff_bridged:
        if row.id in db["released_unrung"]:
            totals["not put through: Redis down, voicemail at once"] += 1
        elif db["routes"].get(row.id, "").endswith(":all_busy"):
            totals["not put through: all staff busy"] += 1
        else:
            problems.append("staff on duty who answer were never reached")
    if call.scenario.startswith("message") and call.consent is None:
        problems.append("no answer to the callback question: the scripted keys went elsewhere")
    accepted = row.staff_id is not None and row.answered_at is not None
    if call.staff_bridged != accepted:
        problems.append(f"staff bridged {call.staff_bridged}, database says {accepted}")
    if call.recording_sid is not None:
        totals["messages"] += 1
        if voicemail is None or voicemail.recording_sid != call.recording_sid:
            problems.append("message recorded, no voicemail row with its recording (LOST)")
            totals["lost messages"] += 1
    wanted = call.consent == "1"
    totals["consents"] += wanted
    kept_consent = None
    if voicemail is not None and voicemail.callback_consent is not None:
        kept_consent = bool(voicemail.callback_consent)  # SQLite returns 0 or 1
    if call.consent in ("1", "2") and kept_consent is not wanted:
        problems.append(f"pressed {call.consent}, database consent {kept_consent} (LOST)")
        totals["lost consents"] += 1
    entry_id = db["entries"].get(voicemail.id) if voicemail is not None else None
    if wanted != (entry_id is not None):
        problems.append(f"consent {wanted} but callback entry {entry_id}")
    if entry_id is None:
        kept = f"voicemail {'yes' if voicemail is not None else 'no'}, no callback"
        return Line(call, kept, problems)
    entry = db["callbacks"][entry_id]
    kept = _entry(call, entry, attempts_of[entry_id], per_attempt, legs, sms_to, problems)
    expected = "abandoned" if unreachable(call.caller) else "done"
    if entry.status != expected:
        problems.append(f"entry {entry_id} ends {entry.status}, expected {expected}")
    totals[f"callbacks {entry.status}"] += 1
    return Line(call, kept, problems)


def _entry(
    call: Heard,
    entry: Any,
    attempts: list[Any],
    per_attempt: dict[int, list[str]],
    legs: dict[str, tuple[str, str]],
    sms_to: Counter[str],
    problems: list[str],
) -> str:
    """Attempt by attempt: the staff call the database names is the one the network placed."""
    calls = 0
    for attempt in attempts:
        placed = per_attempt.get(attempt.id, [])
        calls += len(placed)
        if attempt.staff_call_sid and placed != [attempt.staff_call_sid]:
            problems.append(
                f"attempt {attempt.id}: database {attempt.staff_call_sid}, network {placed}"
            )
        if not attempt.staff_call_sid and placed:
            problems.append(f"attempt {attempt.id}: network placed {placed}, database has none")
        person = legs.get(attempt.staff_call_sid or "")
        if person is not None and attempt.caller_call_sid != person[0]:
            problems.append(f"attempt {attempt.id}: person leg {person[0]} not in the database")
    sent = sms_to.get(call.caller, 0)
    if sent != (1 if entry.sms_sent_at is not None else 0):
        problems.append(f"{sent} SMS sent, database sms_sent_at {entry.sms_sent_at}")
    failed = sum(1 for a in attempts if a.failure_reason)
    extra = f", {failed} reopened" if failed else ""
    return (
        f"callback {entry.id} {entry.status}, {len(attempts)} attempts{extra}, "
        f"{calls} staff calls, {sent} SMS"
    )


def render(comparison: Comparison, show_every_call: bool) -> list[str]:
    """The comparison as printed: one line per call (or only the mismatches), then totals."""
    out = [f"{'#':>4} {'call':<12} {'scenario':<15} {'network':<32} database"]
    for line in comparison.lines:
        if not show_every_call and not line.problems:
            continue
        call = line.heard
        network = "staff" if call.staff_bridged else "message" if call.recording_sid else "-"
        network += f", consent {call.consent}" if call.consent else ""
        network += ", FALLBACK" if call.fell_back else ""
        verdict = "ok" if not line.problems else "MISMATCH: " + "; ".join(line.problems)
        out.append(
            f"{call.index:>4} {call.call_sid[:10] + '…':<12} {call.scenario:<15} "
            f"{network:<32} {line.kept} — {verdict}"
        )
    return out
