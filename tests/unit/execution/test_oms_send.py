"""OMS sending: persist before send, timeouts → UNKNOWN resolved by query, the only resend
(same id, after confirmed absence), crash checkpoints, outbox, breaker, throttle, batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.execution.breaker import BreakerConfig, BreakerState
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import IntentOrder
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.retry import RetryPolicy
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.model.enums import Direction, OrderType
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import FAST, Call, Fault, OmsHarness, approve, oms_harness
from tradegraph.testing.orders import InMemoryOrderStore, make_order, make_record

D = Decimal
S = OrderStatus


class CrashError(Exception):
    """Raised by a checkpoint hook: the process "dies" there."""


def place_limit(h: OmsHarness, decision_id: str = "d1", price: float = 99.0) -> OrderRecord:
    placement = h.oms.submit_intent(
        h.intent(entry=price),
        approve("1"),
        strategy_id="s1",
        decision_id=decision_id,
        order_type=OrderType.LIMIT,
    )
    assert placement.placed, placement.refused_reason
    entry = placement.entry
    assert entry is not None
    return entry


def kinds(store: InMemoryOrderStore, coid: str) -> list[str]:
    return [e.kind for e in store.journal if e.payload["client_order_id"] == coid]


def test_the_order_is_committed_and_claimed_before_the_venue_is_called() -> None:
    seen: list[tuple[str, S | None, int]] = []
    h = oms_harness(record_checkpoints=True)

    def before_send(request: OrderRequest) -> None:
        stored = h.store.get(request.client_order_id)
        assert stored is not None
        seen.append((request.client_order_id, stored.status, stored.send_attempts))
        assert kinds(h.store, request.client_order_id) == ["order.created", "order.submitted"]

    h.client.on_submit = before_send
    entry = place_limit(h)
    assert seen == [(entry.client_order_id, S.SUBMITTED, 1)]
    assert h.checkpoints == [
        "after_intent_commit",
        "after_claim",
        "after_send_before_ack",
        "after_ack_before_fill",
    ]
    assert entry.status is S.ACCEPTED
    assert entry.order.venue_order_id is not None
    assert kinds(h.store, entry.client_order_id) == [
        "order.created",
        "order.submitted",
        "order.accepted",
    ]


def test_a_checkpoint_sees_the_stored_state_at_each_step() -> None:
    states: dict[str, tuple[S, int]] = {}
    holder: list[OmsHarness] = []

    def hook(name: str) -> None:
        (record,) = holder[0].store.find()
        states[name] = (record.status, holder[0].client.inner_submits[record.client_order_id])

    h = oms_harness(checkpoint=hook)
    holder.append(h)
    place_limit(h)
    assert states == {
        "after_intent_commit": (S.NEW, 0),
        "after_claim": (S.SUBMITTED, 0),
        "after_send_before_ack": (S.SUBMITTED, 1),
        "after_ack_before_fill": (S.ACCEPTED, 1),
    }


def test_a_dropped_response_is_unknown_and_resolved_by_query_without_resend() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE)
    entry = place_limit(h)
    assert entry.status is S.UNKNOWN
    assert "submit outcome unknown" in entry.order.last_reason
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    assert resolved.send_attempts == 1
    assert h.client.inner_submits[entry.client_order_id] == 1
    assert h.client.calls[Call.SUBMIT] == 1  # never re-sent
    assert kinds(h.store, entry.client_order_id)[-2:] == ["order.unknown", "order.accepted"]
    assert h.oms.resolve() == []


def test_confirmed_absence_resends_once_with_the_same_client_id() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.FAIL_BEFORE)
    entry = place_limit(h)
    assert entry.status is S.UNKNOWN
    assert h.client.inner_submits[entry.client_order_id] == 0
    (resolved,) = h.oms.resolve()
    assert resolved.client_order_id == entry.client_order_id
    assert resolved.status is S.ACCEPTED
    assert resolved.send_attempts == 2
    assert h.client.inner_submits[entry.client_order_id] == 1
    notes = [e.payload.get("note") for e in h.store.journal]
    assert "re-sent after the venue confirmed absence" in notes
    assert len(h.venue.open_orders()) == 1
    assert h.oms.resolve() == []
    assert h.client.calls[Call.SUBMIT] == 2


def test_venue_unavailable_keeps_the_order_submitted_until_resolve() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.UNAVAILABLE)
    entry = place_limit(h)
    assert entry.status is S.SUBMITTED
    assert "venue unavailable" in entry.order.last_reason
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    assert h.client.inner_submits[entry.client_order_id] == 1


def test_a_failing_query_leaves_the_order_unresolved_until_the_next_call() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE)
    entry = place_limit(h)
    h.client.schedule(Call.QUERY_ORDER, *[Fault.FAIL_BEFORE] * FAST.read_retry.attempts)
    assert h.oms.resolve() == []
    current = h.store.get(entry.client_order_id)
    assert current is not None
    assert current.status is S.UNKNOWN
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    assert h.client.inner_submits[entry.client_order_id] == 1


def test_resend_waits_for_the_grace_period() -> None:
    config = replace(FAST, resend_grace=timedelta(seconds=5))
    h = oms_harness(config=config)
    h.client.schedule(Call.SUBMIT, Fault.FAIL_BEFORE)
    entry = place_limit(h)
    assert h.oms.resolve() == []
    assert h.client.calls[Call.SUBMIT] == 1
    h.clock.advance(timedelta(seconds=5))
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    assert h.client.inner_submits[entry.client_order_id] == 1


@pytest.mark.parametrize(
    ("crash_at", "status_after_crash", "submits_after_crash"),
    [
        ("after_intent_commit", S.NEW, 0),
        ("after_claim", S.SUBMITTED, 0),
        ("after_send_before_ack", S.SUBMITTED, 1),
        ("after_ack_before_fill", S.ACCEPTED, 1),
    ],
)
def test_a_crash_at_each_checkpoint_recovers_with_exactly_one_venue_order(
    crash_at: str, status_after_crash: S, submits_after_crash: int
) -> None:
    def hook(name: str) -> None:
        if name == crash_at:
            raise CrashError(name)

    h = oms_harness(checkpoint=hook)
    with pytest.raises(CrashError):
        place_limit(h)
    (record,) = h.store.find()
    coid = record.client_order_id
    assert record.status is status_after_crash
    assert h.client.inner_submits[coid] == submits_after_crash
    restarted = h.rebuild(config=FAST)  # a new process over the same store and venue
    report = restarted.reconcile()
    current = h.store.get(coid)
    assert current is not None
    assert current.status is S.ACCEPTED
    assert h.client.inner_submits[coid] == 1
    assert [o.client_order_id for o in h.venue.open_orders()] == [coid]
    assert report.ok


def test_a_stale_outbox_order_is_canceled_not_sent() -> None:
    def hook(name: str) -> None:
        if name == "after_intent_commit":
            raise CrashError(name)

    h = oms_harness(checkpoint=hook)
    with pytest.raises(CrashError):
        place_limit(h)
    h.clock.advance(timedelta(minutes=6))
    h.rebuild(config=FAST)
    (record,) = h.oms.resolve()
    assert record.status is S.CANCELED
    assert "stale" in record.order.last_reason
    assert sum(h.client.inner_submits.values()) == 0


def test_the_breaker_opens_refuses_and_recovers_through_a_probe() -> None:
    config = replace(
        FAST, breaker=BreakerConfig(failure_threshold=2, reset_after=timedelta(seconds=10))
    )
    h = oms_harness(config=config)
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE, Fault.FAIL_BEFORE)
    first = place_limit(h, "d1")
    second = place_limit(h, "d2")
    assert (first.status, second.status) == (S.UNKNOWN, S.UNKNOWN)
    assert h.oms.status().breaker.state is BreakerState.OPEN
    third = place_limit(h, "d3")
    assert third.status is S.SUBMITTED  # refused by the open circuit: certainly not sent
    assert "circuit open until" in third.order.last_reason
    assert h.client.calls[Call.SUBMIT] == 2
    assert h.oms.resolve() == []  # queries are refused too while open
    h.clock.advance(timedelta(seconds=10))
    resolved = {r.client_order_id: r for r in h.oms.resolve()}
    assert {r.status for r in resolved.values()} == {S.ACCEPTED}
    assert set(resolved) == {first.client_order_id, second.client_order_id, third.client_order_id}
    status = h.oms.status()
    assert status.breaker.state is BreakerState.CLOSED
    assert status.breaker.times_opened == 1
    assert all(h.client.inner_submits[c] == 1 for c in resolved)
    assert len(h.venue.open_orders()) == 3


def test_a_venue_rejection_is_a_rejected_order() -> None:
    h = oms_harness()
    bad = make_record(
        make_order("off-grid", instrument_id=h.instrument.id, quantity="0.0005", price="99"),
        venue="sim",
    )
    placement = h.oms.place([bad])
    (rejected,) = placement.records
    assert placement.placed
    assert rejected.status is S.REJECTED
    assert "lot" in rejected.order.last_reason


def test_kill_switch_refuses_risk_increasing_but_not_reducing_orders() -> None:
    h = oms_harness()
    h.oms.kill_switch.trip("test", h.clock.now())
    refused = h.oms.submit_intent(
        h.intent(entry=99.0),
        approve("1"),
        strategy_id="s1",
        decision_id="d1",
        order_type=OrderType.LIMIT,
    )
    assert not refused.placed
    assert "kill switch" in refused.refused_reason
    assert h.store.find() == []
    reducing = h.oms.submit_intent(
        h.intent(Direction.SHORT, entry=101.0),
        approve("1", risk_increasing=False),
        strategy_id="s1",
        decision_id="d2",
        order_type=OrderType.LIMIT,
    )
    assert reducing.placed
    assert reducing.records[0].status is S.ACCEPTED
    h.oms.reset_kill_switch()
    assert place_limit(h, "d3").status is S.ACCEPTED


def test_the_throttle_limits_each_strategy_by_clock_time() -> None:
    config = replace(FAST, max_orders_per_second=5.0)
    h = oms_harness(config=config)
    results = [
        h.oms.submit_intent(
            h.intent(entry=99.0, stop=90.0, target=120.0),  # a bracket costs one token
            approve("1"),
            strategy_id="s1",
            decision_id=f"d{i}",
            order_type=OrderType.LIMIT,
        )
        for i in range(8)
    ]
    assert [r.placed for r in results] == [True] * 5 + [False] * 3
    assert "order rate limit" in results[-1].refused_reason
    other = h.oms.submit_intent(
        h.intent(entry=99.0),
        approve("1"),
        strategy_id="s2",
        decision_id="x",
        order_type=OrderType.LIMIT,
    )
    assert other.placed
    h.clock.advance(timedelta(milliseconds=400))
    more = [place_limit(h, f"late{i}").status for i in range(2)]
    assert more == [S.ACCEPTED, S.ACCEPTED]
    assert not h.oms.submit_intent(
        h.intent(entry=99.0),
        approve("1"),
        strategy_id="s1",
        decision_id="late3",
        order_type=OrderType.LIMIT,
    ).placed
    assert len(h.venue.open_orders()) == 5 + 1 + 2


class CountingStore(InMemoryOrderStore):
    """Counts store transactions."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.transactions = 0

    def add(self, records: list[OrderRecord]) -> list[OrderRecord]:  # type: ignore[override]
        self.transactions += 1
        return super().add(records)

    def update(self, updates: list[OrderUpdate]) -> list[OrderRecord]:  # type: ignore[override]
        self.transactions += 1
        return super().update(updates)


