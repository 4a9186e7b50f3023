"""The contact record: one row each time the link with a person was really kept.

An answered inbound call, a callback that reached the person, a group-call attendance, a
check-in call. No content and no note: who (person, or the number of someone not yet linked
to a person), which staff member, what kind, which theme, when and for how long. A contact is
written where the event is observed, keyed by `source_key` (the CallSid, the attempt…), so a
retried status callback finds its row and adds nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime, enum_column
from hotline.models.calls import PROVIDER_ADDRESS
from hotline.models.structure import Person, Staff, Theme


class ContactKind(enum.StrEnum):
    INBOUND = "inbound"  # appel entrant décroché
    CALLBACK = "callback"  # rappel qui a joint la personne
    GROUP_CALL = "group_call"  # présence à une réunion téléphonique
    CHECK_IN = "check_in"  # appel de suivi qui a joint la personne


class Contact(Base):
    """One kept link: who, by whom, what kind, which theme, when, how long. Nothing said."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Only while no person is linked: staff may link the number later (back-fill).
    phone_e164: Mapped[str | None] = mapped_column(String(PROVIDER_ADDRESS), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[ContactKind] = mapped_column(enum_column(ContactKind))
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), nullable=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)

    person: Mapped[Person | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class CheckInRun(Base):
    """When a structure's next check-in sweep is due: the schedule row the periodic job sweeps.

    The sweep that moves `due_at` forward by a conditional UPDATE is the only one that creates
    that day's check-ins, so two schedulers (or a retried job) never double them.
    """

    __tablename__ = "check_in_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), unique=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created: Mapped[int] = mapped_column(Integer, default=0)  # check-ins the last run created
