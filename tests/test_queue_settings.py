"""The `callbacks:` section of a structure file, the settings it becomes, and outbound hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

from hotline.callbacks import (
    SettingsError,
    callback_settings,
    next_allowed,
    normalise_callback_settings,
    policy_history,
    wording,
)
from hotline.callbacks.hours import is_allowed
from hotline.models import PolicyChange, Structure
from hotline.structure_file import parse_structure_file
from hotline.yamlfile import FileProblems

PARIS = ZoneInfo("Europe/Paris")
DEMO = Path(__file__).resolve().parents[1] / "structures" / "demo.yaml"


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=PARIS)


def demo_structure(session: Any) -> Structure:
    return session.scalar(select(Structure).where(Structure.slug == "demo"))


def test_the_demo_section_becomes_the_structure_s_settings(session: Any, demo: Any) -> None:
    settings = callback_settings(demo_structure(session))
    assert settings.policy.kind == "isolated_first"
    assert settings.attempt_delays_minutes == (60, 240, 1440)
    assert (settings.max_attempts, settings.claim_lease_minutes) == (4, 15)
    assert (settings.sms_after_last_attempt, settings.missed_call_callbacks) == (True, False)
    assert settings.outbound_hours.calendar.close_on_holidays is True


def test_a_structure_without_the_section_gets_the_defaults(
    session: Any, load_structure: Callable[..., Any]
) -> None:
    load_structure(lambda data: data.pop("callbacks"))
    structure = demo_structure(session)
    assert "callbacks" not in structure.settings
    settings = callback_settings(structure)
    assert (settings.policy.kind, settings.sms_after_last_attempt) == ("oldest", False)
    assert settings.attempt_delays_minutes == (60, 240, 1440)
    assert session.scalar(select(func.count()).select_from(PolicyChange)) == 0


def test_loading_again_logs_nothing_and_a_new_file_policy_is_logged(
    session: Any, load_structure: Callable[..., Any]
) -> None:
    load_structure()
    assert load_structure().changes == []
    assert len(policy_history(session, demo_structure(session).id)) == 1

    def weighted(data: dict[str, Any]) -> None:
        data["callbacks"]["policy"] = {"kind": "weighted", "weights": {"risk": 2}}

    assert load_structure(weighted).changes == ["callbacks changed"]
    history = policy_history(session, demo_structure(session).id)
    assert [(v.policy, v.by_name) for v in history] == [
        ({"kind": "weighted", "weights": {"risk": 2}}, "fichier de structure"),
        ({"kind": "isolated_first"}, "fichier de structure"),
    ]
    # Only the lease changes: the settings change, the policy history does not.
    assert load_structure(
        lambda data: (weighted(data), data["callbacks"].update(claim_lease_minutes=20))
    ).changes == ["callbacks changed"]
    assert len(policy_history(session, demo_structure(session).id)) == 2


def write(tmp_path: Path, callbacks: dict[str, Any]) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["callbacks"] = callbacks
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("callbacks", "where", "message"),
    [
        ({"policy": {"kind": "youngest"}}, "callbacks.policy.kind", "policy kind is oldest"),
        (
            {"policy": {"kind": "oldest", "weights": {"risk": 1}}},
            "callbacks.policy.weights",
            "only a weighted policy has weights",
        ),
        (
            {"outbound_hours": {"hours": [{"days": "weekdays", "from": "18:00", "to": "09:00"}]}},
            "callbacks.outbound_hours.hours[0].to",
            "after `from` on the same day",
        ),
        ({"claim_lease_minutes": 0}, "callbacks.claim_lease_minutes", "minimum"),
        ({"sms_after_last_attemps": True}, "callbacks", "did you mean 'sms_after_last_attempt'"),
    ],
)
def test_a_bad_section_is_refused_at_its_line(
    tmp_path: Path, callbacks: dict[str, Any], where: str, message: str
) -> None:
    with pytest.raises(FileProblems) as refused:
        parse_structure_file(write(tmp_path, callbacks))
    [problem] = refused.value.problems
    assert problem.where.startswith(where)
    assert message in problem.message
    assert problem.line is not None


def test_settings_are_normalised_so_equal_meanings_compare_equal() -> None:
    written = {
        "outbound_hours": {
            "hours": [{"days": ["fri", "mon", "tue", "wed", "thu"], "from": "09:00", "to": "18:00"}]
        }
    }
    assert normalise_callback_settings(written) == normalise_callback_settings(None)
    with pytest.raises(SettingsError) as refused:
        normalise_callback_settings({"attempt_delays_minutes": [60, -1]})
    assert refused.value.field == "attempt_delays_minutes[1]"


@pytest.mark.parametrize(
    ("moment", "allowed", "next_time"),
    [
        ("2026-12-01 10:00", True, "2026-12-01 10:00"),  # Tuesday morning: at once
        ("2026-12-01 08:59", False, "2026-12-01 09:00"),
        ("2026-12-01 18:00", False, "2026-12-02 09:00"),  # the end is excluded
        ("2026-12-05 10:00", False, "2026-12-07 09:00"),  # Saturday
        ("2026-12-25 10:00", False, "2026-12-28 09:00"),  # Christmas, then the weekend
        ("2027-05-06 10:00", False, "2027-05-07 09:00"),  # Ascension Thursday
    ],
)
def test_outbound_hours_default_to_weekdays_9_to_18_without_holidays(
    session: Any, demo: Any, moment: str, allowed: bool, next_time: str
) -> None:
    structure = demo_structure(session)
    assert structure.close_on_holidays is False  # the permanence itself stays open
    assert is_allowed(structure, at(moment)) is allowed
    assert next_allowed(structure, at(moment)) == at(next_time)


def test_outbound_hours_may_open_on_holidays_and_saturdays(
    session: Any, load_structure: Callable[..., Any]
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["callbacks"]["outbound_hours"] = {
            "hours": [{"days": ["sat"], "from": "10:00", "to": "12:00"}],
            "close_on_holidays": False,
        }

    load_structure(edit)
    structure = demo_structure(session)
    assert next_allowed(structure, at("2026-12-21 15:00")) == at("2026-12-26 10:00")
    assert is_allowed(structure, at("2026-12-26 11:59")) is True


def test_an_end_of_00_00_is_midnight_and_00_00_to_00_00_the_whole_day(
    session: Any, load_structure: Callable[..., Any]
) -> None:
    """The structure file's rule for every time: "00:00" as an end is midnight (was refused)."""

    def edit(data: dict[str, Any]) -> None:
        data["callbacks"]["outbound_hours"] = {
            "hours": [
                {"days": "all", "from": "00:00", "to": "00:00"},
                {"days": ["mon"], "from": "20:00", "to": "00:00"},
            ],
            "close_on_holidays": False,
        }

    load_structure(edit)
    structure = demo_structure(session)
    for moment in ("2026-12-05 03:00", "2026-12-25 12:00", "2026-12-06 23:59"):
        assert is_allowed(structure, at(moment)) is True
    settings = callback_settings(structure)
    assert [slot.end.isoformat() for slot in settings.outbound_hours.slots][:2] == [
        "00:00:00",
        "00:00:00",
    ]
    assert wording.weekly_hours(settings.outbound_hours.slots)[0] == "tous les jours, 0 h – minuit"


def test_an_evening_slot_ending_at_midnight_stops_at_midnight(
    session: Any, load_structure: Callable[..., Any]
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["callbacks"]["outbound_hours"] = {
            "hours": [{"days": ["mon"], "from": "20:00", "to": "00:00"}],
            "close_on_holidays": False,
        }

    load_structure(edit)
    structure = demo_structure(session)
    assert is_allowed(structure, at("2026-12-07 23:59")) is True
    assert is_allowed(structure, at("2026-12-08 00:00")) is False
    assert next_allowed(structure, at("2026-12-08 00:00")) == at("2026-12-14 20:00")
