"""Hand-computed fills of the simulated venue: next-open market fills with slippage and
fees, limit / stop / stop-limit rules, latency, partial fills by participation, IOC /
FOK, CLOSE mode and quotes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from tradegraph.core.clock import TestClock
from tradegraph.execution.simulated import FillMode
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.order import OrderStatus

D = Decimal  # short, for hand-computed figures

MKT, LMT, STP, STL = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
BUY, SELL = Side.BUY, Side.SELL
FLAT = (100.0, 101.0, 99.0, 100.0)


def status(venue: object, coid: str) -> OrderStatus:
    order = venue.query_order(coid, "BTC/USDT.sim")  # type: ignore[attr-defined]
    assert order is not None
    return order.status  # type: ignore[no-any-return]


def test_market_order_fills_at_the_next_open_with_adverse_slippage_and_fees(
    sim: SimpleNamespace, clock: TestClock
) -> None:
    venue = sim.venue(slippage_bps=D(10), commission_pct=D("0.001"), commission_fixed=D("0.5"))
    placed = venue.submit(sim.req("b1", BUY))
    assert (placed.status, placed.venue_order_id) == (OrderStatus.ACCEPTED, "sim-o1")
    [fill] = sim.bar((100.03, 101.0, 99.0, 100.5))
    # 100.03 x 1.001 = 100.13003, rounded up to the tick (away from the buyer)
    assert (fill.price, fill.quantity, fill.trade_id) == (D("100.14"), D(1), "sim-t1")
    assert fill.fee == D("0.60014")  # 0.1% of 100.14 + 0.5
    assert (fill.fee_currency, fill.liquidity, fill.time) == ("USDT", Liquidity.TAKER, clock.now())
    balances = {b.currency: b.total for b in venue.balances()}
    assert balances == {"BTC": D(11), "USDT": D(1_000_000) - D("100.14") - D("0.60014")}
    [position] = venue.positions()
    assert (position.quantity, position.average_price) == (D(1), D("100.14"))
    venue.submit(sim.req("s1", SELL))
    [sold] = sim.bar((100.03, 101.0, 99.0, 100.5))
    assert sold.price == D("99.92")  # 100.03 x 0.999 = 99.92997, rounded down
    assert venue.positions() == []


def test_an_order_only_trades_bars_opening_at_or_after_its_submission(
    sim: SimpleNamespace, clock: TestClock
) -> None:
    venue = sim.venue()
    clock.advance(timedelta(seconds=30))
    venue.submit(sim.req("b1", BUY))
    assert venue.on_bar(sim.spot.id, sim.make_bar(sim.spot, sim.t0, FLAT)) == []
    clock.advance(timedelta(seconds=30))
    [fill] = sim.bar((104.0, 105.0, 103.0, 104.0))
    assert fill.price == D(104)


def test_latency_delays_eligibility(sim: SimpleNamespace) -> None:
    venue = sim.venue(latency=timedelta(minutes=2))
    venue.submit(sim.req("b1", BUY))
    assert sim.bar(FLAT) == []
    assert sim.bar(FLAT) == []
    [fill] = sim.bar((105.0, 106.0, 104.0, 105.0))
    assert fill.price == D(105)


def test_participation_splits_an_order_over_bars(sim: SimpleNamespace) -> None:
    venue = sim.venue(participation=D("0.1"))
    venue.submit(sim.req("b1", BUY, qty="5"))
    assert [f.quantity for f in sim.bar((100.0, 101.0, 99.0, 100.0), 20)] == [D(2)]
    assert status(venue, "b1") is OrderStatus.PARTIALLY_FILLED
    assert sim.bar((101.0, 101.0, 99.0, 100.0), 0.004) == []  # 0.0004 is less than a lot
    assert [f.quantity for f in sim.bar((101.0, 102.0, 100.0, 101.0), 20)] == [D(2)]
    [last] = sim.bar((102.0, 103.0, 101.0, 102.0), 50)
    assert (last.quantity, last.price) == (D(1), D(102))
    order = venue.query_order("b1", sim.spot.id)
    assert order.status is OrderStatus.FILLED
    assert order.average_price == D("100.8")  # (2 x 100 + 2 x 101 + 102) / 5
    trade_ids = [f.trade_id for f in venue.fills(sim.spot.id)]
    assert trade_ids == ["sim-t1", "sim-t2", "sim-t3"]


def test_a_partially_filled_limit_keeps_resting_at_its_price(sim: SimpleNamespace) -> None:
    venue = sim.venue(participation=D("0.1"))
    venue.submit(sim.req("b1", BUY, LMT, qty="3", price="99.5"))
    assert [(f.quantity, f.price) for f in sim.bar((100.0, 100.0, 98.0, 99.0), 10)] == [
        (D(1), D("99.5"))
    ]
    assert sim.bar((101.0, 102.0, 100.0, 101.0), 10) == []
    got = [(f.quantity, f.price) for f in sim.bar((99.0, 100.0, 98.0, 99.0), 10)]
    assert got == [(D(1), D(99))]  # the open is below the limit: filled at the open


def test_limit_orders_fill_at_the_limit_or_at_a_better_open(sim: SimpleNamespace) -> None:
    venue = sim.venue(commission_pct=D("0.002"), maker_commission_pct=D("0.001"))
    venue.submit(sim.req("touch", BUY, LMT, price="99.50"))
    venue.submit(sim.req("gap", BUY, LMT, price="101.00"))
    venue.submit(sim.req("away", BUY, LMT, price="98.00"))
    venue.submit(sim.req("sell-touch", SELL, LMT, price="100.40"))
    venue.submit(sim.req("sell-gap", SELL, LMT, price="99.00"))
    fills = {f.client_order_id: f for f in sim.bar((100.2, 100.5, 99.2, 99.8))}
    assert sorted(fills) == ["gap", "sell-gap", "sell-touch", "touch"]
    assert (fills["touch"].price, fills["touch"].liquidity) == (D("99.50"), Liquidity.MAKER)
    assert fills["touch"].fee == D("0.0995")  # maker 0.1%
    assert (fills["gap"].price, fills["gap"].liquidity) == (D("100.2"), Liquidity.TAKER)
    assert fills["gap"].fee == D("0.2004")  # taker 0.2%
    assert fills["sell-touch"].price == D("100.40")
    assert fills["sell-gap"].price == D("100.2")
    assert status(venue, "away") is OrderStatus.ACCEPTED


def test_stop_orders_trigger_on_the_range_and_fill_like_market_orders(
    sim: SimpleNamespace,
) -> None:
    venue = sim.venue(slippage_bps=D(10))
    venue.submit(sim.req("buy-stop", BUY, STP, stop="101.00"))
    venue.submit(sim.req("sell-stop", SELL, STP, stop="99.00"))
    venue.submit(sim.req("far", BUY, STP, stop="110.00"))
    fills = {f.client_order_id: f.price for f in sim.bar((100.0, 101.5, 98.5, 99.0))}
    # the stop price with 10 bps adverse slippage, rounded away from the trader
    assert fills == {"buy-stop": D("101.11"), "sell-stop": D("98.90")}
    assert status(venue, "far") is OrderStatus.ACCEPTED
    venue.submit(sim.req("gap", BUY, STP, stop="101.00"))
    fills = {f.client_order_id: f.price for f in sim.bar((102.0, 103.0, 101.5, 102.0))}
    assert fills == {"gap": D("102.11")}  # gapped through: the open 102 plus slippage


def test_stop_limit_orders_become_limits_once_triggered(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    venue.submit(sim.req("at-stop", BUY, STL, price="101.50", stop="101.00"))
    venue.submit(sim.req("pullback", BUY, STL, price="100.80", stop="101.00"))
    fills = {f.client_order_id: f.price for f in sim.bar((100.0, 102.0, 99.5, 101.8))}
    # triggered inside the bar: at the stop when the limit allows; the pull-back to a
    # limit below the stop may have come before the trigger, so it waits
    assert fills == {"at-stop": D("101.00")}
    assert status(venue, "pullback") is OrderStatus.ACCEPTED
    assert venue.snapshot().triggered == ("sim-o1", "sim-o2")
    [fill] = sim.bar((100.9, 101.2, 100.5, 101.0))
    assert (fill.client_order_id, fill.price, fill.liquidity) == (
        "pullback",
        D("100.80"),
        Liquidity.MAKER,
    )


def test_stop_limit_gapping_through_the_stop(sim: SimpleNamespace) -> None:
    venue = sim.venue()
    venue.submit(sim.req("wide", BUY, STL, price="103.00", stop="101.00"))
    venue.submit(sim.req("tight", BUY, STL, price="101.50", stop="101.00"))
    fills = {f.client_order_id: f.price for f in sim.bar((102.0, 102.5, 101.8, 102.0))}
    assert fills == {"wide": D(102)}  # the open, within the limit
    assert status(venue, "tight") is OrderStatus.ACCEPTED  # triggered, limit below the open
    [fill] = sim.bar((101.4, 101.6, 101.0, 101.2))
    assert (fill.client_order_id, fill.price) == ("tight", D("101.4"))


def test_ioc_and_fok_get_one_step(sim: SimpleNamespace) -> None:
    venue = sim.venue(participation=D("0.1"))
    ioc, fok = TimeInForce.IOC, TimeInForce.FOK
    venue.submit(sim.req("ioc-away", BUY, LMT, price="95", tif=ioc))
    venue.submit(sim.req("fok-big", BUY, qty="5", tif=fok))
    venue.submit(sim.req("ioc-big", BUY, qty="5", tif=ioc))
    venue.submit(sim.req("fok-small", BUY, qty="1", tif=fok))
    fills = sim.bar(FLAT, 20)
    assert sorted((f.client_order_id, f.quantity) for f in fills) == [
        ("fok-small", D(1)),
        ("ioc-big", D(2)),
    ]
    expired = {o.client_order_id for o in venue.snapshot().orders if o.status.value == "expired"}
    assert expired == {"ioc-away", "fok-big", "ioc-big"}
    assert venue.query_order("ioc-big", sim.spot.id).filled_quantity == D(2)
    assert venue.open_orders() == []


def test_close_mode_fills_market_orders_at_the_close_just_seen(
    sim: SimpleNamespace, clock: TestClock
) -> None:
    venue = sim.venue(fill_mode=FillMode.CLOSE, slippage_bps=D(10))
    venue.submit(sim.req("before-any-bar", BUY))  # no close seen yet: waits for an open
    sim.bar((100.0, 101.0, 99.0, 100.5))
    placed = venue.submit(sim.req("b1", BUY))
    assert placed.status is OrderStatus.FILLED
    assert placed.average_price == D("100.61")  # 100.5 x 1.001 = 100.6005, rounded up
    limit = venue.submit(sim.req("lmt", BUY, LMT, price="100.50"))
    assert limit.status is OrderStatus.ACCEPTED  # resting orders still wait for the range
    clock.advance(timedelta(minutes=2))  # the next bar has closed unseen: that close is stale
    assert venue.submit(sim.req("late", BUY)).status is OrderStatus.ACCEPTED
    fills = {f.client_order_id: f.price for f in sim.bar((103.0, 104.0, 100.0, 103.0))}
    assert fills == {"late": D("103.11"), "lmt": D("100.50")}


def test_quotes_fill_buys_at_the_ask_and_sells_at_the_bid(
    sim: SimpleNamespace, clock: TestClock
) -> None:
    venue = sim.venue()
    venue.submit(sim.req("b", BUY))
    venue.submit(sim.req("s", SELL))
    venue.submit(sim.req("lmt", BUY, LMT, price="100.00"))
    clock.advance(timedelta(seconds=1))
    fills = venue.on_quote(sim.spot.id, D("99.98"), D("100.02"))
    assert {f.client_order_id: f.price for f in fills} == {"b": D("100.02"), "s": D("99.98")}
    [fill] = venue.on_quote(sim.spot.id, D("99.99"), D("100.00"))
    assert (fill.client_order_id, fill.price) == ("lmt", D("100.00"))


def test_a_partially_filled_stop_finishes_at_the_next_open(sim: SimpleNamespace) -> None:
    venue = sim.venue(participation=D("0.1"))
    venue.submit(sim.req("stop", BUY, STP, qty="3", stop="101.00"))
    [first] = sim.bar((100.0, 102.0, 99.0, 101.0), 20)
    assert (first.quantity, first.price) == (D(2), D("101.00"))
    [rest] = sim.bar((103.0, 104.0, 99.0, 100.0), 20)  # now a market order: the open
    assert (rest.quantity, rest.price) == (D(1), D(103))
    assert status(venue, "stop") is OrderStatus.FILLED
