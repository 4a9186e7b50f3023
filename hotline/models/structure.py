"""A structure (SIAE tenant), its numbers, themes, staff, duty schedule and people."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime


class Structure(Base):
    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    script: Mapped[str] = mapped_column(String(64), default="default")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fr"])
    close_on_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    alsace_moselle: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_retention_days: Mapped[int] = mapped_column(Integer, default=90)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    numbers: Mapped[list[PhoneNumber]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="PhoneNumber.e164"
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="Theme.position"
    )
    staff: Mapped[list[Staff]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="Staff.key"
    )
    people: Mapped[list[Person]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="Person.key"
    )
    closures: Mapped[list[DutyException]] = relationship(
        back_populates="structure", cascade="all, delete-orphan", order_by="DutyException.day"
    )


class PhoneNumber(Base):
    """A number callers dial; it identifies the structure of an inbound call."""

    __tablename__ = "phone_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")

    structure: Mapped[Structure] = relationship(back_populates="numbers")


class Theme(Base):
    """A menu theme (administratif, social, numérique...), per structure."""

    __tablename__ = "theme"
    __table_args__ = (
        UniqueConstraint("structure_id", "key"),
        UniqueConstraint("structure_id", "digit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    digit: Mapped[str] = mapped_column(String(1))
    position: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    keywords: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)

    structure: Mapped[Structure] = relationship(back_populates="themes")


class Staff(Base):
    """An accompagnant. `phone_e164` is private: it is dialled, never spoken or shown."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("structure_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    phone_e164: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20), default="staff")  # staff | coordinator | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Signed into each dashboard session; bumped on logout and password change, so a
    # cookie copied before either no longer opens anything (see web/auth.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    structure: Mapped[Structure] = relationship(back_populates="staff")
    slots: Mapped[list[DutySlot]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="DutySlot.id"
    )
    exceptions: Mapped[list[DutyException]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="DutyException.day"
    )


class DutySlot(Base):
    """A weekly slot during which a staff member is on duty for a theme.

    Local wall-clock times in the structure's timezone; `end <= start` crosses midnight.
    """

    __tablename__ = "duty_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)

    staff: Mapped[Staff] = relationship(back_populates="slots")
    theme: Mapped[Theme] = relationship()


# The note of a whole-day closure a staff member set from the phone menu ("3: off duty today").
# The phone menu owns these rows: loading or dumping a structure file never touches them.
PHONE_DUTY_NOTE = "téléphone : hors permanence aujourd'hui"


class DutyException(Base):
    """A dated change: a closure (whole day or a range) or an extra opening.

    Belongs to one staff member, or to the whole structure when `staff_id` is null.
    """

    __tablename__ = "duty_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=True
    )
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), nullable=True
    )
    day: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    start: Mapped[time | None] = mapped_column(Time, nullable=True)
    end: Mapped[time | None] = mapped_column(Time, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")

    @property
    def set_by_phone(self) -> bool:
        """Off duty for the day from the phone menu: the app's, never the structure file's."""
        return self.note == PHONE_DUTY_NOTE

    structure: Mapped[Structure] = relationship(back_populates="closures")
    staff: Mapped[Staff | None] = relationship(back_populates="exceptions")
    theme: Mapped[Theme | None] = relationship()


class Person(Base):
    """A salarié en parcours known to the structure (optional: anyone may call)."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("structure_id", "key"),
        UniqueConstraint("structure_id", "phone_e164"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone_e164: Mapped[str | None] = mapped_column(String(20), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    isolated: Mapped[bool] = mapped_column(Boolean, default=False)
    has_convention: Mapped[bool] = mapped_column(Boolean, default=False)
    risk: Mapped[int] = mapped_column(Integer, default=0)
    # "file": the structure file owns this person (reloading it may remove them);
    # "dashboard": added by a coordinator, never removed by loading a file.
    managed_by: Mapped[str] = mapped_column(String(20), default="file", server_default="file")
    contract_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The person objected to proactive calls (RGPD art. 21): never a check-in for them.
    objects_to_calls: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Local hours the person may be called, inside the structure's own (None: the structure's).
    call_from: Mapped[time | None] = mapped_column(Time, nullable=True)
    call_to: Mapped[time | None] = mapped_column(Time, nullable=True)
    # Days without contact before a check-in (None: the structure's threshold).
    contact_every_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    structure: Mapped[Structure] = relationship(back_populates="people")


class DirectoryVersion(Base):
    """One row, bumped by every change to what `hotline.directory` snapshots.

    Each process checks it (one statement) when its snapshot is due, and reloads the
    structures (seven statements) only when it moved: `hotline.directory_version`.
    """

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
