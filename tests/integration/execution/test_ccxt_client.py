"""``CcxtExecutionClient`` against the fake Binance: faults, error codes, local checks.

Real ccxt, real HTTP on 127.0.0.1: each fault of the fake's order endpoints must come out
of the adapter as the exception the OMS relies on (may-have-executed → UNKNOWN,
certainly-not → VenueUnavailable), and querying by client id must then tell what
actually happened at the venue.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest

from tradegraph.adapters.brokers.ccxt import (
    CcxtExchangeConfig,
    CcxtExecutionClient,
    MarketType,
    build_exchange,
)
from tradegraph.core.clock import TestClock
from tradegraph.core.errors import (
    ConfigurationError,
    OrderStateUnknownError,
    VenueUnavailableError,
)
from tradegraph.data.sources.ports import RateLimitedError
from tradegraph.execution.ports import OrderRequest
from tradegraph.model.enums import OrderType, Side, TimeInForce
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus
from tradegraph.testing.execution import order_request
from tradegraph.testing.fake_binance_orders import (
    SPOT_ORDER,
    FakeBinanceTrading,
    OrderFaults,
)
from tradegraph.testing.fake_exchange import FakeBinance, Fault, FaultKind

SPOT = "BTC/USDT.binance"
PERP = "BTC/USDT:USDT.binance"
QTY = Decimal("0.01")


order = partial(order_request, instrument_id=SPOT, quantity=QTY)



# --- ambiguous outcomes -----------------------------------------------------------------


def test_execute_then_drop_is_unknown_and_the_query_finds_the_order_filled(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.inject_submit(OrderFaults.execute_then_drop())
    with pytest.raises(OrderStateUnknownError, match="may or may not"):
        binance_spot_client.submit(order("drop-1"))
    found = binance_spot_client.query_order("drop-1", SPOT)
    assert found is not None
    assert (found.status, found.filled_quantity) == (OrderStatus.FILLED, QTY)
    assert binance_trading.submits_for("drop-1") == 1
    assert binance_trading.venue_orders_for("drop-1") == 1


def test_5xx_before_executing_is_unknown_then_absence_allows_one_resend(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.inject_submit(OrderFaults.server_error_before(503))
    with pytest.raises(OrderStateUnknownError):
        binance_spot_client.submit(order("gw-1"))
    assert binance_spot_client.query_order("gw-1", SPOT) is None
    resent = binance_spot_client.submit(order("gw-1"))  # the venue confirmed absence
    assert resent.status is OrderStatus.FILLED
    assert binance_trading.submits_for("gw-1") == 2
    assert binance_trading.venue_orders_for("gw-1") == 1


def test_5xx_after_executing_is_unknown_and_the_query_finds_the_order(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.inject_submit(OrderFaults.server_error_after(502))
    with pytest.raises(OrderStateUnknownError):
        binance_spot_client.submit(
            order("gw-2", order_type=OrderType.LIMIT, price=Decimal("40000.00"))
        )
    found = binance_spot_client.query_order("gw-2", SPOT)
    assert found is not None
    assert found.status is OrderStatus.ACCEPTED
    assert binance_trading.venue_orders_for("gw-2") == 1


@pytest.mark.parametrize("executed", [True, False])
def test_binance_timeout_1007_is_unknown_whether_or_not_it_executed(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading, executed: bool
) -> None:
    binance_trading.inject_submit(OrderFaults.timeout(executed=executed))
    with pytest.raises(OrderStateUnknownError, match="RequestTimeout"):
        binance_spot_client.submit(order("to-1"))
    found = binance_spot_client.query_order("to-1", SPOT)
    if executed:
        assert found is not None
        assert found.status is OrderStatus.FILLED
    else:
        assert found is None
    assert binance_trading.venue_orders_for("to-1") == int(executed)


def test_perp_execute_then_drop_is_unknown_too(
    binance_perp_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.inject_submit(OrderFaults.execute_then_drop(), perp=True)
    with pytest.raises(OrderStateUnknownError):
        binance_perp_client.submit(order("pdrop", instrument_id=PERP))
    found = binance_perp_client.query_order("pdrop", PERP)
    assert found is not None
    assert found.status is OrderStatus.FILLED
    assert binance_trading.position("BTC/USDT:USDT") == QTY


# --- certainly not executed ---------------------------------------------------------------


def test_429_is_rate_limited_with_retry_after_and_not_executed(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_trading.inject_submit(OrderFaults.rate_limited(retry_after=2.5))
    with pytest.raises(RateLimitedError) as caught:
        binance_spot_client.submit(order("rl-1"))
    assert isinstance(caught.value, VenueUnavailableError)
    assert not isinstance(caught.value, OrderStateUnknownError)
    assert caught.value.retry_after == 2.5
    assert binance_trading.submits_for("rl-1") == 1
    assert binance_trading.venue_orders_for("rl-1") == 0


def test_refused_connection_is_venue_unavailable_not_unknown(
    binance_clock: TestClock,
    binance_spot_instrument: Instrument,
    binance_spot_client: CcxtExecutionClient,
) -> None:
    """Nothing listens on the port: the TCP connection is refused, nothing was sent."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    config = CcxtExchangeConfig(api_key="k", secret="s", api_base_url=dead, enable_rate_limit=False)
    exchange = build_exchange(config)
    binance_spot_client.query_order("warm-up", SPOT)
    exchange.set_markets(binance_spot_client.exchange.markets)  # as if loaded before the outage
    client = CcxtExecutionClient(exchange, [binance_spot_instrument], binance_clock)
    with pytest.raises(VenueUnavailableError, match="did not execute") as caught:
        client.submit(order("down-1"))
    assert not isinstance(caught.value, OrderStateUnknownError)
    with pytest.raises(VenueUnavailableError):
        client.query_order("down-1", SPOT)


