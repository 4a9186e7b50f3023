"""A reload of the structure file never undoes what the dashboard, the phone or the CLI changed.

`make run` and `hotline structure load` load the file again and again; the README's table
"Who owns what" says which side owns each setting, and these tests hold the loader to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hotline.callbacks import callback_settings, set_policy
from hotline.calls import toggle_duty_today
from hotline.cli import main
from hotline.directory import directory
from hotline.models import DutyException, Staff
from hotline.structure_file import dump_structure
from tests.conftest import DEMO_FILE, PARIS
from tests.factories import give_password, make_staff, staff, structure

pytestmark = pytest.mark.usefixtures("demo")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
Load = Callable[..., Any]


def test_a_policy_chosen_in_reglages_survives_a_reload(session: Any, load_structure: Load) -> None:
    demo = structure(session)
    set_policy(session, demo, staff(session, "sophie"), {"kind": "oldest"}, NOW)
    session.commit()

    result = load_structure()

    assert callback_settings(demo).policy.kind == "oldest"
    assert result.changes == []
    assert result.kept == ["callbacks.policy: the one chosen in Réglages"]


def test_the_files_policy_applies_while_nobody_chose_one(
    session: Any, load_structure: Load
) -> None:
    load_structure(lambda data: data["callbacks"].update(policy={"kind": "risk_first"}))
    assert callback_settings(structure(session)).policy.kind == "risk_first"


def test_off_duty_from_the_phone_survives_a_reload_and_stays_out_of_a_dump(
    session: Any, load_structure: Load
) -> None:
    karim = staff(session, "karim")
    info = directory().by_slug(session, "demo")
    assert toggle_duty_today(session, info, karim, NOW) is True
    session.commit()

    load_structure()

    closures = session.scalars(select(DutyException).where(DutyException.staff_id == karim.id))
    assert [row.set_by_phone for row in closures] == [True]
    assert "hors permanence aujourd'hui" not in dump_structure(session, "demo")


def test_staff_created_from_the_command_line_and_their_roles_survive_a_reload(
    session: Any, load_structure: Load
) -> None:
    demo = structure(session)
    helper = give_password(make_staff(session, demo.id, "lea", phone="+33600000077", role="admin"))
    amina = give_password(staff(session))
    amina.role, amina.email = "admin", "amina@exemple.org"
    session.commit()

    result = load_structure()

    assert session.get(Staff, helper.id) is not None
    assert (amina.role, amina.email) == ("admin", "amina@exemple.org")
    assert "staff 'lea': created outside the file" in result.kept
    assert "staff 'amina': email and role of the account" in result.kept


def test_staff_the_file_added_go_when_the_file_drops_them(
    session: Any, load_structure: Load
) -> None:
    temp = {"key": "tmp", "name": "Temporaire", "phone": "+33600000078"}
    load_structure(lambda data: data["staff"].append(temp))
    assert session.scalar(select(Staff).where(Staff.key == "tmp")) is not None

    result = load_structure()

    assert session.scalar(select(Staff).where(Staff.key == "tmp")) is None
    assert "staff 'tmp' removed" in result.changes


@pytest.mark.commits
def test_structure_load_on_the_command_line_says_what_it_kept(
    app: Any, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(session, structure(session), staff(session, "sophie"), {"kind": "oldest"}, NOW)
    session.commit()
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])

    result = CliRunner().invoke(main, ["structure", "load", str(DEMO_FILE)])

    assert result.exit_code == 0, result.output
    assert "structure 'demo' unchanged" in result.output
    assert "kept, owned by the dashboard" in result.output
    assert "Réglages" in result.output


@pytest.mark.commits
def test_a_call_without_to_keeps_the_policy_and_the_staff_off_duty(
    app: Any, session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The issue's scenario: `hotline call` used to reload the demo file before each call."""
    set_policy(session, structure(session), staff(session, "sophie"), {"kind": "oldest"}, NOW)
    karim = staff(session, "karim")
    toggle_duty_today(session, directory().by_slug(session, "demo"), karim, NOW)
    session.commit()
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("HOTLINE_INSTANCE_PATH", str(tmp_path))

    result = CliRunner().invoke(main, ["call", "--keys", "1 3"])

    assert result.exit_code == 0, result.output
    session.expire_all()
    assert callback_settings(structure(session)).policy.kind == "oldest"
    assert [row.set_by_phone for row in staff(session, "karim").exceptions] == [True]
