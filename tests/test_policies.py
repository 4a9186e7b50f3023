"""Queue policies: each ordering with the reasons staff read, ties, validation and history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.callbacks import (
    NotAllowed,
    PolicyError,
    list_queue,
    policy_history,
    set_policy,
)
from hotline.callbacks.policy import normalise_policy
from hotline.models import (
    Callback,
    CallbackSource,
    Person,
    PolicyChange,
    Staff,
    Structure,
)
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=PARIS)  # a Thursday afternoon


@pytest.fixture
def structure(session: Any, demo: Any) -> Structure:
    return session.scalar(select(Structure).where(Structure.slug == "demo"))


@pytest.fixture
def people(session: Any, structure: Structure) -> dict[str, Person]:
    """Four people, one trait each, plus someone with none."""
    traits = {
        "isolee": {"isolated": True},
        "convention": {"has_convention": True},
        "risque": {"risk": 3},
        "personne": {},
    }
    found = {
        key: factories.make_person(session, structure.id, key, **values)
        for key, values in traits.items()
    }
    session.commit()
    return found


@pytest.fixture
def queue(
    session: Any, structure: Structure, people: dict[str, Person]
) -> Callable[..., dict[str, Callback]]:
    """One entry per person, waited for the given hours (default: the oldest has no trait)."""

    def make(waited: dict[str, float] | None = None) -> dict[str, Callback]:
        waited = waited or {"personne": 52, "convention": 30, "isolee": 5, "risque": 1}
        entries = {}
        for key, hours in waited.items():
            entries[key] = factories.make_callback(
                session,
                structure.id,
                NOW - timedelta(hours=hours),
                source=CallbackSource.VOICEMAIL,
                person_id=people[key].id,
            )
        session.commit()
        return entries

    return make


def use(session: Any, structure: Structure, policy: dict[str, Any]) -> None:
    sophie = session.scalar(select(Staff).where(Staff.key == "sophie"))
    set_policy(session, structure, sophie, policy, NOW)
    session.commit()


def listed(session: Any, structure: Structure) -> list[tuple[str, str]]:
    return [(e.callback.person.key, e.why) for e in list_queue(session, structure.id, NOW)]


def test_oldest_first_orders_by_waiting_time_alone(
    session: Any, structure: Structure, queue: Any
) -> None:
    queue()
    use(session, structure, {"kind": "oldest"})
    assert listed(session, structure) == [
        ("personne", "attend depuis 2 j 4 h"),
        ("convention", "attend depuis 1 j 6 h"),
        ("isolee", "attend depuis 5 h"),
        ("risque", "attend depuis 1 h"),
    ]


def test_the_demo_calls_isolated_people_first_and_says_so(
    session: Any, structure: Structure, queue: Any
) -> None:
    queue()
    entries = list_queue(session, structure.id, NOW)
    assert [(e.position, e.callback.person.key) for e in entries] == [
        (1, "isolee"),
        (2, "personne"),
        (3, "convention"),
        (4, "risque"),
    ]
    assert entries[0].reasons == ("isolée", "attend depuis 5 h")
    assert entries[0].why == "isolée · attend depuis 5 h"


@pytest.mark.parametrize(
    ("kind", "first", "why"),
    [
        ("convention_first", "convention", "convention · attend depuis 1 j 6 h"),
        ("risk_first", "risque", "risque élevé (3) · attend depuis 1 h"),
    ],
)
def test_a_trait_policy_puts_its_people_first_then_the_longest_wait(
    session: Any, structure: Structure, queue: Any, kind: str, first: str, why: str
) -> None:
    queue()
    use(session, structure, {"kind": kind})
    order = listed(session, structure)
    assert order[0] == (first, why)
    assert [key for key, _ in order[1:]] == [
        key for key in ("personne", "convention", "isolee", "risque") if key != first
    ]


def test_weighted_adds_up_points_and_shows_the_score(
    session: Any, structure: Structure, queue: Any
) -> None:
    entries = queue()
    entries["risque"].attempts = 2
    session.commit()
    weights = {"isolated": 3, "convention": 2, "risk": 1, "waiting_hours": 0.1, "attempts": -0.5}
    use(session, structure, {"kind": "weighted", "weights": weights})
    assert listed(session, structure) == [
        ("personne", "attend depuis 2 j 4 h · score 5,2"),
        ("convention", "convention · attend depuis 1 j 6 h · score 5"),
        ("isolee", "isolée · attend depuis 5 h · score 3,5"),
        ("risque", "risque élevé (3) · attend depuis 1 h · 2 tentatives · score 2,1"),
    ]


def test_ties_go_to_the_longest_wait_then_the_first_entry(
    session: Any, structure: Structure, queue: Any
) -> None:
    entries = queue({"personne": 3, "convention": 3, "risque": 3, "isolee": 10})
    use(session, structure, {"kind": "isolated_first"})
    expected = ["isolee"] + sorted(
        ("personne", "convention", "risque"), key=lambda key: entries[key].id
    )
    assert [key for key, _ in listed(session, structure)] == expected
    assert [key for key, _ in listed(session, structure)] == expected  # stable


def test_each_change_is_kept_with_who_and_when(session: Any, structure: Structure) -> None:
    sophie = session.scalar(select(Staff).where(Staff.key == "sophie"))
    # The demo file's own policy was logged when it was loaded, by no one.
    [loaded] = policy_history(session, structure.id)
    assert (loaded.policy, loaded.by_name) == ({"kind": "isolated_first"}, "fichier de structure")
    later = NOW + timedelta(days=1)
    change = set_policy(session, structure, sophie, {"kind": "risk_first"}, later)
    assert change is not None
    assert set_policy(session, structure, sophie, {"kind": "risk_first"}, later) is None
    session.commit()
    history = policy_history(session, structure.id)
    assert [(v.policy["kind"], v.by_name, v.at) for v in history[:1]] == [
        ("risk_first", "Sophie Laurent", later)
    ]
    assert history[0].label == "Le risque de rupture le plus élevé d'abord"
    assert structure.settings["callbacks"]["policy"] == {"kind": "risk_first"}
    assert (
        session.scalar(select(PolicyChange).order_by(PolicyChange.id.desc())).staff_id == sophie.id
    )


def test_only_a_coordinator_of_the_structure_sets_its_policy(
    session: Any, structure: Structure
) -> None:
    amina = session.scalar(select(Staff).where(Staff.key == "amina"))
    with pytest.raises(NotAllowed):
        set_policy(session, structure, amina, {"kind": "oldest"}, NOW)
    outsider = Staff(
        structure_id=structure.id + 999,
        key="x",
        name="X",
        phone_e164="+33600000077",
        role="coordinator",
    )
    with pytest.raises(NotAllowed):
        set_policy(session, structure, outsider, {"kind": "oldest"}, NOW)
    assert len(policy_history(session, structure.id)) == 1


@pytest.mark.parametrize(
    ("policy", "field", "message"),
    [
        ("oldest", "policy", "mapping"),
        ({}, "policy.kind", "not one of"),
        ({"kind": "youngest"}, "policy.kind", "'youngest' is not one of"),
        ({"kind": "oldest", "order": "asc"}, "policy.order", "unknown field"),
        ({"kind": "risk_first", "weights": {"risk": 1}}, "policy.weights", "only a weighted"),
        ({"kind": "weighted"}, "policy.weights", "give weights"),
        ({"kind": "weighted", "weights": {"age": 1}}, "policy.weights.age", "unknown weight"),
        ({"kind": "weighted", "weights": {"risk": "high"}}, "policy.weights.risk", "number"),
        ({"kind": "weighted", "weights": {"risk": True}}, "policy.weights.risk", "number"),
        ({"kind": "weighted", "weights": {"risk": float("nan")}}, "policy.weights.risk", "number"),
        (
            {"kind": "weighted", "weights": {"isolated": 10_000}},
            "policy.weights.isolated",
            "between",
        ),
    ],
)
def test_an_invalid_policy_names_its_bad_field(policy: Any, field: str, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        normalise_policy(policy)
    assert refused.value.field == field
    assert message in str(refused.value)


def test_an_invalid_policy_is_refused_before_anything_is_stored(
    session: Any, structure: Structure
) -> None:
    sophie = session.scalar(select(Staff).where(Staff.key == "sophie"))
    with pytest.raises(PolicyError, match="policy.kind"):
        set_policy(session, structure, sophie, {"kind": "random"}, NOW)
    assert structure.settings["callbacks"]["policy"] == {"kind": "isolated_first"}
    assert len(policy_history(session, structure.id)) == 1
