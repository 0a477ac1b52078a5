"""Cancel, cancel-all, cancel/replace, and halt: a runaway strategy thread is stopped and
every working order is canceled within 1 s of ``halt()`` (a safety deadline)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest

from tradegraph.core.errors import (
    ExecutionError,
    NotFoundError,
    TradingHaltedError,
    ValidationError,
)
from tradegraph.execution.oms import IntentOrder
from tradegraph.execution.reports import Placement
from tradegraph.execution.transitions import LIVE, OPEN
from tradegraph.model.enums import OrderType
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import Call, Fault, OmsHarness, approve, oms_harness

D = Decimal
S = OrderStatus


def limit(h: OmsHarness, decision_id: str, *, price: float = 99.0, strategy: str = "s1") -> str:
    placement = h.oms.submit_intent(
        h.intent(entry=price),
        approve("1"),
        strategy_id=strategy,
        decision_id=decision_id,
        order_type=OrderType.LIMIT,
    )
    assert placement.placed
    return placement.records[0].client_order_id


def test_cancel_a_working_order() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    record = h.oms.cancel(coid)
    assert record.status is S.CANCELED
    assert h.venue.open_orders() == []
    assert h.oms.cancel(coid).status is S.CANCELED  # idempotent
    with pytest.raises(NotFoundError, match="nope"):
        h.oms.cancel("nope")


def test_cancel_of_an_unknown_order_the_venue_never_got_is_local_and_final() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.FAIL_BEFORE)
    coid = limit(h, "d1")
    record = h.oms.cancel(coid)
    assert record.status is S.CANCELED
    assert "never reached the venue" in record.order.last_reason
    assert h.oms.resolve() == []
    assert h.client.inner_submits[coid] == 0


def test_cancel_all_is_scoped_to_a_strategy() -> None:
    h = oms_harness()
    mine = [limit(h, f"a{i}", strategy="s1") for i in range(3)]
    theirs = limit(h, "b", strategy="s2")
    report = h.oms.cancel_all("s1")
    assert report.ok
    assert sorted(report.canceled) == sorted(mine)
    assert [o.client_order_id for o in h.venue.open_orders()] == [theirs]


def test_replace_price_and_quantity() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    new = h.oms.replace(coid, price=D("98.04"), quantity=D("0.5"))
    assert new.leg == "entry.r1"
    assert new.replaces == coid
    assert new.status is S.ACCEPTED
    assert (new.order.price, new.order.quantity) == (D("98.0"), D("0.5"))  # buy: rounded down
    old = h.store.get(coid)
    assert old is not None
    assert old.status is S.CANCELED
    (venue_order,) = h.venue.open_orders()
    assert (venue_order.client_order_id, venue_order.price) == (new.client_order_id, D("98.0"))
    newer = h.oms.replace(new.client_order_id, price=D(97))
    assert newer.leg == "entry.r2"
    assert newer.order.quantity == D("0.5")
    assert newer.client_order_id not in (coid, new.client_order_id)
    with pytest.raises(ValidationError, match="only unsent or working"):
        h.oms.replace(coid, price=D(96))


def test_a_replace_that_was_never_sent_leaves_the_original_and_can_be_retried() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    h.client.schedule(Call.MODIFY, Fault.UNAVAILABLE)
    failed = h.oms.replace(coid, price=D(98))
    assert failed.status is S.CANCELED
    assert "venue unavailable" in failed.order.last_reason
    original = h.store.get(coid)
    assert original is not None
    assert original.status is S.ACCEPTED
    retried = h.oms.replace(coid, price=D(98))
    assert retried.leg == "entry.r2"  # the failed attempt keeps its id
    assert retried.status is S.ACCEPTED
    assert [o.client_order_id for o in h.venue.open_orders()] == [retried.client_order_id]


def test_an_unknown_replace_is_resolved_by_query() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    h.client.schedule(Call.MODIFY, Fault.DROP_AFTER_EXECUTE)
    pending = h.oms.replace(coid, price=D(98))
    assert pending.status is S.UNKNOWN
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.ACCEPTED
    original = h.store.get(coid)
    assert original is not None
    assert original.status is S.CANCELED  # brought up to date after the modify


def test_a_replace_the_venue_never_got_is_dropped_not_resent() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    h.client.schedule(Call.MODIFY, Fault.FAIL_BEFORE)
    pending = h.oms.replace(coid, price=D(98))
    assert pending.status is S.UNKNOWN
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.CANCELED
    assert "replacement never reached the venue" in resolved.order.last_reason
    assert h.client.calls[Call.MODIFY] == 1
    assert [o.client_order_id for o in h.venue.open_orders()] == [coid]


def test_replace_refuses_what_it_cannot_do() -> None:
    h = oms_harness()
    placement = h.oms.submit_intent(
        h.intent(entry=100.0, stop=95.0), approve("1"), strategy_id="s1", decision_id="d1"
    )
    stop = placement.records[1]
    with pytest.raises(ValidationError, match="no limit price"):
        h.oms.replace(stop.client_order_id, price=D(96))
    resized = h.oms.replace(stop.client_order_id, quantity=D("0.5"))  # an unsent leg: local
    assert (resized.status, resized.parent_id) == (S.NEW, stop.parent_id)
    h.oms.halt("test")
    with pytest.raises(TradingHaltedError):
        h.oms.replace(resized.client_order_id, quantity=D("0.4"))


def test_halt_stops_a_runaway_strategy_and_cancels_everything_within_a_second() -> None:
    h = oms_harness()
    placed: list[Placement] = []
    refused: list[Placement] = []
    started = threading.Event()

    def runaway() -> None:
        i = 0
        while True:
            placement = h.oms.submit_intent(
                h.intent(entry=90.0 + (i % 10)),
                approve("1"),
                strategy_id="runaway",
                decision_id=f"d{i}",
                order_type=OrderType.LIMIT,
            )
            i += 1
            if not placement.placed:
                refused.append(placement)
                return
            placed.append(placement)
            if i == 20:
                started.set()

    thread = threading.Thread(target=runaway, daemon=True)
    thread.start()
    assert started.wait(5.0)
    time.sleep(0.05)
    t0 = time.monotonic()
    report = h.oms.halt("runaway strategy")
    elapsed = time.monotonic() - t0
    thread.join(5.0)
    assert not thread.is_alive()
    assert elapsed < 1.0, elapsed
    assert report.kill_switch.tripped
    assert report.cancels.ok
    assert refused and "kill switch" in refused[0].refused_reason
    assert len(placed) >= 20
    assert h.venue.open_orders() == []
    assert h.store.find(statuses=OPEN) == []
    assert len(report.cancels.canceled) >= 20
    status = h.oms.status()
    assert status.working == 0
    assert status.kill_switch.reason == "runaway strategy"
    # an order that was claimed but not yet sent when the switch tripped is not sent
    for record in h.store.find():
        assert record.status in (S.CANCELED, S.FILLED)
    assert not h.store.find(statuses=LIVE)


def test_halt_cancels_pending_bracket_legs_and_blocks_activation() -> None:
    h = oms_harness()
    h.oms.submit_intent(
        h.intent(entry=100.0, stop=95.0, target=110.0),
        approve("1"),
        strategy_id="s1",
        decision_id="d1",
    )
    h.oms.halt("test")
    h.bar(100.0)
    report = h.oms.sync()
    assert report.children_sent == ()
    assert {r.leg: r.status for r in h.store.find()} == {
        "entry": S.CANCELED,
        "stop": S.CANCELED,
        "target": S.CANCELED,
    }
    h.clock.advance(timedelta(seconds=1))
    assert h.venue.open_orders() == []


def test_orders_claimed_when_the_switch_trips_are_not_sent() -> None:
    holder: list[OmsHarness] = []

    def trip_once_claimed(name: str) -> None:
        if name == "after_claim" and not holder[0].oms.kill_switch.tripped:
            holder[0].oms.kill_switch.trip("tripped mid-batch", holder[0].clock.now())

    h = oms_harness(checkpoint=trip_once_claimed)
    holder.append(h)
    items = [
        IntentOrder(h.intent(entry=99.0), approve("1"), "s1", f"d{i}", OrderType.LIMIT)
        for i in range(3)
    ]
    placements = h.oms.submit_intents(items)
    assert all(p.placed for p in placements)
    for placement in placements:
        (record,) = placement.records
        assert record.status is S.CANCELED
        assert "not sent: kill switch tripped (tripped mid-batch)" in record.order.last_reason
    assert sum(h.client.inner_submits.values()) == 0
    assert h.client.calls[Call.SUBMIT] == 0


def test_a_cancel_whose_answer_is_lost_is_settled_by_a_query() -> None:
    h = oms_harness()
    coid = limit(h, "d1")
    h.client.schedule(Call.CANCEL, Fault.DROP_AFTER_EXECUTE)
    assert h.oms.cancel(coid).status is S.CANCELED  # the query showed it canceled
    other = limit(h, "d2")
    h.client.schedule(Call.CANCEL, Fault.FAIL_BEFORE)
    with pytest.raises(ExecutionError, match="cancel outcome unknown"):
        h.oms.cancel(other)
    still = h.store.get(other)
    assert still is not None
    assert still.status is S.ACCEPTED  # the venue still has it working
    report = h.oms.cancel_all()
    assert report.canceled == (other,)
    assert h.venue.open_orders() == []