def test_a_batch_of_intents_costs_three_store_transactions() -> None:
    h = oms_harness()
    h.store = CountingStore("default", h.clock)
    h.rebuild(config=FAST)
    items = [
        IntentOrder(h.intent(entry=99.0), approve("1"), "s1", f"d{i}", OrderType.LIMIT)
        for i in range(50)
    ]
    placements = h.oms.submit_intents(items)
    assert h.store.transactions == 3
    assert all(p.placed and p.records[0].status is S.ACCEPTED for p in placements)
    assert len({p.records[0].client_order_id for p in placements}) == 50
    assert len(h.venue.open_orders()) == 50


def test_placing_the_same_decision_twice_sends_it_once() -> None:
    h = oms_harness()
    first = place_limit(h, "d1")
    second = place_limit(h, "d1")
    assert second.client_order_id == first.client_order_id
    assert second.status is S.ACCEPTED
    assert h.client.inner_submits[first.client_order_id] == 1


def test_records_for_another_venue_or_not_new_are_refused() -> None:
    h = oms_harness()
    entry = place_limit(h)
    with pytest.raises(ValidationError, match="only NEW"):
        h.oms.place([entry])
    other = replace(entry, venue="elsewhere", order=replace(entry.order, status=S.NEW))
    with pytest.raises(ValidationError, match="venue"):
        h.oms.place([other])


def test_read_retries_use_the_configured_policy() -> None:
    config = replace(FAST, read_retry=RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0))
    h = oms_harness(config=config)
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE)
    entry = place_limit(h)
    h.client.schedule(Call.QUERY_ORDER, Fault.FAIL_BEFORE, Fault.UNAVAILABLE, Fault.FAIL_BEFORE)
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    assert h.client.calls[Call.QUERY_ORDER] == 4
    assert h.client.inner_submits[entry.client_order_id] == 1


def test_oms_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="max_orders_per_second"):
        OmsConfig(max_orders_per_second=0)
    with pytest.raises(ValidationError, match="reconcile_tolerance"):
        OmsConfig(reconcile_tolerance=D(-1))
