"""The database orders the queue exactly as the policy's Python reference does.

`queue_order` writes each policy in SQL so that the database sorts and pages 20,000 entries;
`policy.order` stays the readable reference. Random queues (persons' traits, waits, attempts,
claims lapsed or not, retries due or not) under every policy must come out in the same order,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from hotline.callbacks import listing
from hotline.callbacks.policy import Policy, order
from hotline.callbacks.settings import callback_settings
from hotline.models import Callback, CallbackStatus
from tests import factories

pytestmark = pytest.mark.usefixtures("demo")

POLICIES = [
    Policy("oldest"),
    Policy("isolated_first"),
    Policy("convention_first"),
    Policy("risk_first"),
    Policy("weighted", {"isolated": 3, "risk": 1.5, "waiting_hours": 0.25, "attempts": -2}),
    Policy("weighted", {"convention": 1, "waiting_hours": 1}),
]


def reference(callbacks: list[Callback], policy: Policy, now: Any) -> list[int]:
    groups: dict[int, list[Callback]] = {0: [], 1: [], 2: []}
    for callback in callbacks:
        groups[listing._group(callback, now)].append(callback)
    ids = []
    for group, members in groups.items():
        ordered = order(policy, members, now)
        if group == 1:
            ordered.sort(key=lambda callback: callback.due_at)
        ids += [callback.id for callback in ordered]
    return ids


def random_queue(session: Any, now: Any, seed: int) -> list[Callback]:
    chance = random.Random(seed)
    demo = factories.structure(session)
    staff = factories.staff(session, "amina")
    people = [
        factories.make_person(
            session,
            demo.id,
            f"q-{seed}-{n}",
            isolated=chance.random() < 0.4,
            has_convention=chance.random() < 0.4,
            risk=chance.randint(0, 3),
        )
        for n in range(8)
    ]
    made = []
    for n in range(60):
        created = now - timedelta(minutes=chance.choice([5, 30, 90, 600, 3000]))  # ties too
        callback = factories.make_callback(
            session,
            demo.id,
            created,
            phone=f"+336120{seed:02d}{n:03d}",
            person_id=chance.choice([*(p.id for p in people), None]),
        )
        callback.attempts = chance.randint(0, 2)
        kind = chance.random()
        if kind < 0.2:
            callback.status = CallbackStatus.RETRY_SCHEDULED
            callback.due_at = now + timedelta(minutes=chance.choice([-30, 20, 60, 60]))
        elif kind < 0.35:
            callback.status = CallbackStatus.CLAIMED
            callback.claimed_by_id = staff.id
            callback.claim_expires_at = now + timedelta(minutes=chance.choice([-5, 10]))
        made.append(callback)
    session.flush()
    return made


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.kind + str(len(p.weights)))
def test_the_database_orders_as_the_reference(
    session: Any, clock: Any, policy: Policy, monkeypatch: Any
) -> None:
    now = clock.set("2026-12-02 15:00")
    made = random_queue(session, now, seed=len(policy.weights) * 10 + POLICIES.index(policy))
    demo = factories.structure(session)
    monkeypatch.setattr(
        listing, "callback_settings", lambda s: replace(callback_settings(s), policy=policy)
    )
    listed = [entry.callback.id for entry in listing.list_queue(session, demo.id, now)]
    assert listed == reference(made, policy, now)
    page = listing.list_queue(session, demo.id, now, limit=10, offset=20)
    assert [entry.callback.id for entry in page] == listed[20:30]
    assert [entry.position for entry in page] == list(range(21, 31))
