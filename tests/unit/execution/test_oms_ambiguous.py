"""Ambiguous outcomes, as a property over thousands of seeded random fault schedules:
whatever the venue and the network do to submits and queries, every order ends resolved
and the venue holds exactly one order per intent (never zero, never two)."""

from __future__ import annotations

import random
from datetime import timedelta

from tradegraph.execution.oms import IntentOrder
from tradegraph.execution.transitions import LIVE, OPEN
from tradegraph.model.enums import OrderType
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import Call, Fault, approve, oms_harness

TRIALS = 2_000
INTENTS = 3
MAX_ROUNDS = 12


def run_trial(seed: int) -> None:
    rng = random.Random(seed)
    h = oms_harness(seed=seed)
    for call in (Call.SUBMIT, Call.QUERY_ORDER):
        for fault in Fault:
            h.client.set_rate(call, fault, rng.uniform(0.0, 0.3))
    items = [
        IntentOrder(h.intent(entry=90.0 + i), approve("1"), "s1", f"d{i}", OrderType.LIMIT)
        for i in range(INTENTS)
    ]
    if rng.random() < 0.5:
        placements = h.oms.submit_intents(items)  # one batch
    else:
        placements = [h.oms.submit_intents([item])[0] for item in items]
    ids = [p.records[0].client_order_id for p in placements]
    assert len(set(ids)) == INTENTS
    for round_ in range(MAX_ROUNDS):
        if round_ == MAX_ROUNDS // 2:
            h.client.clear()  # the network heals eventually
        h.clock.advance(timedelta(seconds=31))  # past any open circuit
        h.oms.resolve()
        if not h.oms.store.find(statuses=OPEN - {OrderStatus.ACCEPTED}):
            break
    unresolved = h.store.find(statuses=LIVE - {OrderStatus.ACCEPTED})
    assert unresolved == [], (seed, unresolved)
    for coid in ids:
        record = h.store.get(coid)
        assert record is not None
        assert record.status is OrderStatus.ACCEPTED, (seed, record)
        assert h.client.inner_submits[coid] == 1, (seed, coid, h.client.inner_submits)
        snapshot = h.venue.query_order(coid, h.instrument.id)
        assert snapshot is not None
        assert snapshot.venue_order_id == record.order.venue_order_id
    venue_orders = h.venue.snapshot().orders
    assert len(venue_orders) == INTENTS, (seed, venue_orders)


def test_every_order_ends_resolved_with_exactly_one_venue_order_per_intent() -> None:
    for seed in range(TRIALS):
        run_trial(seed)
