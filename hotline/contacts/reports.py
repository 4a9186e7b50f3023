"""The activity report for funders: contacts per person and per week, by kind and theme,
permanence hours held, callbacks made and their outcomes, group-call attendance.

Counted over whole local days of the structure's zone (a month, or any range). Contacts come
from the record; once the retention purge or an erasure has removed a person's rows, their
contacts still count through the anonymous daily aggregates (`ActivityCount`, metrics
`contacts_<kind>`, `callback_attempts`, `callbacks_<outcome>`), in the weekly and per-theme
totals, never per person. Nothing here names anyone: persons appear by their key.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import directory
from hotline.models import (
    ActivityCount,
    Callback,
    CallbackAttempt,
    CallbackOutcome,
    CallbackSource,
    Contact,
    ContactKind,
    Person,
    Structure,
    Theme,
)
from hotline.schedules import Interval, open_intervals

KINDS = (ContactKind.INBOUND, ContactKind.CALLBACK, ContactKind.CHECK_IN, ContactKind.GROUP_CALL)
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
NO_THEME = ""  # a contact with no theme chosen (a check-in, "any theme")
UNLINKED = ""  # the person key of a contact whose number is linked to nobody yet


@dataclass(frozen=True)
class Period:
    """Whole local days, `first` to `last` included."""

    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC."""
        start = datetime.combine(self.first, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def label(self) -> str:
        if self.first.day == 1 and self == Period.month(self.first.year, self.first.month):
            return f"{MONTHS[self.first.month - 1]} {self.first.year}"
        return f"du {self.first:%d/%m/%Y} au {self.last:%d/%m/%Y}"

    def weeks(self) -> list[date]:
        """The Mondays of the weeks the period touches."""
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class ContactLine:
    """One line of the contacts CSV: a week, a person, a theme."""

    week: date
    person: str  # the person's key, or "" for a number linked to nobody
    theme: str
    counts: dict[ContactKind, int]
    minutes: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Report:
    structure: str
    period: Period
    themes: dict[str, str]  # key → French label, in menu order
    lines: list[ContactLine] = field(default_factory=list)
    by_week: dict[date, Counter[ContactKind]] = field(default_factory=dict)
    by_theme: dict[str, Counter[ContactKind]] = field(default_factory=dict)
    by_kind: Counter[ContactKind] = field(default_factory=Counter)
    anonymised: Counter[ContactKind] = field(default_factory=Counter)
    persons_reached: int = 0
    minutes: int = 0
    permanence_hours: dict[str, float] = field(default_factory=dict)
    callback_attempts: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    check_ins_created: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def build_report(session: Session, structure: Structure, period: Period) -> Report:
    """Every number of the report for `period` (read-only)."""
    tz = ZoneInfo(structure.timezone)
    themes = {t.key: t.labels.get("fr", t.key) for t in structure.themes}
    report = Report(structure.name, period, themes)
    report.by_week = {week: Counter() for week in period.weeks()}
    report.by_theme = {key: Counter() for key in (*themes, NO_THEME)}
    _contacts(session, structure, period, tz, report)
    _anonymised(session, structure, period, report)
    _callbacks(session, structure, period, tz, report)
    report.permanence_hours = permanence_hours(structure, period)
    return report


def _contacts(
    session: Session, structure: Structure, period: Period, tz: ZoneInfo, report: Report
) -> None:
    start, end = period.bounds(tz)
    theme_keys = dict(
        session.execute(select(Theme.id, Theme.key).where(Theme.structure_id == structure.id)).all()
    )
    person_keys = dict(
        session.execute(
            select(Person.id, Person.key).where(Person.structure_id == structure.id)
        ).all()
    )
    grouped: dict[tuple[date, str, str], Counter[ContactKind]] = defaultdict(Counter)
    seconds: Counter[tuple[date, str, str]] = Counter()
    reached = set()
    for contact in session.scalars(
        select(Contact).where(
            Contact.structure_id == structure.id,
            Contact.started_at >= start,
            Contact.started_at < end,
        )
    ):
        week = week_of(contact.started_at.astimezone(tz).date())
        person = person_keys.get(contact.person_id or 0, UNLINKED)
        theme = theme_keys.get(contact.theme_id or 0, NO_THEME)
        grouped[(week, person, theme)][contact.kind] += 1
        seconds[(week, person, theme)] += contact.duration_s
        report.by_week[week][contact.kind] += 1
        report.by_theme.setdefault(theme, Counter())[contact.kind] += 1
        report.by_kind[contact.kind] += 1
        reached.add(contact.person_id or f"n:{contact.phone_e164}")
    report.persons_reached = len(reached)
    report.minutes = round(sum(seconds.values()) / 60)
    report.lines = []
    for key in sorted(grouped):
        week, person, theme = key
        counts = {kind: grouped[key][kind] for kind in KINDS}
        report.lines.append(ContactLine(week, person, theme, counts, round(seconds[key] / 60)))


def _anonymised(session: Session, structure: Structure, period: Period, report: Report) -> None:
    """Contacts whose rows the purge or an erasure removed: in the totals, never per person."""
    for row in session.scalars(
        select(ActivityCount).where(
            ActivityCount.structure_id == structure.id,
            ActivityCount.day >= period.first,
            ActivityCount.day <= period.last,
        )
    ):
        if row.metric == "callback_attempts":
            report.callback_attempts += row.count
        elif row.metric.startswith("callbacks_") and row.metric[10:] in set(CallbackOutcome):
            report.outcomes[row.metric[10:]] += row.count
        elif row.metric == "callbacks_check_in":
            report.check_ins_created += row.count
        elif row.metric.startswith("contacts_") and row.metric[9:] in set(ContactKind):
            kind = ContactKind(row.metric[9:])
            report.anonymised[kind] += row.count
            report.by_kind[kind] += row.count
            report.by_week.setdefault(week_of(row.day), Counter())[kind] += row.count
            report.by_theme.setdefault(row.theme_key, Counter())[kind] += row.count


def _callbacks(
    session: Session, structure: Structure, period: Period, tz: ZoneInfo, report: Report
) -> None:
    start, end = period.bounds(tz)
    report.callback_attempts += len(
        session.scalars(
            select(CallbackAttempt.id)
            .join(Callback, Callback.id == CallbackAttempt.callback_id)
            .where(
                Callback.structure_id == structure.id,
                CallbackAttempt.started_at >= start,
                CallbackAttempt.started_at < end,
            )
        ).all()
    )
    closed = session.scalars(
        select(Callback.outcome).where(
            Callback.structure_id == structure.id,
            Callback.outcome.is_not(None),
            Callback.closed_at >= start,
            Callback.closed_at < end,
        )
    ).all()
    report.outcomes.update(str(outcome) for outcome in closed)
    report.check_ins_created += len(
        session.scalars(
            select(Callback.id).where(
                Callback.structure_id == structure.id,
                Callback.source == CallbackSource.CHECK_IN,
                Callback.created_at >= start,
                Callback.created_at < end,
            )
        ).all()
    )


def permanence_hours(structure: Structure, period: Period) -> dict[str, float]:
    """Hours each theme's permanence was scheduled open (someone on duty), by theme key.

    The union of the staff's duty slots for the theme, with holidays and closures applied
    as the call routing applies them; staff who went off duty for a day are not known here.
    """
    info = directory.snapshot(structure)
    start, end = period.bounds(info.tz)
    hours = {}
    for theme in info.themes:
        intervals: list[Interval] = []
        for duty in info.duties:
            if duty.theme_id == theme.id:
                intervals += open_intervals(duty.slots, duty.exceptions, info.calendar, start, end)
        hours[theme.key] = round(_union_seconds(intervals) / 3600, 2)
    return hours


def _union_seconds(intervals: list[Interval]) -> float:
    total, current_end = 0.0, None
    for begin, finish in sorted(intervals):
        if current_end is not None and begin < current_end:
            if finish > current_end:
                total += (finish - current_end).total_seconds()
                current_end = finish
            continue
        total += (finish - begin).total_seconds()
        current_end = finish
    return total


def read_period(month: str, first: str, last: str, now: datetime, tz: ZoneInfo) -> Period:
    """The period a coordinator asked for: `mois=2026-11`, or `du`/`au` (YYYY-MM-DD), else
    the current month. ValueError, in French, for a date that cannot be read or a range
    that ends before it starts or spans more than a year.
    """
    if first or last:
        try:
            period = Period(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            raise ValueError("Dates attendues sous la forme 2026-11-01.") from None
        if period.last < period.first:
            raise ValueError("La fin de la période vient avant son début.")
        if (period.last - period.first).days > 366:
            raise ValueError("Une période d'un an au plus.")
        return period
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            return Period.month(year, number)
        except ValueError:
            raise ValueError("Mois attendu sous la forme 2026-11.") from None
    today = now.astimezone(tz).date()
    return Period.month(today.year, today.month)
