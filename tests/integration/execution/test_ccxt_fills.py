"""``CcxtExecutionClient`` against the fake Binance: fills, stops, perps, trade paging.

Real ccxt, real HTTP on 127.0.0.1: partial executions show up as separate fills with
venue trade ids, Binance spot stops trigger where they should, perps send reduce-only and
read positions from ``positionRisk``, and the trade list is paged completely (by trade id
past 1000 trades in one millisecond; in 7-day windows on futures).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial

from tradegraph.adapters.brokers.ccxt import (
    CcxtExecutionClient,
    MarketType,
)
from tradegraph.core.clock import TestClock
from tradegraph.model.enums import AssetClass, Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import order_request
from tradegraph.testing.fake_binance_orders import (
    PERP_ORDER,
    SPOT_ORDER,
    FakeBinanceTrading,
    sent_params,
)
from tradegraph.testing.fake_exchange import FakeBinance

SPOT = "BTC/USDT.binance"
PERP = "BTC/USDT:USDT.binance"
QTY = Decimal("0.01")


order = partial(order_request, instrument_id=SPOT, quantity=QTY)



# --- partial fills ---------------------------------------------------------------------------


def test_a_market_order_filled_in_several_trades_shows_each_fill(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.fill_parts = 3
    placed = binance_spot_client.submit(order("parts-1", quantity=Decimal("0.01")))
    assert placed.status is OrderStatus.FILLED
    fills = [f for f in binance_spot_client.fills(SPOT) if f.client_order_id == "parts-1"]
    assert [f.quantity for f in fills] == [
        Decimal("0.00333"),
        Decimal("0.00333"),
        Decimal("0.00334"),
    ]
    assert len({f.trade_id for f in fills}) == 3
    assert all(f.liquidity is Liquidity.TAKER and f.fee_currency == "BTC" for f in fills)
    assert sum(f.fee for f in fills) == Decimal("0.00001")


def test_a_resting_order_partially_filled_then_canceled(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_spot_client.submit(
        order("part-2", order_type=OrderType.LIMIT, price=Decimal("49000"), quantity=QTY)
    )
    binance_trading.set_price("BTC/USDT", Decimal("48900"), volume=Decimal("0.004"))
    partial = binance_spot_client.query_order("part-2", SPOT)
    assert partial is not None
    assert (partial.status, partial.filled_quantity) == (
        OrderStatus.PARTIALLY_FILLED,
        Decimal("0.004"),
    )
    assert partial.average_price == Decimal("49000")
    assert [o.status for o in binance_spot_client.open_orders(SPOT)] == [
        OrderStatus.PARTIALLY_FILLED
    ]
    fills = binance_spot_client.fills(SPOT)
    assert [(f.client_order_id, f.quantity, f.price, f.liquidity) for f in fills] == [
        ("part-2", Decimal("0.004"), Decimal("49000"), Liquidity.MAKER)
    ]
    canceled = binance_spot_client.cancel("part-2", SPOT)
    assert (canceled.status, canceled.filled_quantity) == (OrderStatus.CANCELED, Decimal("0.004"))
    assert binance_trading.spot_balance("USDT") == (
        Decimal("100000") - Decimal("0.004") * 49000,
        Decimal(0),
    )


def test_thin_liquidity_expires_the_rest_of_market_and_ioc_orders(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.set_liquidity("BTC/USDT", Decimal("0.003"))
    market = binance_spot_client.submit(order("thin-1"))
    assert (market.status, market.filled_quantity) == (OrderStatus.EXPIRED, Decimal("0.003"))
    ioc = binance_spot_client.submit(
        order("thin-2", order_type=OrderType.LIMIT, price=Decimal("50100"), tif=TimeInForce.IOC)
    )
    assert (ioc.status, ioc.filled_quantity) == (OrderStatus.EXPIRED, Decimal("0.003"))
    fok = binance_spot_client.submit(
        order("thin-3", order_type=OrderType.LIMIT, price=Decimal("50100"), tif=TimeInForce.FOK)
    )
    assert (fok.status, fok.filled_quantity) == (OrderStatus.EXPIRED, Decimal(0))
    gtc = binance_spot_client.submit(
        order("thin-4", order_type=OrderType.LIMIT, price=Decimal("50100"))
    )
    assert (gtc.status, gtc.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, Decimal("0.003"))


# --- stops (spot) ----------------------------------------------------------------------------


def test_spot_stop_orders_trigger_at_their_stop_price(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    stop = binance_spot_client.submit(
        order("stop-1", side=Side.SELL, order_type=OrderType.STOP, stop_price=Decimal("45000"))
    )
    stop_limit = binance_spot_client.submit(
        order("stop-2", side=Side.BUY, order_type=OrderType.STOP_LIMIT,
              stop_price=Decimal("55000"), price=Decimal("55500"))
    )  # fmt: skip
    assert (stop.status, stop.order_type, stop.stop_price) == (
        OrderStatus.ACCEPTED,
        OrderType.STOP,
        Decimal("45000"),
    )
    assert (stop_limit.order_type, stop_limit.price) == (OrderType.STOP_LIMIT, Decimal("55500"))
    binance_trading.set_price("BTC/USDT", Decimal("44990"))
    triggered = binance_spot_client.query_order("stop-1", SPOT)
    assert triggered is not None
    assert (triggered.status, triggered.average_price) == (OrderStatus.FILLED, Decimal("44990"))
    binance_trading.set_price("BTC/USDT", Decimal("55100"))
    filled = binance_spot_client.query_order("stop-2", SPOT)
    assert filled is not None
    assert (filled.status, filled.average_price) == (OrderStatus.FILLED, Decimal("55100"))
    instant = binance_spot_client.submit(
        order("stop-3", side=Side.SELL, order_type=OrderType.STOP, stop_price=Decimal("56000"))
    )
    assert instant.status is OrderStatus.REJECTED
    assert "Stop price would trigger immediately." in instant.reason


# --- perps ----------------------------------------------------------------------------------


def test_perp_reduce_only_is_sent_and_positions_come_from_position_risk(
    binance_perp_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
) -> None:
    opened = binance_perp_client.submit(order("p-open", instrument_id=PERP))
    assert opened.status is OrderStatus.FILLED
    reduced = binance_perp_client.submit(
        order("p-reduce", side=Side.SELL, quantity=Decimal("0.004"), instrument_id=PERP,
              reduce_only=True)
    )  # fmt: skip
    assert reduced.status is OrderStatus.FILLED
    sent = {p["newClientOrderId"]: p for p in sent_params(binance_server, PERP_ORDER)}
    assert sent["p-reduce"]["reduceOnly"] == "true"
    assert "reduceOnly" not in sent["p-open"]
    [position] = binance_perp_client.positions()
    assert (position.instrument_id, position.quantity) == (PERP, Decimal("0.006"))
    assert position.average_price == Decimal("50010")
    assert binance_server.requests_to("/fapi/v3/positionRisk")
    grows = binance_perp_client.submit(
        order("p-grow", quantity=Decimal("0.004"), instrument_id=PERP, reduce_only=True)
    )
    assert grows.status is OrderStatus.REJECTED
    assert "ReduceOnly Order is rejected." in grows.reason
    binance_perp_client.submit(
        order("p-flip", side=Side.SELL, quantity=Decimal("0.02"), instrument_id=PERP)
    )
    [short] = binance_perp_client.positions()
    assert short.quantity == Decimal("-0.014")


def test_perp_margin_shortfall_is_rejected(
    binance_perp_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    answer = binance_perp_client.submit(order("p-big", quantity=Decimal("50"), instrument_id=PERP))
    assert answer.status is OrderStatus.REJECTED
    assert "Margin is insufficient." in answer.reason
    assert binance_trading.venue_orders_for("p-big") == 0


def test_perp_fills_since_walk_seven_day_windows(
    binance_perp_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_clock: TestClock,
) -> None:
    start = binance_clock.now()
    binance_perp_client.submit(order("w-1", instrument_id=PERP))
    binance_clock.advance(timedelta(days=10))
    binance_perp_client.submit(order("w-2", side=Side.SELL, instrument_id=PERP))
    binance_clock.advance(timedelta(days=20))
    fills = binance_perp_client.fills(PERP, since=start - timedelta(days=9))
    assert [f.client_order_id for f in fills] == ["w-1", "w-2"]
    timed = [r.query for r in binance_server.requests_to("/fapi/v1/userTrades")
             if "startTime" in r.query]  # fmt: skip
    assert timed
    assert all(int(q["endTime"]) - int(q["startTime"]) < 7 * 86_400_000 for q in timed)
    assert binance_perp_client.fills(PERP, since=binance_clock.now()) == []


def test_spot_and_perp_trade_ids_do_not_collide(
    binance_spot_client: CcxtExecutionClient, binance_perp_client: CcxtExecutionClient
) -> None:
    binance_spot_client.submit(order("ids-1"))
    binance_perp_client.submit(order("ids-2", instrument_id=PERP))
    [spot_fill] = binance_spot_client.fills(SPOT)
    [perp_fill] = binance_perp_client.fills(PERP)
    assert spot_fill.trade_id.split("#")[1] == perp_fill.trade_id.split("#")[1]
    assert spot_fill.trade_id != perp_fill.trade_id


def test_perp_balances_are_margin_balances(binance_perp_client: CcxtExecutionClient) -> None:
    [usdt] = binance_perp_client.balances()
    assert (usdt.currency, usdt.total, usdt.free) == ("USDT", Decimal("100000"), Decimal("100000"))
    binance_perp_client.submit(
        order("m-1", order_type=OrderType.LIMIT, price=Decimal("40000.0"), instrument_id=PERP)
    )
    [usdt] = binance_perp_client.balances()
    assert (usdt.total, usdt.free) == (Decimal("100000"), Decimal("100000") - Decimal("40"))


# --- trade list paging and the venue-id → client-id map ---------------------------------------


def test_fills_page_by_trade_id_past_a_thousand_trades_in_one_millisecond(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_clock: TestClock,
) -> None:
    binance_trading.fill_parts = 1200
    placed = binance_spot_client.submit(order("many-1", quantity=Decimal("0.012")))
    assert placed.status is OrderStatus.FILLED
    fills = binance_spot_client.fills(SPOT, since=binance_clock.now())
    assert len(fills) == len({f.trade_id for f in fills}) == 1200
    assert sum(f.quantity for f in fills) == Decimal("0.012")
    assert len(binance_server.requests_to("/api/v3/myTrades")) == 2


def test_a_restarted_client_maps_trades_to_client_ids_by_asking_the_venue(
    binance_spot_client: CcxtExecutionClient,
    binance_exchange_factory: Callable[[MarketType], object],
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
    binance_server: FakeBinance,
) -> None:
    binance_spot_client.submit(order("before-restart"))
    fresh = CcxtExecutionClient(
        binance_exchange_factory(MarketType.SPOT), [binance_spot_instrument], binance_clock
    )
    lookups = len(sent_params(binance_server, SPOT_ORDER, "GET"))
    assert [f.client_order_id for f in fresh.fills(SPOT)] == ["before-restart"]
    assert [f.client_order_id for f in fresh.fills(SPOT)] == ["before-restart"]
    assert len(sent_params(binance_server, SPOT_ORDER, "GET")) == lookups + 1  # then cached


def test_open_orders_cover_every_instrument_of_the_client(
    binance_trading: FakeBinanceTrading,
    binance_exchange_factory: Callable[[MarketType], object],
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> None:
    binance_trading.add_market("ETH/USDT", tick_size=Decimal("0.01"), step_size=Decimal("0.0001"))
    eth = Instrument(
        symbol="ETH/USDT", venue="binance", asset_class=AssetClass.CRYPTO_SPOT,
        tick_size=Decimal("0.01"), lot_size=Decimal("0.0001"), quote_currency="USDT",
        min_notional=Decimal("5"), base_currency="ETH",
    )  # fmt: skip
    client = CcxtExecutionClient(
        binance_exchange_factory(MarketType.SPOT), [binance_spot_instrument, eth], binance_clock
    )
    client.submit(order("o-btc", order_type=OrderType.LIMIT, price=Decimal("40000")))
    client.submit(
        order("o-eth", order_type=OrderType.LIMIT, price=Decimal("2000"),
              quantity=Decimal("0.01"), instrument_id=eth.id)
    )  # fmt: skip
    assert sorted((o.instrument_id, o.client_order_id) for o in client.open_orders()) == [
        (SPOT, "o-btc"),
        (eth.id, "o-eth"),
    ]
    assert [o.client_order_id for o in client.open_orders(eth.id)] == ["o-eth"]
