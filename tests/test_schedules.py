"""Opening hours as a caller lives them: DST nights, holidays, closures, words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from hotline import schedules
from hotline.schedules import (
    Calendar,
    DatedException,
    WeeklySlot,
    describe_moment,
    holiday_name,
    is_holiday,
    is_open,
    next_opening,
    open_intervals,
)

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(tz=PARIS)
NO_HOLIDAYS = Calendar(tz=PARIS, close_on_holidays=False)
ALSACE = Calendar(tz=PARIS, alsace_moselle=True)
OFFICE_HOURS = [WeeklySlot(day, time(9), time(17)) for day in range(5)]
EVERY_DAY = [WeeklySlot(day, time(9), time(17)) for day in range(7)]

FR_WORDS: dict[str, Any] = {
    "today": "aujourd'hui à {time}",
    "tomorrow": "demain à {time}",
    "this_week": "{weekday} à {time}",
    "later": "{weekday} {day} {month} à {time}",
    "time_full_hour": "{hour} heures",
    "time_minutes": "{hour} heures {minute}",
    "midday": "midi",
    "midnight": "minuit",
    "day_one": "1er",
    "weekdays": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "months": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}
EN_WORDS: dict[str, Any] = {
    "today": "today at {time}",
    "tomorrow": "tomorrow at {time}",
    "this_week": "{weekday} at {time}",
    "later": "{weekday} {month} {day} at {time}",
    "time_full_hour": "{hour} o'clock",
    "time_minutes": "{hour}:{minute}",
    "midday": "noon",
    "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "months": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock instant in Paris (fold=0 where the time is ambiguous)."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def open_time(slots: list[WeeklySlot], start: datetime, end: datetime) -> timedelta:
    """Total opening time within [start, end)."""
    return sum((e - s for s, e in open_intervals(slots, [], CAL, start, end)), timedelta())


# --- DST ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saturday", "hours"),
    [
        (date(2026, 3, 28), 7),  # clocks jump 02:00 -> 03:00 on Sunday 29 March
        (date(2026, 10, 24), 9),  # clocks fall back 03:00 -> 02:00 on 25 October
        (date(2026, 6, 6), 8),  # an ordinary night
    ],
)
def test_night_shift_length_follows_dst(saturday: date, hours: int) -> None:
    night = [WeeklySlot(5, time(22), time(6))]
    start = datetime.combine(saturday, time(12), PARIS)
    assert open_time(night, start, start + timedelta(days=1)) == timedelta(hours=hours)


def test_slot_starting_in_the_spring_gap_opens_when_the_gap_ends() -> None:
    slots = [WeeklySlot(6, time(2, 30), time(4))]
    opening = next_opening(slots, [], NO_HOLIDAYS, paris(2026, 3, 29, 0, 0))
    assert opening == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 local
    assert opening.astimezone(PARIS).time() == time(3)
    assert open_time(slots, paris(2026, 3, 29), paris(2026, 3, 30)) == timedelta(hours=1)


def test_slot_at_an_ambiguous_autumn_time_uses_the_first_occurrence() -> None:
    slots = [WeeklySlot(6, time(2, 30), time(3, 30))]
    opening = next_opening(slots, [], NO_HOLIDAYS, paris(2026, 10, 25, 0, 0))
    assert opening == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    length = open_time(slots, paris(2026, 10, 25), paris(2026, 10, 26))
    assert length == timedelta(hours=2)  # 02:30 CEST to 03:30 CET


# --- midnight and the weekly wrap -----------------------------------------------

SUNDAY_NIGHT = [WeeklySlot(6, time(22), time(2))]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 6, 7, 21, 59), False),  # Sunday, before the shift
        (paris(2026, 6, 7, 22, 0), True),
        (paris(2026, 6, 7, 23, 30), True),
        (paris(2026, 6, 8, 1, 0), True),  # Monday, the week has wrapped
        (paris(2026, 6, 8, 2, 0), False),  # end is exclusive
        (paris(2026, 6, 6, 23, 30), False),  # Saturday night: no shift
    ],
)
def test_sunday_night_shift_runs_into_monday(at: datetime, expected: bool) -> None:
    assert is_open(SUNDAY_NIGHT, [], CAL, at) is expected


def test_touching_slots_across_midnight_form_one_interval() -> None:
    slots = [WeeklySlot(0, time(20), time(0)), WeeklySlot(1, time(0), time(8))]
    found = open_intervals(slots, [], CAL, paris(2026, 6, 8), paris(2026, 6, 10))
    assert found == [(paris(2026, 6, 8, 20).astimezone(UTC), paris(2026, 6, 9, 8))]


def test_midnight_to_midnight_is_the_whole_day() -> None:
    slots = [WeeklySlot(2, time(0), time(0))]
    assert open_time(slots, paris(2026, 6, 8), paris(2026, 6, 15)) == timedelta(days=1)
    assert is_open(slots, [], CAL, paris(2026, 6, 10, 23, 59))


def test_intervals_are_clipped_to_the_window_and_in_utc() -> None:
    found = open_intervals(OFFICE_HOURS, [], CAL, paris(2026, 6, 8, 10), paris(2026, 6, 8, 12))
    assert found == [(datetime(2026, 6, 8, 8, tzinfo=UTC), datetime(2026, 6, 8, 10, tzinfo=UTC))]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in found)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(OFFICE_HOURS, [], CAL, datetime(2026, 6, 8, 10))


# --- holidays -------------------------------------------------------------------


@pytest.mark.parametrize(
    "holiday",
    [date(2026, 12, 25), date(2026, 5, 14), date(2026, 5, 25), date(2026, 4, 6)],
    ids=["noel", "ascension", "lundi-pentecote", "lundi-paques"],
)
@pytest.mark.parametrize(("calendar", "expected"), [(CAL, False), (NO_HOLIDAYS, True)])
def test_public_holidays_close_unless_opted_out(
    holiday: date, calendar: Calendar, expected: bool
) -> None:
    noon = datetime.combine(holiday, time(12), PARIS)
    assert is_open(OFFICE_HOURS, [], calendar, noon) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 11, 1, 2, 0), True),  # Saturday's shift runs into Toussaint
        (paris(2026, 11, 1, 23, 0), False),  # Toussaint's own shift does not run
        (paris(2026, 11, 2, 1, 0), False),
    ],
)
def test_a_holiday_cancels_the_shifts_that_start_on_it(at: datetime, expected: bool) -> None:
    nights = [WeeklySlot(5, time(22), time(6)), WeeklySlot(6, time(22), time(6))]
    assert is_open(nights, [], CAL, at) is expected


@pytest.mark.parametrize("day", [date(2026, 4, 3), date(2026, 12, 26)])
@pytest.mark.parametrize(("calendar", "expected"), [(CAL, True), (ALSACE, False)])
def test_alsace_moselle_closes_good_friday_and_26_december(
    day: date, calendar: Calendar, expected: bool
) -> None:
    assert is_holiday(calendar, day) is not expected
    assert is_open(EVERY_DAY, [], calendar, datetime.combine(day, time(10), PARIS)) is expected


def test_holiday_name_is_french_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(variable, "en_US.UTF-8")
    # The library alone follows the environment: this is what we guard against.
    assert holidays.country_holidays("FR", years=2026)[date(2026, 12, 25)] != "Noël"
    schedules._holidays.cache_clear()  # rebuild under the English environment
    try:
        assert holiday_name(CAL, date(2026, 12, 25)) == "Noël"
        assert holiday_name(CAL, date(2026, 5, 25)) == "Lundi de Pentecôte"
        assert holiday_name(ALSACE, date(2026, 12, 26)) == "Saint-Étienne"
        assert holiday_name(CAL, date(2026, 12, 26)) is None
    finally:
        schedules._holidays.cache_clear()


# --- dated exceptions -----------------------------------------------------------

TUESDAY = date(2026, 6, 9)
LUNCH_BREAK = DatedException(TUESDAY, start=time(12), end=time(14))
OVERNIGHT_CLOSURE = DatedException(date(2026, 6, 8), start=time(16), end=time(10))
NOEL_EXTRA = DatedException(date(2026, 12, 25), closed=False, start=time(10), end=time(12))
EVENING_EXTRA = DatedException(TUESDAY, closed=False, start=time(18), end=time(20))


@pytest.mark.parametrize(
    ("exception", "at", "expected"),
    [
        (DatedException(TUESDAY), paris(2026, 6, 9, 10), False),
        (DatedException(TUESDAY), paris(2026, 6, 10, 10), True),  # only that day
        (LUNCH_BREAK, paris(2026, 6, 9, 11), True),
        (LUNCH_BREAK, paris(2026, 6, 9, 13), False),
        (LUNCH_BREAK, paris(2026, 6, 9, 14), True),
        (OVERNIGHT_CLOSURE, paris(2026, 6, 8, 15), True),
        (OVERNIGHT_CLOSURE, paris(2026, 6, 8, 16), False),
        (OVERNIGHT_CLOSURE, paris(2026, 6, 9, 9), False),  # next morning still shut
        (OVERNIGHT_CLOSURE, paris(2026, 6, 9, 10), True),
        (NOEL_EXTRA, paris(2026, 12, 25, 11), True),  # opens despite the holiday
        (NOEL_EXTRA, paris(2026, 12, 25, 12), False),
        (EVENING_EXTRA, paris(2026, 6, 9, 19), True),
    ],
)
def test_dated_exceptions(exception: DatedException, at: datetime, expected: bool) -> None:
    assert is_open(OFFICE_HOURS, [exception], CAL, at) is expected


def test_extra_opening_wins_over_a_whole_day_closure() -> None:
    exceptions = [DatedException(TUESDAY), EVENING_EXTRA]
    assert not is_open(OFFICE_HOURS, exceptions, CAL, paris(2026, 6, 9, 10))
    assert next_opening(OFFICE_HOURS, exceptions, CAL, paris(2026, 6, 9, 8)) == paris(
        2026, 6, 9, 18
    )


def test_an_exception_without_both_times_is_refused() -> None:
    with pytest.raises(ValueError, match="needs start and end"):
        DatedException(TUESDAY, closed=False)
    with pytest.raises(ValueError, match="both start and end"):
        DatedException(TUESDAY, start=time(9))


# --- next opening ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (paris(2026, 6, 5, 18), paris(2026, 6, 8, 9)),  # Friday evening -> Monday
        (paris(2026, 5, 13, 18), paris(2026, 5, 15, 9)),  # over Ascension Thursday
        (paris(2026, 12, 24, 18), paris(2026, 12, 28, 9)),  # Noël then the weekend
        (paris(2026, 6, 8, 7, 30), paris(2026, 6, 8, 9)),  # later the same day
        (paris(2026, 6, 8, 10, 15), paris(2026, 6, 8, 10, 15)),  # already open
    ],
)
def test_next_opening(after: datetime, expected: datetime) -> None:
    assert next_opening(OFFICE_HOURS, [], CAL, after) == expected


def test_next_opening_is_none_without_slots_or_beyond_the_horizon() -> None:
    assert next_opening([], [], CAL, paris(2026, 6, 8, 10)) is None
    monthly = [DatedException(date(2026, 7, 1), closed=False, start=time(9), end=time(10))]
    assert next_opening([], monthly, CAL, paris(2026, 6, 8), horizon_days=21) is None
    assert next_opening([], monthly, CAL, paris(2026, 6, 8), horizon_days=30) == paris(
        2026, 7, 1, 9
    )


# --- describe_moment ------------------------------------------------------------

NOW = paris(2026, 6, 1, 8, 0)  # a Monday morning


@pytest.mark.parametrize(
    ("at", "french", "english"),
    [
        (paris(2026, 6, 1, 14, 0), "aujourd'hui à 14 heures", "today at 14 o'clock"),
        (paris(2026, 6, 2, 12, 0), "demain à midi", "tomorrow at noon"),
        (paris(2026, 6, 2, 0, 0), "demain à minuit", "tomorrow at 0 o'clock"),
        (paris(2026, 6, 4, 9, 5), "jeudi à 9 heures 05", "Thursday at 9:05"),
        (paris(2026, 6, 7, 18, 45), "dimanche à 18 heures 45", "Sunday at 18:45"),
        (paris(2026, 6, 8, 9, 0), "lundi 8 juin à 9 heures", "Monday June 8 at 9 o'clock"),
        (
            paris(2026, 12, 1, 9, 30),
            "mardi 1er décembre à 9 heures 30",
            "Tuesday December 1 at 9:30",
        ),
        (
            datetime(2026, 6, 1, 21, 15, tzinfo=UTC),
            "aujourd'hui à 23 heures 15",
            "today at 23:15",
        ),
    ],
)
def test_describe_moment(at: datetime, french: str, english: str) -> None:
    assert describe_moment(at, NOW, PARIS, FR_WORDS) == french
    assert describe_moment(at, NOW, PARIS, EN_WORDS) == english


@pytest.mark.parametrize(
    ("now", "at", "expected"),
    [
        # 23:30 in Paris, still Monday 1 June; 09:00 on Tuesday is tomorrow.
        (datetime(2026, 6, 1, 21, 30, tzinfo=UTC), datetime(2026, 6, 2, 7, tzinfo=UTC), "demain"),
        # 00:30 in Paris is already Tuesday, though UTC still says Monday.
        (
            datetime(2026, 6, 1, 22, 30, tzinfo=UTC),
            datetime(2026, 6, 2, 7, tzinfo=UTC),
            "aujourd'hui",
        ),
    ],
)
def test_describe_moment_counts_days_on_the_local_calendar(
    now: datetime, at: datetime, expected: str
) -> None:
    assert describe_moment(at, now, PARIS, FR_WORDS) == f"{expected} à 9 heures"


@pytest.mark.parametrize(
    ("missing", "at"),
    [
        ("today", paris(2026, 6, 1, 14)),
        ("tomorrow", paris(2026, 6, 2, 14)),
        ("this_week", paris(2026, 6, 4, 14)),
        ("later", paris(2026, 7, 14, 14)),
        ("months", paris(2026, 7, 14, 14)),
        ("time_minutes", paris(2026, 6, 1, 14, 30)),
        ("time_full_hour", paris(2026, 6, 1, 14)),
    ],
)
def test_describe_moment_names_a_missing_phrase(missing: str, at: datetime) -> None:
    words = {key: value for key, value in FR_WORDS.items() if key != missing}
    with pytest.raises(ValueError, match=missing):
        describe_moment(at, NOW, PARIS, words)


def test_describe_moment_needs_only_the_phrases_it_uses() -> None:
    words = {"today": "at {time}", "time_full_hour": "{hour}h"}
    assert describe_moment(paris(2026, 6, 1, 14), NOW, PARIS, words) == "at 14h"