def _binance_error(code: int, msg: str) -> bytes:
    return json.dumps({"code": code, "msg": msg}).encode()


@pytest.mark.parametrize(
    ("fault", "expected", "placed"),
    [
        (Fault(FaultKind.STATUS, 400, _binance_error(
            -1021, "Timestamp for this request is outside of the recvWindow.")),
         VenueUnavailableError, 0),
        (Fault(FaultKind.STATUS, 400, _binance_error(
            -1015, "Too many new orders; current limit is 100 orders per 10 SECOND.")),
         RateLimitedError, 0),
        (Fault(FaultKind.STATUS, 418, _binance_error(-1003, "Way too many requests; IP banned.")),
         RateLimitedError, 0),
        (Fault.after(503, _binance_error(
            -1006, "An unexpected response was received from the message bus. Execution "
            "status unknown.")),
         OrderStateUnknownError, 1),
        (Fault.after(504, b"Gateway Time-out"), OrderStateUnknownError, 1),
        (Fault(FaultKind.STATUS, 500, _binance_error(
            -1000, "An unknown error occurred while processing the request.")),
         OrderStateUnknownError, 0),
    ],
)  # fmt: skip
def test_binance_error_codes_map_to_what_they_say_about_execution(
    binance_spot_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    fault: Fault,
    expected: type[Exception],
    placed: int,
) -> None:
    binance_trading.inject_submit(fault)
    with pytest.raises(expected) as caught:
        binance_spot_client.submit(order("code-1"))
    if expected is not OrderStateUnknownError:
        assert not isinstance(caught.value, OrderStateUnknownError)
    assert binance_trading.venue_orders_for("code-1") == placed


def test_a_wrong_api_key_is_venue_unavailable_not_a_rejection(
    binance_server: FakeBinance,
    binance_trading: FakeBinanceTrading,
    binance_spot_instrument: Instrument,
    binance_clock: TestClock,
) -> None:
    config = CcxtExchangeConfig(
        api_key="not-the-key", secret="s", api_base_url=binance_server.base_url,
        enable_rate_limit=False,
    )  # fmt: skip
    client = CcxtExecutionClient(build_exchange(config), [binance_spot_instrument], binance_clock)
    with pytest.raises(VenueUnavailableError, match="AuthenticationError"):
        client.submit(order("key-1"))
    assert binance_trading.submits_for("key-1") == 1
    assert binance_trading.venue_orders_for("key-1") == 0


