"""The daily purge: what each structure's retention settings say must go, goes.

Three steps per structure, each safe to run again (a second run finds nothing to do):
1. messages: the recording is deleted at the provider and its sid and URL forgotten, once its
   callback closed `voicemail_days_after_close` ago (or it never had one), and in any case
   once it is `voicemail_days` old. The voicemail row stays (duration, theme) until step 2.
2. callers: a party (a person, or a number linked to nobody) whose last contact is older than
   `person_data_days` is forgotten: calls, events, messages, listenings, callbacks, attempts,
   with their counts kept in `ActivityCount`.
3. the audit log: entries older than `audit_days` are deleted (the one deletion it allows).
4. group calls: the places of sessions older than `person_data_days` are anonymised (link and
   number copy forgotten, attendance figures kept) and their SMS reminder rows deleted.

A recording the provider would not delete (unreachable) keeps its row for the next run; the
rest goes on. Logged as counts only, never a number or a name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hotline import gateway
from hotline.models import AuditEntry, Call, Contact, Structure, Voicemail
from hotline.models import Callback as CallbackRow
from hotline.retention import group_calls
from hotline.retention.forget import Forgotten, Party, delete_recording, forget_rows, rows_of
from hotline.retention.settings import RetentionSettings, retention_settings

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    """What the purge of one structure deleted (or, in a dry run, would delete)."""

    slug: str
    dry_run: bool
    recordings: int = 0
    recordings_failed: int = 0
    parties: int = 0
    forgotten: Forgotten = field(default_factory=Forgotten)
    audit_entries: int = 0
    group_places: int = 0

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        lines = [
            f"{self.slug}: {verb} {self.recordings} recording(s) past their retention",
            f"{self.slug}: {verb} the rows of {self.parties} caller(s) with no contact for the "
            f"retention period ({self.forgotten.words()})",
            f"{self.slug}: {verb} {self.audit_entries} audit entries",
            f"{self.slug}: {'would anonymise' if self.dry_run else 'anonymised'} "
            f"{self.group_places} place(s) in group calls past the retention period",
        ]
        if self.recordings_failed:
            lines.append(
                f"{self.slug}: {self.recordings_failed} recording(s) could not be deleted "
                "at the provider; tried again on the next run"
            )
        return lines


def purge_all(session: Session, now: datetime, *, dry_run: bool = False) -> list[PurgeReport]:
    """Purge every structure; flushes (the job or the command commits)."""
    structures = session.scalars(select(Structure).order_by(Structure.slug)).all()
    return [purge_structure(session, structure, now, dry_run=dry_run) for structure in structures]


def purge_structure(
    session: Session, structure: Structure, now: datetime, *, dry_run: bool = False
) -> PurgeReport:
    settings = retention_settings(structure)
    report = PurgeReport(structure.slug, dry_run)
    _purge_recordings(session, structure.id, settings, now, report)
    _forget_silent_parties(session, structure, settings, now, report)
    old_audit = AuditEntry.structure_id == structure.id, AuditEntry.at < settings.audit_limit(now)
    report.audit_entries = session.scalar(select(func.count(AuditEntry.id)).where(*old_audit)) or 0
    if not dry_run and report.audit_entries:
        session.execute(delete(AuditEntry).where(*old_audit))  # by age: the only deletion
    report.group_places = group_calls.purge_old_sessions(
        session, structure.id, settings.person_limit(now), dry_run=dry_run
    )
    session.flush()
    if not dry_run:
        log.info(
            "purge of structure %d: %d recordings, %d callers (%s), %d audit entries, "
            "%d group-call places, %d recordings left for the next run",
            structure.id,
            report.recordings,
            report.parties,
            report.forgotten.words(),
            report.audit_entries,
            report.group_places,
            report.recordings_failed,
        )
    return report


def recordings_due(
    session: Session, structure_id: int, settings: RetentionSettings, now: datetime
) -> list[Voicemail]:
    """Messages whose recording must be deleted now."""
    closed_long_ago = select(CallbackRow.voicemail_id).where(
        CallbackRow.voicemail_id.is_not(None),
        CallbackRow.closed_at.is_not(None),
        CallbackRow.closed_at < settings.closed_limit(now),
    )
    with_callback = select(CallbackRow.voicemail_id).where(CallbackRow.voicemail_id.is_not(None))
    return list(
        session.scalars(
            select(Voicemail)
            .where(
                Voicemail.structure_id == structure_id,
                or_(Voicemail.recording_sid.is_not(None), Voicemail.recording_url.is_not(None)),
                or_(
                    Voicemail.created_at < settings.recording_limit(now),
                    Voicemail.id.in_(closed_long_ago),
                    (Voicemail.created_at < settings.closed_limit(now))
                    & Voicemail.id.not_in(with_callback),
                ),
            )
            .order_by(Voicemail.id)
        )
    )


def _purge_recordings(
    session: Session,
    structure_id: int,
    settings: RetentionSettings,
    now: datetime,
    report: PurgeReport,
) -> None:
    for voicemail in recordings_due(session, structure_id, settings, now):
        if report.dry_run:
            report.recordings += 1
            continue
        try:
            report.recordings += delete_recording(voicemail)
        except gateway.GatewayError:
            report.recordings_failed += 1
    session.flush()


def silent_parties(
    session: Session, structure_id: int, settings: RetentionSettings, now: datetime
) -> list[Party]:
    """Parties whose last call, callback or contact is older than the person-level period."""
    last: dict[Party, datetime] = {}

    def note(party: Party, at: datetime | None) -> None:
        if at is not None and (party not in last or at > last[party]):
            last[party] = at

    calls = session.execute(
        select(Call.person_id, Call.from_e164, func.max(Call.started_at))
        .where(Call.structure_id == structure_id)
        .group_by(Call.person_id, Call.from_e164)
    ).all()
    for person_id, number, at in calls:
        note(Party(person_id) if person_id is not None else Party(None, number), at)
    callbacks = session.execute(
        select(
            CallbackRow.person_id,
            CallbackRow.phone_e164,
            func.max(CallbackRow.created_at),
            func.max(CallbackRow.closed_at),
        )
        .where(CallbackRow.structure_id == structure_id)
        .group_by(CallbackRow.person_id, CallbackRow.phone_e164)
    ).all()
    for person_id, number, created, closed in callbacks:
        party = Party(person_id) if person_id is not None else Party(None, number)
        note(party, created)
        note(party, closed)
    contacts = session.execute(
        select(
            Contact.person_id,
            func.coalesce(Contact.phone_e164, ""),
            func.max(Contact.started_at),
        )
        .where(Contact.structure_id == structure_id)
        .group_by(Contact.person_id, Contact.phone_e164)
    ).all()
    for person_id, phone, at in contacts:
        if person_id is not None or phone:
            note(Party(person_id) if person_id is not None else Party(None, phone), at)
    limit = settings.person_limit(now)
    return sorted(
        (party for party, at in last.items() if at < limit),
        key=lambda p: (p.person_id or 0, p.phone),
    )


def _forget_silent_parties(
    session: Session,
    structure: Structure,
    settings: RetentionSettings,
    now: datetime,
    report: PurgeReport,
) -> None:
    for party in silent_parties(session, structure.id, settings, now):
        rows = rows_of(session, structure.id, [party])
        report.parties += 1
        if report.dry_run:
            report.forgotten.add(
                Forgotten(
                    calls=len(rows.calls),
                    voicemails=len(rows.voicemails),
                    callbacks=len(rows.callbacks),
                    contacts=len(rows.contacts),
                )
            )
            continue
        try:  # a recording refused raises before any row is deleted: the party waits
            report.forgotten.add(forget_rows(session, structure, rows))
        except gateway.GatewayError:
            report.parties -= 1
            report.recordings_failed += 1
