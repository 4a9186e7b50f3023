"""Group calls under the retention and rights rules: who took part is personal data too.

A session keeps, per participant, a copy of the number dialled (so an edit of the person does
not change who that session rang) and a link to the person. Those are what the rules reach:
- an access request lists the sessions the subject was invited to, with their attendance;
- an erasure removes the link and the number (the row stays, anonymous, so the session's
  counts of invited, reached and joined do not change); erasing a person also deletes their
  rows by cascade, this covers a number that belonged to nobody (a PIN guest);
- the daily purge anonymises participants of sessions older than the person-level period,
  and deletes those sessions' SMS reminder rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hotline.models import GroupParticipant, GroupReminder, GroupSession
from hotline.retention.forget import Party


def participants_of(
    session: Session, structure_id: int, parties: Iterable[Party]
) -> list[GroupParticipant]:
    """The subject's places in this structure's group sessions, oldest first."""
    conditions = [
        GroupParticipant.person_id == party.person_id
        if party.person_id is not None
        else GroupParticipant.phone_e164 == party.phone
        for party in parties
    ]
    if not conditions:
        return []
    return list(
        session.scalars(
            select(GroupParticipant)
            .join(GroupSession, GroupSession.id == GroupParticipant.session_id)
            .where(GroupSession.structure_id == structure_id, or_(*conditions))
            .order_by(GroupSession.starts_at, GroupParticipant.id)
        )
    )


def export_rows(participants: Iterable[GroupParticipant]) -> list[dict[str, Any]]:
    """What an access request shows of each place: the session and how it went."""
    return [
        {
            "id": p.id,
            "reunion": p.session.series.title,
            "debut": p.session.starts_at.isoformat(),
            "role": p.role.value,
            "etat": p.status.value,
            "joint": p.first_joined_at is not None,
            "secondes_dans_la_reunion": p.seconds_in_room,
            "numero_appele": p.phone_e164,
        }
        for p in participants
    ]


def anonymise(session: Session, participants: Iterable[GroupParticipant]) -> int:
    """Forget who each place was (link and number); the attendance figures stay."""
    ids = [p.id for p in participants if p.person_id is not None or p.phone_e164]
    if ids:
        session.execute(
            update(GroupParticipant)
            .where(GroupParticipant.id.in_(ids))
            .values(person_id=None, phone_e164=None)
            .execution_options(synchronize_session="fetch")
        )
    return len(ids)


def purge_old_sessions(
    session: Session, structure_id: int, limit: datetime, *, dry_run: bool
) -> int:
    """Anonymise the participants of sessions that started before `limit`; drop their
    reminders. Returns how many places were (or, in a dry run, would be) anonymised."""
    old = select(GroupSession.id).where(
        GroupSession.structure_id == structure_id, GroupSession.starts_at < limit
    )
    places = list(
        session.scalars(
            select(GroupParticipant).where(
                GroupParticipant.session_id.in_(old),
                or_(
                    GroupParticipant.person_id.is_not(None),
                    GroupParticipant.phone_e164.is_not(None),
                ),
            )
        )
    )
    if dry_run:
        return len(places)
    session.execute(delete(GroupReminder).where(GroupReminder.session_id.in_(old)))
    return anonymise(session, places)
