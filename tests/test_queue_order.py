"""The database orders the queue exactly as the policy's Python reference does.

Each entry's place under its structure's policy is stored (`queue_keys`) and the queue is
read from it by index ranges (`queue_order`), so that the database pages 20,000 entries;
`policy.order` stays the readable reference. Random queues (persons' traits, waits, attempts,
claims lapsed or not, retries due or not) under every policy must come out in the same order,
on SQLite and on PostgreSQL, whether the policy was set before the entries came or after,
and after the traits and attempts the stored keys read have changed.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from hotline.callbacks import listing
from hotline.callbacks.entries import queue_for_missed_call, queue_for_voicemail
from hotline.callbacks.policy import Policy, order
from hotline.callbacks.policy_changes import store_policy
from hotline.callbacks.take_next import takeable
from hotline.contacts import link_number
from hotline.models import Callback, CallbackStatus, Person
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
    theme = factories.theme(session, "numerique")
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
        callback.theme_id = chance.choice([None, theme.id])
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


def listed_ids(session: Any, structure_id: int, now: Any, **window: Any) -> list[int]:
    return [entry.callback.id for entry in listing.list_queue(session, structure_id, now, **window)]


def assert_reference_order(session: Any, made: list[Callback], policy: Policy, now: Any) -> None:
    """The whole queue, a page in the middle, and the takeable entries, as the reference."""
    demo = factories.structure(session)
    session.expire_all()  # the reference reads the persons and entries as stored
    listed = listed_ids(session, demo.id, now)
    assert listed == reference(made, policy, now)
    page = listing.list_queue(session, demo.id, now, limit=10, offset=20)
    assert [entry.callback.id for entry in page] == listed[20:30]
    assert [entry.position for entry in page] == list(range(21, 31))
    for offset in (0, 7, 44, 55, 58):  # pages that straddle the groups' ends
        assert listed_ids(session, demo.id, now, limit=5, offset=offset) == listed[offset:][:5]
    counts = listing.queue_counts(session, demo.id, now)
    themed = [c for c in made if c.theme_id is not None]
    assert counts.total == len(made)
    assert counts.per_theme == {None: len(made) - len(themed), themed[0].theme_id: len(themed)}
    assert counts.callable_now == sum(1 for c in made if listing._group(c, now) == 0)
    themed_ids = {c.id for c in themed}
    on_theme = listed_ids(session, demo.id, now, theme_id=themed[0].theme_id)
    assert on_theme == [i for i in listed if i in themed_ids]
    assert (
        listed_ids(session, demo.id, now, theme_id=themed[0].theme_id, offset=3, limit=4)
        == (on_theme[3:7])
    )
    callable_now = [c for c in made if listing._group(c, now) == 0 and c.status in OPEN]
    assert [c.id for c in takeable(session, demo.id, now)] == [
        i for i in listed if i in {c.id for c in callable_now}
    ]


OPEN = (CallbackStatus.WAITING, CallbackStatus.RETRY_SCHEDULED)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.kind + str(len(p.weights)))
def test_the_stored_keys_order_as_the_reference(session: Any, clock: Any, policy: Policy) -> None:
    """The policy set before the entries come: each entry is ranked as it is written."""
    now = clock.set("2026-12-02 15:00")
    demo = factories.structure(session)
    store_policy(session, demo, policy.as_data(), None, now)
    made = random_queue(session, now, seed=len(policy.weights) * 10 + POLICIES.index(policy))
    assert_reference_order(session, made, policy, now)
    later = now + timedelta(minutes=45)  # retries fall due, leases lapse: the groups move
    assert_reference_order(session, made, policy, later)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.kind + str(len(p.weights)))
def test_a_policy_change_ranks_the_queue_again(session: Any, clock: Any, policy: Policy) -> None:
    now = clock.set("2026-12-02 15:00")
    demo = factories.structure(session)
    made = random_queue(session, now, seed=len(policy.weights) * 10 + POLICIES.index(policy) + 5)
    store_policy(session, demo, policy.as_data(), None, now)
    assert_reference_order(session, made, policy, now)


@pytest.mark.parametrize("policy", POLICIES[1:], ids=lambda p: p.kind + str(len(p.weights)))
def test_changed_traits_and_attempts_rank_the_entries_again(
    session: Any, clock: Any, policy: Policy
) -> None:
    now = clock.set("2026-12-02 15:00")
    demo = factories.structure(session)
    store_policy(session, demo, policy.as_data(), None, now)
    made = random_queue(session, now, seed=POLICIES.index(policy) + 40)
    chance = random.Random(7)
    for person in session.query(Person).filter(Person.key.like("q-%")):
        person.isolated, person.has_convention = not person.isolated, not person.has_convention
        person.risk = chance.randint(0, 3)
    for callback in made[::3]:
        callback.attempts += 1
    session.flush()
    assert_reference_order(session, made, policy, now)


def stored_rank(session: Any, callback_id: int) -> float:
    return session.scalar(select(Callback.queue_rank).where(Callback.id == callback_id))


def test_entries_from_a_message_a_missed_call_or_a_linked_number_are_ranked(
    session: Any, clock: Any
) -> None:
    """The entries written by Core inserts and updates, which no flush hook sees."""
    now = clock.set("2026-12-02 15:00")
    demo = factories.structure(session)
    store_policy(session, demo, {"kind": "risk_first"}, None, now)
    settings = dict(demo.settings)
    demo.settings = {
        **settings,
        "callbacks": {**settings["callbacks"], "missed_call_callbacks": True},
    }
    person = factories.make_person(session, demo.id, "q-core", risk=3, phone_e164="+33612000001")
    call = factories.make_call(session, demo.id, now, sid="m", from_=person.phone_e164)
    call.person_id = person.id
    missed = queue_for_missed_call(session, call, now)
    assert missed is not None
    assert stored_rank(session, missed.id) == -3
    message_call = factories.make_call(session, demo.id, now, sid="v", from_="+33612000002")
    message_call.person_id = person.id
    message = factories.make_voicemail(session, message_call, now, consent=True)
    entry = queue_for_voicemail(session, message, message_call, now)
    assert entry is not None
    assert stored_rank(session, entry.id) == -3
    stranger = factories.make_call(session, demo.id, now, sid="s", from_="+33612000003")
    unknown = queue_for_missed_call(session, stranger, now)
    assert unknown is not None
    assert stored_rank(session, unknown.id) == 0
    link_number(session, person, "+33612000003")
    assert stored_rank(session, unknown.id) == -3
