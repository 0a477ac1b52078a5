"""``ExecutionClientContract``: the behaviour every ``ExecutionClient`` must have.

Usage: a plain mixin of ``test_*`` methods (no pytest import). Subclass it as
``TestMyVenue`` in a test module and provide three pytest fixtures:

- ``client``: the ``ExecutionClient`` under test, fresh for each test;
- ``instrument``: an ``Instrument`` it trades, with balances (or margin) enough for a
  few small orders on both sides (spot: quote *and* base currency);
- ``market``: a ``MarketDriver`` (below) that moves that venue's market.

The driver protocol is deliberately small::

    class MarketDriver(Protocol):
        def price(self, instrument_id: str) -> Decimal: ...
        def trade_at(self, instrument_id: str, price: Decimal) -> None: ...

``price(instrument_id)`` is where the instrument trades now, on its tick grid. The suite
places resting buys at about 80-90% of it and sells at about 110-120% and expects them
not to execute while the market stays at ``price``.

``trade_at(instrument_id, price)`` makes the market trade at ``price`` (on the tick
grid) and has the venue process it before returning, so its effects are visible through
the client at once. Afterwards: every working market order of the instrument is
filled completely; every buy limit at or above ``price`` and every sell limit at or
below it is filled completely; nothing else executes. Each call happens strictly later
(in the venue's time) than every earlier venue event, so fills of different calls have
different, increasing times. ``trade_at(i, price(i))`` is how the suite fills market
orders (a venue that fills them on submit may treat it as a no-op for them).

Quantities are derived from the instrument (whole lots, at least twice the minimum
notional at the lowest price used); client order ids are random, at most 21 characters
of ``[0-9a-z]``. Balances are checked exactly: a spot buy moves the base balance by the
filled quantity (less fees paid in base) and the quote balance by the notional plus
fees paid in quote; any other instrument moves the quote balance only by fees when it
opens a position. ``SimulatedVenueDriver`` is the driver of the simulated venue.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Protocol, runtime_checkable

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import NotFoundError
from tradegraph.core.precision import Rounding, round_price
from tradegraph.execution.ports import ExecutionClient, OrderRequest, VenueOrder
from tradegraph.execution.simulated import SimulatedVenue
from tradegraph.model.enums import AssetClass, OrderType, Side
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import OrderStatus

_ZERO = Decimal(0)


@runtime_checkable
class MarketDriver(Protocol):
    """Moves a venue's market for the conformance suite (see the module docstring)."""

    def price(self, instrument_id: str) -> Decimal:
        """Where the instrument trades now, on its tick grid."""
        ...

    def trade_at(self, instrument_id: str, price: Decimal) -> None:
        """Trade at ``price`` and let the venue execute what that makes executable."""
        ...


class SimulatedVenueDriver:
    """``MarketDriver`` of a ``SimulatedVenue``: each ``trade_at`` advances the test clock
    by ``step`` and sends the venue a quote with bid = ask = price."""

    def __init__(
        self,
        venue: SimulatedVenue,
        clock: TestClock,
        prices: dict[str, Decimal],
        step: timedelta = timedelta(seconds=1),
    ) -> None:
        self._venue = venue
        self._clock = clock
        self._prices = dict(prices)
        self._step = step

    def price(self, instrument_id: str) -> Decimal:
        return self._prices[instrument_id]

    def trade_at(self, instrument_id: str, price: Decimal) -> None:
        now = self._clock.advance(self._step)
        self._prices[instrument_id] = price
        self._venue.on_quote(instrument_id, price, price, now)


def _raises(error: type[Exception], call: Callable[[], object]) -> Exception:
    try:
        call()
    except error as exc:
        return exc
    raise AssertionError(f"expected {error.__name__}, nothing was raised")


def new_client_id() -> str:
    """A fresh client order id (21 characters of [0-9a-z])."""
    return "c" + uuid.uuid4().hex[:20]