def test_insufficient_funds_is_a_rejected_snapshot(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    answer = binance_spot_client.submit(order("poor-1", quantity=Decimal("10")))
    assert answer.status is OrderStatus.REJECTED
    assert "InsufficientFunds" in answer.reason
    assert "insufficient balance" in answer.reason
    assert binance_trading.submits_for("poor-1") == 1
    assert binance_trading.venue_orders_for("poor-1") == 0


def test_venue_filter_failure_on_a_market_order_is_rejected(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    """Notional of a market order is only known at the venue: -1013 NOTIONAL."""
    answer = binance_spot_client.submit(order("tiny-1", quantity=Decimal("0.00005")))
    assert answer.status is OrderStatus.REJECTED
    assert "Filter failure: NOTIONAL" in answer.reason
    assert binance_trading.venue_orders_for("tiny-1") == 0


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (order("lc-tick", order_type=OrderType.LIMIT, price=Decimal("40000.005")), "tick size"),
        (
            order("lc-lot", order_type=OrderType.LIMIT, quantity=Decimal("0.000015"),
                  price=Decimal("40000")),
            "lot size",
        ),
        (order("lc-min", order_type=OrderType.LIMIT, quantity=Decimal("0.0001"),
               price=Decimal("40000")), "below the minimum 5"),
        (order("lc-stop", order_type=OrderType.STOP, side=Side.SELL,
               stop_price=Decimal("40000.001")), "stop price"),
        (order("lc-id-" + "x" * 40), "longer than 36"),
        (order("lc-tif", order_type=OrderType.LIMIT, price=Decimal("40000"),
               tif=TimeInForce.DAY), "time in force day"),
        (order("lc-perp-stop", order_type=OrderType.STOP, side=Side.SELL,
               stop_price=Decimal("40000"), instrument_id=PERP), "stop orders are not supported"),
        (order("lc-unknown", instrument_id="ETH/USDT.binance"), "not traded through"),
    ],
)  # fmt: skip
def test_local_checks_reject_before_anything_is_sent(
    binance_spot_client: CcxtExecutionClient,
    binance_perp_client: CcxtExecutionClient,
    binance_trading: FakeBinanceTrading,
    request_: OrderRequest,
    reason: str,
) -> None:
    client = binance_perp_client if request_.instrument_id == PERP else binance_spot_client
    answer = client.submit(request_)
    assert answer.status is OrderStatus.REJECTED
    assert reason in answer.reason
    assert answer.venue_order_id == ""
    assert binance_trading.submits_for(request_.client_order_id) == 0


# --- cancel and read faults ---------------------------------------------------------------


