"""Sync: partial fills, duplicate fills ignored, brackets activated after the entry fills,
emulated OCO (cancel on fill, cut on partial fill), legs resized or dropped when the entry
ends partially filled or unfilled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from tradegraph.execution.simulated import SimulatedVenueConfig
from tradegraph.model.enums import OrderType, Side
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import Call, Fault, FaultyClient, OmsHarness, approve, oms_harness

D = Decimal
S = OrderStatus
HALF = SimulatedVenueConfig(venue="sim", participation=D("0.5"))


def legs(h: OmsHarness) -> dict[str, tuple[S, Decimal, Decimal]]:
    """leg -> (status, quantity, filled) of every stored order."""
    return {r.leg: (r.status, r.order.quantity, r.order.filled_quantity) for r in h.store.find()}


def bracket(h: OmsHarness, *, quantity: str = "1", entry_type: OrderType = OrderType.MARKET) -> str:
    placement = h.oms.submit_intent(
        h.intent(entry=100.0, stop=95.0, target=110.0),
        approve(quantity),
        strategy_id="s1",
        decision_id="d1",
        order_type=entry_type,
    )
    assert placement.placed
    entry = placement.entry
    assert entry is not None
    return entry.client_order_id


def test_partial_fills_across_bars() -> None:
    h = oms_harness(venue_config=HALF)
    placement = h.oms.submit_intent(
        h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d1"
    )
    coid = placement.records[0].client_order_id
    h.bar(100.0, volume=1.0)  # 50 % participation: 0.5 of 1.0
    report = h.oms.sync()
    assert report.fills_applied == 1
    record = h.store.get(coid)
    assert record is not None
    assert (record.status, record.order.filled_quantity) == (S.PARTIALLY_FILLED, D("0.5"))
    h.bar(102.0, volume=1.0)
    h.oms.sync()
    record = h.store.get(coid)
    assert record is not None
    assert (record.status, record.order.filled_quantity) == (S.FILLED, D(1))
    assert record.order.average_fill_price == D(101)
    assert [f.quantity for f in h.store.fills(client_order_id=coid)] == [D("0.5"), D("0.5")]
    assert h.store.net_positions("sim") == {h.instrument.id: D(1)}


class DuplicatingClient(FaultyClient):
    """Reports every fill twice (a venue resending executions)."""

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        once = super().fills(instrument_id, since)
        return [*once, *once]


def test_duplicate_fills_are_counted_once() -> None:
    h = oms_harness()
    h.client = DuplicatingClient(h.venue)
    h.rebuild()
    resting = h.oms.submit_intent(  # keeps the instrument live, so every sync reads its fills
        h.intent(entry=50.0),
        approve("1"),
        strategy_id="s1",
        decision_id="rest",
        order_type=OrderType.LIMIT,
    )
    assert resting.placed
    h.oms.submit_intent(h.intent(entry=100.0), approve("2"), strategy_id="s1", decision_id="d1")
    h.bar(100.0)
    first = h.oms.sync()
    assert (first.fills_applied, first.duplicate_fills) == (1, 1)
    second = h.oms.sync()  # nothing new; ``since`` is inclusive so the last fill comes again
    assert second.fills_applied == 0
    assert second.duplicate_fills >= 1
    assert len(h.store.fills()) == 1
    assert h.store.net_positions("sim") == {h.instrument.id: D(2)}
    report = h.oms.reconcile()
    assert report.ok


def test_bracket_legs_wait_for_the_entry_then_oco_cancels_the_sibling() -> None:
    h = oms_harness()
    entry_id = bracket(h, entry_type=OrderType.LIMIT)
    assert legs(h) == {
        "entry": (S.ACCEPTED, D(1), D(0)),
        "stop": (S.NEW, D(1), D(0)),
        "target": (S.NEW, D(1), D(0)),
    }
    h.bar(101.0)  # the buy limit at 100 does not fill
    report = h.oms.sync()
    assert report.children_sent == ()
    assert legs(h)["stop"][0] is S.NEW
    h.bar(100.5, low=99.5)
    report = h.oms.sync()
    assert len(report.children_sent) == 2
    assert legs(h) == {
        "entry": (S.FILLED, D(1), D(1)),
        "stop": (S.ACCEPTED, D(1), D(0)),
        "target": (S.ACCEPTED, D(1), D(0)),
    }
    open_ids = {o.client_order_id for o in h.venue.open_orders()}
    assert entry_id not in open_ids
    assert len(open_ids) == 2
    h.bar(99.0, low=94.0)  # the stop triggers and fills
    report = h.oms.sync()
    assert len(report.oco_canceled) == 1
    assert legs(h) == {
        "entry": (S.FILLED, D(1), D(1)),
        "stop": (S.FILLED, D(1), D(1)),
        "target": (S.CANCELED, D(1), D(0)),
    }
    assert h.venue.open_orders() == []
    assert h.store.net_positions("sim") == {}
    assert h.oms.reconcile().ok


def test_a_partially_filled_target_cuts_the_stop_then_cancels_it() -> None:
    h = oms_harness(venue_config=HALF)
    bracket(h, quantity="1")
    h.bar(100.0, volume=2.0)  # the market entry fills in full (cap 1.0)
    h.oms.sync()
    h.bar(110.5, high=111.0, volume=1.0)  # the target sells 0.5 of 1
    report = h.oms.sync()
    assert len(report.oco_resized) == 1
    by_leg = {r.leg: r for r in h.store.find()}
    assert by_leg["target"].status is S.PARTIALLY_FILLED
    assert by_leg["stop"].status is S.CANCELED
    cut = by_leg["stop.r1"]
    assert cut.replaces == by_leg["stop"].client_order_id
    assert cut.oco_group == by_leg["target"].oco_group
    assert (cut.status, cut.order.quantity) == (S.ACCEPTED, D("0.5"))
    venue_stop = h.venue.query_order(cut.client_order_id, h.instrument.id)
    assert venue_stop is not None
    assert venue_stop.quantity == D("0.5")
    h.bar(110.5, high=111.0, volume=1.0)  # the rest of the target
    report = h.oms.sync()
    assert report.oco_canceled == (cut.client_order_id,)
    assert h.venue.open_orders() == []
    assert h.store.net_positions("sim") == {}
    assert h.oms.reconcile().ok


def test_legs_are_resized_when_the_entry_ends_partially_filled() -> None:
    h = oms_harness(venue_config=HALF)
    entry_id = bracket(h, quantity="1", entry_type=OrderType.LIMIT)
    h.bar(100.0, low=99.0, volume=1.0)  # 0.5 of 1 fills
    h.oms.sync()
    assert legs(h)["stop"][0] is S.NEW
    canceled = h.oms.cancel(entry_id)
    assert (canceled.status, canceled.order.filled_quantity) == (S.CANCELED, D("0.5"))
    assert legs(h) == {
        "entry": (S.CANCELED, D(1), D("0.5")),
        "stop": (S.ACCEPTED, D("0.5"), D(0)),
        "target": (S.ACCEPTED, D("0.5"), D(0)),
    }
    assert {o.quantity for o in h.venue.open_orders()} == {D("0.5")}


def test_legs_are_dropped_when_the_entry_ends_without_a_fill() -> None:
    h = oms_harness()
    entry_id = bracket(h, entry_type=OrderType.LIMIT)
    h.oms.cancel(entry_id)
    states = legs(h)
    assert states["stop"][0] is S.CANCELED
    assert states["target"][0] is S.CANCELED
    assert h.venue.open_orders() == []
    assert sum(h.client.inner_submits.values()) == 1


def test_fills_of_an_unknown_order_are_applied_when_resolved() -> None:
    h = oms_harness()
    h.client.schedule(Call.SUBMIT, Fault.DROP_AFTER_EXECUTE)
    placement = h.oms.submit_intent(
        h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d1"
    )
    coid = placement.records[0].client_order_id
    assert placement.records[0].status is S.UNKNOWN
    h.bar(100.0)  # it fills at the venue while we do not know it exists
    (resolved,) = h.oms.resolve()
    assert resolved.status is S.FILLED
    assert resolved.order.venue_order_id is not None
    assert h.client.inner_submits[coid] == 1
    assert h.store.net_positions("sim") == {h.instrument.id: D(1)}


def test_fills_that_cannot_be_read_are_reported_and_picked_up_later() -> None:
    h = oms_harness()
    h.oms.submit_intent(h.intent(entry=100.0), approve("1"), strategy_id="s1", decision_id="d1")
    h.bar(100.0)
    # the first read and the one after the order query (the venue says it filled) both fail
    h.client.schedule(Call.FILLS, *[Fault.FAIL_BEFORE] * 6)
    report = h.oms.sync()
    assert not report.ok
    assert any("fills of" in p for p in report.problems)
    assert h.store.fills() == []
    record = h.store.find()[0]
    assert record.status is S.ACCEPTED  # not closed before its fill is stored
    assert h.oms.sync().fills_applied == 1
    (fill,) = h.store.fills()
    assert fill.side is Side.BUY