class ExecutionClientContract:
    """Behaviour every ``ExecutionClient`` must have. Subclass as ``Test...`` and provide
    the ``client``, ``instrument`` and ``market`` fixtures (see the module docstring)."""

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    def _prices(instrument: Instrument, market: MarketDriver) -> tuple[Decimal, ...]:
        """(now, below, far below, above, far above) on the tick grid."""
        now = market.price(instrument.id)
        tick = instrument.tick_size

        def at(factor: str, rounding: Rounding) -> Decimal:
            return max(round_price(now * Decimal(factor), tick, rounding), tick)

        return (
            now,
            at("0.9", Rounding.DOWN),
            at("0.8", Rounding.DOWN),
            at("1.1", Rounding.UP),
            at("1.2", Rounding.UP),
        )

    def _quantity(self, instrument: Instrument, market: MarketDriver) -> Decimal:
        lowest = self._prices(instrument, market)[2]
        lot = instrument.lot_size
        lots = (instrument.min_notional * 2 / (lowest * lot)).to_integral_value(ROUND_CEILING)
        return lot * max(lots, Decimal(1))

    def _order(
        self,
        instrument: Instrument,
        market: MarketDriver,
        side: Side,
        order_type: OrderType = OrderType.MARKET,
        price: Decimal | None = None,
    ) -> OrderRequest:
        return OrderRequest(
            client_order_id=new_client_id(),
            instrument_id=instrument.id,
            side=side,
            order_type=order_type,
            quantity=self._quantity(instrument, market),
            price=price,
        )

    @staticmethod
    def _fills_of(client: ExecutionClient, instrument: Instrument, coid: str) -> list[Fill]:
        return [f for f in client.fills(instrument.id) if f.client_order_id == coid]

    @staticmethod
    def _open_ids(orders: Sequence[VenueOrder]) -> set[str]:
        return {o.client_order_id for o in orders}

    def _assert_filled(
        self, client: ExecutionClient, instrument: Instrument, request: OrderRequest
    ) -> list[Fill]:
        order = client.query_order(request.client_order_id, instrument.id)
        assert order is not None
        assert order.status is OrderStatus.FILLED, order
        assert order.filled_quantity == request.quantity
        fills = self._fills_of(client, instrument, request.client_order_id)
        assert sum((f.quantity for f in fills), _ZERO) == request.quantity
        assert all(f.side is request.side and f.instrument_id == instrument.id for f in fills)
        return fills

    def _rests(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> tuple[OrderRequest, VenueOrder]:
        below = self._prices(instrument, market)[2]
        request = self._order(instrument, market, Side.BUY, OrderType.LIMIT, below)
        placed = client.submit(request)
        assert placed.status is OrderStatus.ACCEPTED, placed
        return request, placed

    # --- the suite ----------------------------------------------------------------------

    def test_client_satisfies_the_port(
        self, client: ExecutionClient, instrument: Instrument
    ) -> None:
        assert isinstance(client, ExecutionClient)
        assert client.venue == instrument.venue
        assert client.capabilities.supports(OrderType.MARKET)
        assert client.capabilities.supports(OrderType.LIMIT)

    def test_market_order_fills_completely_when_the_market_trades(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request = self._order(instrument, market, Side.BUY)
        placed = client.submit(request)
        assert placed.client_order_id == request.client_order_id
        assert placed.status in (
            OrderStatus.ACCEPTED,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
        )
        market.trade_at(instrument.id, market.price(instrument.id))
        fills = self._assert_filled(client, instrument, request)
        assert all(f.quantity > 0 and f.price > 0 for f in fills)
        trade_ids = [f.trade_id for f in client.fills(instrument.id)]
        assert len(trade_ids) == len(set(trade_ids))
        assert request.client_order_id not in self._open_ids(client.open_orders())

    def test_limit_order_rests_until_canceled(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request, placed = self._rests(client, instrument, market)
        market.trade_at(instrument.id, market.price(instrument.id))
        assert request.client_order_id in self._open_ids(client.open_orders(instrument.id))
        assert request.client_order_id in self._open_ids(client.open_orders())
        queried = client.query_order(request.client_order_id, instrument.id)
        assert queried is not None
        assert queried.status is OrderStatus.ACCEPTED
        assert queried.filled_quantity == 0
        canceled = client.cancel(request.client_order_id, instrument.id)
        assert canceled.status is OrderStatus.CANCELED
        assert canceled.venue_order_id == placed.venue_order_id
        assert request.client_order_id not in self._open_ids(client.open_orders(instrument.id))
        again = client.cancel(request.client_order_id, instrument.id)
        assert again.status is OrderStatus.CANCELED
        assert (again.venue_order_id, again.filled_quantity) == (placed.venue_order_id, _ZERO)

    def test_cancel_of_a_filled_order_returns_it_unchanged(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request = self._order(instrument, market, Side.BUY)
        client.submit(request)
        market.trade_at(instrument.id, market.price(instrument.id))
        self._assert_filled(client, instrument, request)
        after = client.cancel(request.client_order_id, instrument.id)
        assert after.status is OrderStatus.FILLED
        assert after.filled_quantity == request.quantity

    def test_cancel_and_modify_of_an_unknown_order_raise_not_found(
        self, client: ExecutionClient, instrument: Instrument
    ) -> None:
        _raises(NotFoundError, lambda: client.cancel(new_client_id(), instrument.id))
        _raises(
            NotFoundError,
            lambda: client.modify(
                new_client_id(), instrument.id, new_client_order_id=new_client_id()
            ),
        )

    def test_query_of_an_unknown_order_is_none(
        self, client: ExecutionClient, instrument: Instrument
    ) -> None:
        assert client.query_order(new_client_id(), instrument.id) is None

    def test_query_by_client_id_returns_the_submitted_order(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request, placed = self._rests(client, instrument, market)
        queried = client.query_order(request.client_order_id, instrument.id)
        assert queried is not None
        assert queried.venue_order_id == placed.venue_order_id
        assert (queried.side, queried.order_type, queried.quantity, queried.price) == (
            request.side,
            request.order_type,
            request.quantity,
            request.price,
        )

    def test_duplicate_client_id_while_open_makes_no_second_order(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request, placed = self._rests(client, instrument, market)
        answer = client.submit(request)
        assert (answer.venue_order_id, answer.status) == (
            placed.venue_order_id,
            OrderStatus.ACCEPTED,
        )
        mine = [
            o
            for o in client.open_orders(instrument.id)
            if o.client_order_id == request.client_order_id
        ]
        assert [o.venue_order_id for o in mine] == [placed.venue_order_id]
        queried = client.query_order(request.client_order_id, instrument.id)
        assert queried is not None
        assert (queried.venue_order_id, queried.status) == (
            placed.venue_order_id,
            OrderStatus.ACCEPTED,
        )

    def test_client_id_may_be_reused_once_the_order_is_terminal(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request, placed = self._rests(client, instrument, market)
        client.cancel(request.client_order_id, instrument.id)
        again = client.submit(request)
        assert again.status is OrderStatus.ACCEPTED
        assert again.venue_order_id != placed.venue_order_id
        queried = client.query_order(request.client_order_id, instrument.id)
        assert queried is not None
        assert queried.venue_order_id == again.venue_order_id

    def test_modify_replaces_the_order_under_a_new_client_id(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        request, placed = self._rests(client, instrument, market)
        lower = self._prices(instrument, market)[2] - instrument.tick_size
        new_id = new_client_id()
        replacement = client.modify(
            request.client_order_id, instrument.id, new_client_order_id=new_id, price=lower
        )
        assert replacement.client_order_id == new_id
        assert replacement.status is OrderStatus.ACCEPTED
        assert replacement.price == lower
        assert replacement.quantity == request.quantity
        old = client.query_order(request.client_order_id, instrument.id)
        assert old is not None
        assert old.status is OrderStatus.CANCELED
        assert old.venue_order_id == placed.venue_order_id
        open_ids = self._open_ids(client.open_orders(instrument.id))
        assert new_id in open_ids
        assert request.client_order_id not in open_ids

    def test_limit_orders_fill_when_the_market_trades_through_them(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        _, below, _, above, _ = self._prices(instrument, market)
        buy = self._order(instrument, market, Side.BUY, OrderType.LIMIT, below)
        sell = self._order(instrument, market, Side.SELL, OrderType.LIMIT, above)
        assert client.submit(buy).status is OrderStatus.ACCEPTED
        assert client.submit(sell).status is OrderStatus.ACCEPTED
        market.trade_at(instrument.id, below)
        assert all(f.price <= below for f in self._assert_filled(client, instrument, buy))
        resting = client.query_order(sell.client_order_id, instrument.id)
        assert resting is not None
        assert resting.status is OrderStatus.ACCEPTED
        market.trade_at(instrument.id, above)
        assert all(f.price >= above for f in self._assert_filled(client, instrument, sell))

    def test_fills_since_filters_by_time(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        first = self._order(instrument, market, Side.BUY)
        client.submit(first)
        market.trade_at(instrument.id, market.price(instrument.id))
        second = self._order(instrument, market, Side.SELL)
        client.submit(second)
        market.trade_at(instrument.id, market.price(instrument.id))
        earlier = self._assert_filled(client, instrument, first)
        later = self._assert_filled(client, instrument, second)
        since = min(f.time for f in later)
        assert max(f.time for f in earlier) < since
        recent = client.fills(instrument.id, since=since)
        assert all(f.time >= since for f in recent)
        recent_ids = {f.trade_id for f in recent}
        assert {f.trade_id for f in later} <= recent_ids
        assert not {f.trade_id for f in earlier} & recent_ids
        times = [f.time for f in client.fills(instrument.id)]
        assert times == sorted(times)

    def test_positions_and_balances_reflect_fills(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        before_balances = {b.currency: b.total for b in client.balances()}
        before_position = {p.instrument_id: p.quantity for p in client.positions()}
        request = self._order(instrument, market, Side.BUY)
        client.submit(request)
        market.trade_at(instrument.id, market.price(instrument.id))
        fills = self._assert_filled(client, instrument, request)
        after_balances = {b.currency: b.total for b in client.balances()}
        for balance in client.balances():
            assert balance.free <= balance.total

        def moved(currency: str) -> Decimal:
            return after_balances.get(currency, _ZERO) - before_balances.get(currency, _ZERO)

        def fees(currency: str) -> Decimal:
            return sum((f.fee for f in fills if f.fee_currency == currency), _ZERO)

        quote = instrument.quote_currency
        notional = sum((f.quantity * f.price for f in fills), _ZERO) * instrument.multiplier
        base = instrument.base_currency
        if instrument.asset_class is AssetClass.CRYPTO_SPOT and base:
            assert moved(base) == request.quantity - fees(base)
            assert moved(quote) == -notional - fees(quote)
        else:
            assert moved(quote) == -fees(quote)
        if client.capabilities.reports_positions:
            after_position = {p.instrument_id: p.quantity for p in client.positions()}
            change = after_position.get(instrument.id, _ZERO) - before_position.get(
                instrument.id, _ZERO
            )
            assert change == request.quantity

    def test_off_tick_price_is_rejected(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        below = self._prices(instrument, market)[2] + instrument.tick_size / 2
        request = self._order(instrument, market, Side.BUY, OrderType.LIMIT, below)
        answer = client.submit(request)
        assert answer.status is OrderStatus.REJECTED
        assert answer.reason
        assert request.client_order_id not in self._open_ids(client.open_orders())

    def test_off_lot_quantity_is_rejected(
        self, client: ExecutionClient, instrument: Instrument, market: MarketDriver
    ) -> None:
        below = self._prices(instrument, market)[2]
        request = OrderRequest(
            client_order_id=new_client_id(),
            instrument_id=instrument.id,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=self._quantity(instrument, market) + instrument.lot_size / 2,
            price=below,
        )
        answer = client.submit(request)
        assert answer.status is OrderStatus.REJECTED
        assert answer.reason
        assert request.client_order_id not in self._open_ids(client.open_orders())
        market.trade_at(instrument.id, below)
        assert self._fills_of(client, instrument, request.client_order_id) == []


__all__ = [
    "ExecutionClientContract",
    "MarketDriver",
    "SimulatedVenueDriver",
    "new_client_id",
]