def test_cancel_dropped_after_executing_is_unknown_and_the_query_shows_canceled(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_spot_client.submit(order("cx-1", order_type=OrderType.LIMIT, price=Decimal("40000")))
    binance_trading.inject_cancel(OrderFaults.execute_then_drop())
    with pytest.raises(OrderStateUnknownError, match="cancel"):
        binance_spot_client.cancel("cx-1", SPOT)
    found = binance_spot_client.query_order("cx-1", SPOT)
    assert found is not None
    assert found.status is OrderStatus.CANCELED
    assert binance_trading.spot_balance("USDT") == (Decimal("100000"), Decimal(0))


def test_rate_limited_cancel_leaves_the_order_working(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    binance_spot_client.submit(order("cx-2", order_type=OrderType.LIMIT, price=Decimal("40000")))
    binance_trading.inject_cancel(OrderFaults.rate_limited(1))
    with pytest.raises(RateLimitedError):
        binance_spot_client.cancel("cx-2", SPOT)
    assert [o.client_order_id for o in binance_spot_client.open_orders(SPOT)] == ["cx-2"]
    assert binance_spot_client.cancel("cx-2", SPOT).status is OrderStatus.CANCELED


@pytest.mark.parametrize(
    ("path", "fault", "call"),
    [
        (SPOT_ORDER, Fault.server_error(503), lambda c: c.query_order("x", SPOT)),
        (SPOT_ORDER, Fault.cut(), lambda c: c.query_order("x", SPOT)),
        ("/api/v3/openOrders", Fault.server_error(500), lambda c: c.open_orders()),
        ("/api/v3/myTrades", OrderFaults.timeout(executed=False), lambda c: c.fills(SPOT)),
        ("/api/v3/account", Fault.cut(), lambda c: c.balances()),
    ],
)
def test_failed_reads_raise_venue_unavailable_never_unknown(
    binance_spot_client: CcxtExecutionClient,
    binance_server: FakeBinance,
    path: str,
    fault: Fault,
    call: Callable[[CcxtExecutionClient], object],
) -> None:
    binance_spot_client.query_order("warm-up", SPOT)  # markets loaded
    binance_server.inject(path, fault)
    with pytest.raises(VenueUnavailableError) as caught:
        call(binance_spot_client)
    assert not isinstance(caught.value, OrderStateUnknownError)


def test_rate_limited_read_carries_retry_after(
    binance_spot_client: CcxtExecutionClient, binance_server: FakeBinance
) -> None:
    binance_spot_client.query_order("warm-up", SPOT)
    binance_server.inject("/api/v3/myTrades", Fault.rate_limited(4))
    with pytest.raises(RateLimitedError) as caught:
        binance_spot_client.fills(SPOT)
    assert caught.value.retry_after == 4


# --- client id reuse ------------------------------------------------------------------------


def test_venue_accepts_a_reused_client_id_after_fill_so_resolution_must_query_first(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    # The safe path: an ambiguous submit is resolved by querying; the order was filled,
    # so nothing is re-sent and the venue holds exactly one order for the id.
    binance_trading.inject_submit(OrderFaults.execute_then_drop())
    with pytest.raises(OrderStateUnknownError):
        binance_spot_client.submit(order("reuse-1"))
    resolved = binance_spot_client.query_order("reuse-1", SPOT)
    assert resolved is not None
    assert resolved.status is OrderStatus.FILLED
    assert binance_trading.venue_orders_for("reuse-1") == 1
    # The danger: Binance accepts the same id again once the first order closed, so a
    # blind re-send would have bought twice. The adapter does not (cannot) stop it.
    again = binance_spot_client.submit(order("reuse-1"))
    assert again.status is OrderStatus.FILLED
    assert again.venue_order_id != resolved.venue_order_id
    assert binance_trading.venue_orders_for("reuse-1") == 2
    assert binance_trading.spot_balance("BTC")[0] == Decimal(1) + 2 * QTY * Decimal("0.999")


def test_duplicate_open_client_id_answers_with_the_open_order(
    binance_spot_client: CcxtExecutionClient, binance_trading: FakeBinanceTrading
) -> None:
    request = order("dup-1", order_type=OrderType.LIMIT, price=Decimal("40000"))
    placed = binance_spot_client.submit(request)
    answer = binance_spot_client.submit(request)
    assert (answer.venue_order_id, answer.status) == (placed.venue_order_id, OrderStatus.ACCEPTED)
    assert binance_trading.submits_for("dup-1") == 2
    assert binance_trading.venue_orders_for("dup-1") == 1


def test_instruments_must_match_the_client(
    binance_exchange_factory: Callable[[MarketType], object],
    binance_spot_instrument: Instrument,
    binance_perp_instrument: Instrument,
    binance_clock: TestClock,
    binance_spot_client: CcxtExecutionClient,
) -> None:
    exchange = binance_exchange_factory(MarketType.SPOT)
    with pytest.raises(ConfigurationError, match="spot client"):
        CcxtExecutionClient(exchange, [binance_perp_instrument], binance_clock)
    with pytest.raises(ConfigurationError, match="venue"):
        CcxtExecutionClient(exchange, [binance_spot_instrument], binance_clock, venue="bybit")
    with pytest.raises(ConfigurationError, match="not traded through"):
        binance_spot_client.query_order("x", PERP)
