"""Scheduled group phone calls: series, their sessions, who is invited, and what happened.

A `GroupSeries` is the plan ("Café téléphonique, chaque jeudi 14:00"); each occurrence is a
`GroupSession` row with its own status, so cancelling or moving one occurrence never touches
the series. When a session starts, its invitees are copied into `GroupParticipant` rows: a
change to the audience applies from the next session, never to one already running. Each
participant row is one person's place in one session (several call legs over time: dial,
retry, `*` menu and back); `GroupAttendanceEvent` keeps every conference callback as the
provider sent it, deduplicated, so attendance is computed from facts, not from counters.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, UTCDateTime, enum_column
from hotline.models.calls import PROVIDER_ADDRESS, PROVIDER_SID
from hotline.models.structure import Person, Staff, Structure

MAX_GROUP_SIZE = 250  # Twilio's limit per conference (maxParticipants)


class PersonGroup(Base):
    """A group of salariés the structure follows (an atelier, a chantier), an audience."""

    __tablename__ = "person_group"
    __table_args__ = (UniqueConstraint("structure_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    structure: Mapped[Structure] = relationship()
    members: Mapped[list[Person]] = relationship(
        secondary="person_group_member", order_by="Person.key"
    )


class PersonGroupMember(Base):
    __tablename__ = "person_group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("person_group.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)


class Audience(enum.StrEnum):
    STAFF = "staff"  # l'équipe : every active staff member
    GROUP = "group"  # un groupe de salariés (`person_group_id`)


class GroupSeries(Base):
    """A recurring group call: RRULE evaluated in the structure's timezone from `first_day`.

    `rrule` holds the RFC 5545 rule without DTSTART ("FREQ=WEEKLY;BYDAY=MO"); DTSTART is
    `first_day` at `start_time`, local wall-clock time, so 10:00 stays 10:00 across DST.
    """

    __tablename__ = "group_series"
    __table_args__ = (UniqueConstraint("structure_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))  # stable id in the structure file
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    person_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_group.id", ondelete="SET NULL"), nullable=True
    )
    rrule: Mapped[str] = mapped_column(String(500))
    first_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    pin: Mapped[str] = mapped_column(String(12))  # digits, said to participants, dialled in
    muted_on_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    announce_joins: Mapped[bool] = mapped_column(Boolean, default=True)  # beep on join/leave
    max_participants: Mapped[int] = mapped_column(Integer, default=MAX_GROUP_SIZE)
    hold_message: Mapped[str] = mapped_column(String(500), default="")  # until the host joins
    end_on_host_exit: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_delay_minutes: Mapped[int] = mapped_column(Integer, default=5)  # unanswered, once
    remind_day_before: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_hour_before: Mapped[bool] = mapped_column(Boolean, default=True)
    recording: Mapped[bool] = mapped_column(Boolean, default=False)  # only with announcement
    recording_purpose: Mapped[str] = mapped_column(String(20), default="")  # formation…
    recording_days: Mapped[int] = mapped_column(Integer, default=30)  # kept at most
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    structure: Mapped[Structure] = relationship()
    person_group: Mapped[PersonGroup | None] = relationship()
    hosts: Mapped[list[Staff]] = relationship(secondary="group_series_host", order_by="Staff.key")
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="GroupSession.starts_at"
    )


class GroupSeriesHost(Base):
    __tablename__ = "group_series_host"
    __table_args__ = (UniqueConstraint("series_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)


class GroupPreference(Base):
    """One invitee's choices for one series: no more calls (key 9), no SMS reminders.

    Exactly one of `person_id` / `staff_id` is set. Proposed, never imposed: the coordinator
    sees the opt-out and may talk about it, the app never re-enables it by itself.
    """

    __tablename__ = "group_preference"
    __table_args__ = (
        UniqueConstraint("series_id", "person_id"),
        UniqueConstraint("series_id", "staff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=True
    )
    calls_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # prévue
    STARTING = "starting"  # lancement : a start job holds it
    RUNNING = "running"  # en cours
    ENDED = "ended"  # terminée
    CANCELLED = "cancelled"  # annulée
    MISSED = "missed"  # manquée : nothing ran within its duration


class GroupSession(Base):
    """One occurrence of a series. `occurrence_at` is the rule's instant (unique per series,
    so a sweep creates it once); `starts_at` is when it really starts (moved or not).

    `conference_name` is opaque (never a name or a number, per Twilio's advice) and is the
    FriendlyName every join path uses. `refusal` keeps, in French, why the provider refused
    to dial (account limits), for the host's dashboard.
    """

    __tablename__ = "group_session"
    __table_args__ = (UniqueConstraint("series_id", "occurrence_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("group_series.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), index=True
    )
    occurrence_at: Mapped[datetime] = mapped_column(UTCDateTime())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus), index=True)
    conference_name: Mapped[str] = mapped_column(String(64), unique=True)
    conference_sid: Mapped[str | None] = mapped_column(String(PROVIDER_SID), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    host_in_room: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refusal: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(200), default="")  # why cancelled / moved
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every change
    # Fixed when the session starts (groupcalls.start_session), so a series edited while it
    # runs never records anyone who was not told: "" = not recorded.
    recording_purpose: Mapped[str] = mapped_column(String(20), default="")
    recording_days: Mapped[int] = mapped_column(Integer, default=0)  # announced, then kept

    series: Mapped[GroupSeries] = relationship(back_populates="sessions")
    participants: Mapped[list[GroupParticipant]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="GroupParticipant.dial_order",
    )


class ParticipantRole(enum.StrEnum):
    HOST = "host"  # animateur : starts the room, has the host keypad menu
    INVITEE = "invitee"  # invité : dialled at the start
    GUEST = "guest"  # a caller who joined with the PIN without being invited


class LegStatus(enum.StrEnum):
    PENDING = "pending"  # a leg waits for its `dial_at`
    CALLING = "calling"  # a leg is placed, ringing
    SCREENING = "screening"  # answered, hearing "Tapez 1 pour rejoindre"
    JOINED = "joined"  # in the room (or in the `*` menu, about to come back)
    LEFT = "left"  # was in the room, no longer
    RETRY = "retry"  # not reached, a retry leg waits for its `dial_at`
    NOT_REACHED = "not_reached"  # no answer, busy, voicemail, no key: after the retry
    OPTED_OUT = "opted_out"  # pressed 9 or had opted out of the series: not dialled
    REFUSED = "refused"  # the provider refused the call (account limit, invalid number)
    CANCELLED = "cancelled"  # the session ended before this leg was placed


class GroupParticipant(Base):
    """One invitee (or PIN guest) of one session, across all their call legs.

    `label` is the opaque participantLabel (unique in the room, no name or number). The
    phone is copied at the start so a later edit of the person does not change who this
    session dials. Times in the room are summed from the attendance events.
    """

    __tablename__ = "group_participant"
    __table_args__ = (UniqueConstraint("session_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole))
    # CASCADE: erasing a person (RGPD) deletes their places in sessions, copied phone included.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    phone_e164: Mapped[str | None] = mapped_column(String(PROVIDER_ADDRESS), nullable=True)
    label: Mapped[str] = mapped_column(String(64))
    dial_order: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[LegStatus] = mapped_column(enum_column(LegStatus), index=True)
    call_status: Mapped[str] = mapped_column(String(20), default="")  # ParticipantCallStatus
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    in_room: Mapped[bool] = mapped_column(Boolean, default=False)
    reached: Mapped[bool] = mapped_column(Boolean, default=False)  # a leg was answered
    first_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    seconds_in_room: Mapped[int] = mapped_column(Integer, default=0)
    leave_reason: Mapped[str] = mapped_column(String(60), default="")
    failure_reason: Mapped[str] = mapped_column(String(300), default="")  # in French
    # A recorded session: None until asked; True when they objected (kept muted, not heard).
    recording_objection: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    session: Mapped[GroupSession] = relationship(back_populates="participants")
    person: Mapped[Person | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    legs: Mapped[list[GroupCallLeg]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="GroupCallLeg.number"
    )


class LegKind(enum.StrEnum):
    DIAL = "dial"  # placed at the start, paced
    RETRY = "retry"  # the one automatic retry of an unanswered call
    REDIAL = "redial"  # asked by the host
    DIAL_IN = "dial_in"  # the participant called the hotline


class LegOutcome(enum.StrEnum):
    JOINED = "joined"  # pressed 1 (or dialled in) and entered the room
    OPTED_OUT = "opted_out"  # pressed 9: no more calls for this series
    NO_KEY = "no_key"  # answered, pressed nothing: a voicemail or someone who hung up
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # the network could not connect it
    REFUSED = "refused"  # the provider refused to place it (account limit…)
    CANCELLED = "cancelled"  # the session ended before it was placed or answered


class GroupCallLeg(Base):
    """One telephone call of a participant: placed by us (paced) or received (dial-in).

    A job places a leg at most once: `placing_at` is set by a conditional UPDATE before the
    provider is asked, so a second job (or a second scheduler) finds it taken. `call_sid` is
    unique: every later webhook of that call finds its leg.
    """

    __tablename__ = "group_call_leg"
    __table_args__ = (UniqueConstraint("participant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("group_participant.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2… per participant
    kind: Mapped[LegKind] = mapped_column(enum_column(LegKind))
    dial_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    placing_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    call_sid: Mapped[str | None] = mapped_column(String(PROVIDER_SID), unique=True, nullable=True)
    call_status: Mapped[str] = mapped_column(String(20), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[LegOutcome | None] = mapped_column(enum_column(LegOutcome), nullable=True)
    failure_reason: Mapped[str] = mapped_column(String(300), default="")  # in French

    participant: Mapped[GroupParticipant] = relationship(back_populates="legs")


class GroupAttendanceEvent(Base):
    """A conference status callback as received; the unique key makes retries harmless.

    Twilio numbers the callbacks of a conference (`SequenceNumber`), so the same event
    sent twice carries the same number.
    """

    __tablename__ = "group_attendance_event"
    __table_args__ = (UniqueConstraint("session_id", "conference_sid", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_participant.id", ondelete="CASCADE"), nullable=True, index=True
    )
    conference_sid: Mapped[str] = mapped_column(String(PROVIDER_SID))
    sequence: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(40))  # participant-join, participant-leave…
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    call_sid: Mapped[str] = mapped_column(String(PROVIDER_SID), default="")
    muted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str] = mapped_column(String(60), default="")  # ReasonParticipantLeft
    call_status: Mapped[str] = mapped_column(String(20), default="")  # ParticipantCallStatus
