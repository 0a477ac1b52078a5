"""Reconciliation: a clean run reports ok; unknown venue orders are reported; a position
mismatch trips the kill switch and raises ``ReconciliationError`` naming instrument, local
and venue quantities (fail closed); status counts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tradegraph.core.errors import ReconciliationError, VenueUnavailableError
from tradegraph.execution.breaker import BreakerConfig
from tradegraph.execution.ports import OrderRequest
from tradegraph.model.enums import OrderType, Side
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import FAST, Call, Fault, approve, oms_harness

D = Decimal
S = OrderStatus


def test_a_clean_reconcile_is_ok_and_compares_positions() -> None:
    calls: list[str] = []
    h = oms_harness(checkpoint=calls.append)
    h.oms.submit_intent(h.intent(entry=100.0), approve("1.5"), strategy_id="s1", decision_id="d1")
    h.bar(100.0)
    calls.clear()
    report = h.oms.reconcile()
    assert report.ok
    assert calls.count("during_reconcile") == 1
    assert report.sync.fills_applied == 1
    (check,) = report.positions
    assert (check.instrument_id, check.local, check.venue) == (h.instrument.id, D("1.5"), D("1.5"))
    assert report.unknown_venue_orders == ()
    assert not h.oms.kill_switch.tripped


def test_a_foreign_open_order_is_reported() -> None:
    h = oms_harness()
    foreign = h.venue.submit(
        OrderRequest("manual-1", h.instrument.id, Side.BUY, OrderType.LIMIT, D(1), price=D(50))
    )
    report = h.oms.reconcile()
    assert not report.ok
    assert [o.client_order_id for o in report.unknown_venue_orders] == [foreign.client_order_id]
    assert not h.oms.kill_switch.tripped  # no position differs


def test_a_position_mismatch_fails_closed() -> None:
    h = oms_harness()
    h.oms.submit_intent(h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d1")
    h.venue.submit(  # someone trades on the account behind the OMS's back
        OrderRequest("manual-2", h.instrument.id, Side.BUY, OrderType.MARKET, D("0.25"))
    )
    h.bar(100.0)
    with pytest.raises(ReconciliationError) as caught:
        h.oms.reconcile()
    message = str(caught.value)
    assert h.instrument.id in message
    assert "local 1.000" in message
    assert "venue 1.250" in message
    assert caught.value.hint is not None
    assert h.oms.kill_switch.tripped
    assert "position mismatch" in h.oms.kill_switch.status.reason
    refused = h.oms.submit_intent(
        h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d2"
    )
    assert "kill switch" in refused.refused_reason


def test_fills_that_cannot_be_read_fail_closed_on_positions() -> None:
    h = oms_harness(config=replace(FAST, breaker=BreakerConfig(failure_threshold=100)))
    h.oms.submit_intent(h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d1")
    h.bar(100.0)
    h.client.set_rate(Call.FILLS, Fault.FAIL_BEFORE, 1.0)
    with pytest.raises(ReconciliationError, match=r"local 0, venue 1\.000"):
        h.oms.reconcile()
    assert h.oms.kill_switch.tripped


def test_a_reconcile_that_cannot_reach_the_venue_raises() -> None:
    h = oms_harness()
    h.client.set_rate(Call.OPEN_ORDERS, Fault.UNAVAILABLE, 1.0)
    with pytest.raises(VenueUnavailableError):
        h.oms.reconcile()


def test_a_tolerance_accepts_small_differences() -> None:
    h = oms_harness(config=replace(FAST, reconcile_tolerance=D("0.5")))
    h.venue.submit(OrderRequest("manual-3", h.instrument.id, Side.BUY, OrderType.MARKET, D("0.2")))
    h.bar(100.0)
    report = h.oms.reconcile()
    (check,) = report.positions
    assert check.difference == D("-0.200")
    assert not h.oms.kill_switch.tripped


def test_start_up_reconcile_resolves_unknown_orders_and_reports_status() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE, Fault.FAIL_BEFORE)
    ids = [
        h.oms.submit_intent(
            h.intent(entry=99.0),
            approve("1"),
            strategy_id="s1",
            decision_id=f"d{i}",
            order_type=OrderType.LIMIT,
        )
        .records[0]
        .client_order_id
        for i in range(2)
    ]
    assert h.oms.status().counts[S.UNKNOWN] == 2
    restarted = h.rebuild(config=FAST)
    report = restarted.reconcile()
    assert sorted(report.resolved) == sorted(ids)
    assert report.ok
    status = restarted.status()
    assert status.counts[S.ACCEPTED] == 2
    assert status.counts[S.UNKNOWN] == 0
    assert status.working == 2
    assert all(h.client.inner_submits[c] == 1 for c in ids)
