"""Native OCO brackets on Binance spot (issue #8): the OMS places a bracket's stop and
target with one ``orderList/oco`` request through the real ccxt client and the fake
Binance (real HTTP on 127.0.0.1); the venue expires the sibling when a leg fills, the
OMS sends no cancel of its own; an ambiguous OCO submit leaves both legs UNKNOWN until
``resolve`` finds them, and the venue holds exactly one order list. Venues without
native OCO (the simulated venue, perps) refuse ``submit_oco`` with ConfigurationError.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from tradegraph.adapters.brokers.ccxt import CcxtExecutionClient
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ConfigurationError, OrderStateUnknownError
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.ports import OrderRequest
from tradegraph.execution.retry import RetryPolicy
from tradegraph.model.enums import Direction, OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.risk.decision import RiskDecision
from tradegraph.testing.execution import Call, Fault, oms_harness
from tradegraph.testing.fake_binance_orders import (
    SPOT_ORDER,
    FakeBinanceTrading,
    OrderFaults,
)
from tradegraph.testing.fake_exchange import FakeBinance
from tradegraph.testing.orders import InMemoryOrderStore

QUANTITY = Decimal("0.01")  # ~500 USDT at 50,000


def _oms(
    client: CcxtExecutionClient, instrument: Instrument, clock: TestClock
) -> tuple[OrderManager, InMemoryOrderStore]:
    store = InMemoryOrderStore("default", clock)
    oms = OrderManager(
        store,
        client,
        clock,
        instruments={instrument.id: instrument},
        config=OmsConfig(
            max_orders_per_second=None,
            read_retry=RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0),
        ),
        sleep=lambda _seconds: None,
        rng=random.Random(8),
    )
    return oms, store


def _bracket(oms: OrderManager, instrument: Instrument, clock: TestClock) -> tuple[str, str, str]:
    placement = oms.submit_intent(
        Intent(instrument.id, Direction.LONG, clock.now(), stop=49_000.0, target=51_000.0),
        RiskDecision.approve(QUANTITY),
        strategy_id="oco",
        decision_id="d1",
        order_type=OrderType.MARKET,
    )
    assert placement.placed, placement.refused_reason
    entry, stop, target = placement.records
    assert stop.order.order_type is OrderType.STOP
    assert target.order.order_type is OrderType.LIMIT
    return entry.client_order_id, stop.client_order_id, target.client_order_id


def _cancel_requests(server: FakeBinance) -> list[dict[str, str]]:
    return [
        {**entry.query, **dict(parse_qsl(entry.body.decode()))}
        for entry in server.requests
        if entry.method == "DELETE" and entry.path == SPOT_ORDER
    ]


def test_bracket_is_one_native_oco_and_the_venue_expires_the_stop(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> None:
    instrument = binance_spot_instrument
    assert binance_spot_client.capabilities.native_oco
    oms, store = _oms(binance_spot_client, instrument, binance_clock)
    entry, stop, target = _bracket(oms, instrument, binance_clock)
    report = oms.sync()  # the entry filled: the legs go out as one order list
    entry_record = store.get(entry)
    assert entry_record is not None and entry_record.status is OrderStatus.FILLED
    assert set(report.children_sent) == {stop, target}
    [request] = binance_trading.oco_requests()
    assert request["side"] == "SELL"
    assert (request["aboveType"], request["aboveClientOrderId"]) == ("LIMIT_MAKER", target)
    assert (request["belowType"], request["belowClientOrderId"]) == ("STOP_LOSS", stop)
    assert Decimal(request["abovePrice"]) == Decimal("51000")
    assert Decimal(request["belowStopPrice"]) == Decimal("49000")
    assert binance_trading.submits_for(stop) == binance_trading.submits_for(target) == 0
    assert binance_trading.order_lists() == 1
    for coid in (stop, target):
        record = store.get(coid)
        assert record is not None and record.status is OrderStatus.ACCEPTED
        assert record.order.venue_order_id

    binance_clock.advance(timedelta(seconds=1))
    binance_trading.set_price("BTC/USDT", Decimal("51000.00"))  # the target fills
    assert binance_trading.orders_for(stop)[0].status == "EXPIRED"  # Binance expires it
    report = oms.sync()
    stop_record, target_record = store.get(stop), store.get(target)
    assert target_record is not None and target_record.status is OrderStatus.FILLED
    assert target_record.order.filled_quantity == QUANTITY
    assert stop_record is not None and stop_record.status is OrderStatus.EXPIRED
    assert report.oco_canceled == () and report.oco_resized == ()
    assert _cancel_requests(binance_server) == []  # the OMS sent no cancel of its own
    oms.sync()
    assert _cancel_requests(binance_server) == []
    assert binance_spot_client.open_orders(instrument.id) == []


def test_ambiguous_oco_submit_resolves_both_legs_to_one_order_list(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_server: FakeBinance,
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> None:
    instrument = binance_spot_instrument
    oms, store = _oms(binance_spot_client, instrument, binance_clock)
    _entry, stop, target = _bracket(oms, instrument, binance_clock)
    binance_trading.inject_oco(OrderFaults.execute_then_drop())

    oms.sync()  # the OCO executes, the answer is lost
    for coid in (stop, target):
        record = store.get(coid)
        assert record is not None and record.status is OrderStatus.UNKNOWN
    assert binance_trading.order_lists() == 1

    binance_clock.advance(timedelta(seconds=31))  # past an open circuit, if any
    oms.resolve()
    for coid in (stop, target):
        record = store.get(coid)
        assert record is not None and record.status is OrderStatus.ACCEPTED
        assert record.send_attempts == 1
        assert binance_trading.venue_orders_for(coid) == 1
    assert len(binance_trading.oco_requests()) == 1  # no re-send
    assert binance_trading.order_lists() == 1
    [venue_stop] = binance_trading.orders_for(stop)
    [venue_target] = binance_trading.orders_for(target)
    assert venue_stop.order_list_id == venue_target.order_list_id >= 0

    binance_clock.advance(timedelta(seconds=1))
    binance_trading.set_price("BTC/USDT", Decimal("48990.00"))  # the stop triggers
    oms.sync()
    stop_record, target_record = store.get(stop), store.get(target)
    assert stop_record is not None and stop_record.status is OrderStatus.FILLED
    assert target_record is not None and target_record.status is OrderStatus.EXPIRED
    assert _cancel_requests(binance_server) == []


def test_fake_binance_cancel_of_one_leg_cancels_the_list(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    binance_spot_instrument: Instrument,
) -> None:
    instrument = binance_spot_instrument
    stop = OrderRequest("oco-s1", instrument.id, Side.SELL, OrderType.STOP, QUANTITY,
                        stop_price=Decimal("49000"))  # fmt: skip
    target = OrderRequest("oco-t1", instrument.id, Side.SELL, OrderType.LIMIT, QUANTITY,
                          price=Decimal("51000"))  # fmt: skip
    placed = binance_spot_client.submit_oco(stop, target)
    assert [leg.status for leg in placed] == [OrderStatus.ACCEPTED, OrderStatus.ACCEPTED]
    assert [leg.order_type for leg in placed] == [OrderType.STOP, OrderType.LIMIT]
    assert placed[0].stop_price == Decimal("49000") and placed[1].price == Decimal("51000")
    free, locked = binance_trading.spot_balance("BTC")
    assert locked == QUANTITY  # one reservation for the pair

    canceled = binance_spot_client.cancel("oco-t1", instrument.id)
    assert canceled.status is OrderStatus.CANCELED
    other = binance_spot_client.query_order("oco-s1", instrument.id)
    assert other is not None and other.status is OrderStatus.CANCELED
    assert binance_trading.spot_balance("BTC") == (free + locked, Decimal(0))

    # prices on the wrong side of the market: a refusal, as two REJECTED legs
    bad = OrderRequest("oco-t2", instrument.id, Side.SELL, OrderType.LIMIT, QUANTITY,
                       price=Decimal("49500"))  # fmt: skip
    stop2 = OrderRequest("oco-s2", instrument.id, Side.SELL, OrderType.STOP, QUANTITY,
                         stop_price=Decimal("49000"))  # fmt: skip
    refused = binance_spot_client.submit_oco(stop2, bad)
    assert [leg.status for leg in refused] == [OrderStatus.REJECTED, OrderStatus.REJECTED]
    assert "relationship of the prices" in refused[0].reason


def test_perps_and_the_simulated_venue_have_no_native_oco(
    binance_perp_client: CcxtExecutionClient,
    binance_perp_instrument: Instrument,
) -> None:
    harness = oms_harness()
    instrument = harness.instrument
    assert not harness.venue.capabilities.native_oco
    stop = OrderRequest("s1", instrument.id, Side.SELL, OrderType.STOP, Decimal("1"),
                        stop_price=Decimal("90"))  # fmt: skip
    target = OrderRequest("t1", instrument.id, Side.SELL, OrderType.LIMIT, Decimal("1"),
                          price=Decimal("110"))  # fmt: skip
    with pytest.raises(ConfigurationError) as caught:
        harness.venue.submit_oco(stop, target)
    assert caught.value.hint
    with pytest.raises(ConfigurationError):
        harness.client.submit_oco(stop, target)  # the FaultyClient forwards it
    harness.client.schedule(Call.SUBMIT_OCO, Fault.FAIL_BEFORE)  # faults apply as to submit
    with pytest.raises(OrderStateUnknownError):
        harness.client.submit_oco(stop, target)
    assert harness.client.inner_submits[stop.client_order_id] == 1  # only the forwarded call
    assert harness.venue.open_orders() == []

    assert not binance_perp_client.capabilities.native_oco
    perp = binance_perp_instrument.id
    with pytest.raises(ConfigurationError):
        binance_perp_client.submit_oco(
            OrderRequest("s2", perp, Side.SELL, OrderType.STOP, Decimal("0.01"),
                         stop_price=Decimal("49000")),
            OrderRequest("t2", perp, Side.SELL, OrderType.LIMIT, Decimal("0.01"),
                         price=Decimal("51000")),
        )  # fmt: skip
