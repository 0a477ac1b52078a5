"""OrderMatcher: runs an instrument's working orders against one market step (a bar, or
a quote) and commits what happens as venue events.

Order of a step (the backtest kernel's): the eligible working orders (eligible time at
or before the step's time) in submission order; first market orders and stops triggered
on an earlier step at the open, then limits, stops and stop-limits against the range
(``matching``). Each fill takes at most the volume cap and what the account allows
(``account.fill_limit``); when the account is what limits it the rest is canceled. IOC
orders still working after their first step expire; FOK orders fill in full or expire.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from tradegraph.core.clock import Clock
from tradegraph.execution.simulated.account import fill_limit, position_limit
from tradegraph.execution.simulated.config import SimulatedVenueConfig
from tradegraph.execution.simulated.events import (
    OrderClosed,
    OrderFilled,
    OrderTriggered,
    VenueEvent,
)
from tradegraph.execution.simulated.matching import (
    Match,
    PriceRange,
    fee,
    fill_price,
    market_match,
    resting_match,
)
from tradegraph.execution.simulated.state import SimOrder, VenueState
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus

_IMMEDIATE = (TimeInForce.IOC, TimeInForce.FOK)


class OrderMatcher:
    """Matching for one venue; ``commit`` journals and applies an event."""

    def __init__(
        self,
        venue: str,
        state: VenueState,
        config: SimulatedVenueConfig,
        commit: Callable[[VenueEvent], None],
        clock: Clock,
    ) -> None:
        self._venue = venue
        self._state = state
        self._config = config
        self._commit = commit
        self._clock = clock

    def step(
        self,
        instrument_id: str,
        prices_for: Callable[[Side], PriceRange],
        at: datetime,
        cap: Decimal | None,
    ) -> list[Fill]:
        executed = self._state.fills.get(instrument_id, [])
        before = len(executed)
        eligible = [o for o in self._state.working_orders(instrument_id) if o.eligible_at <= at]
        resting: list[SimOrder] = []
        for order in eligible:  # 1. the open: market orders and stops triggered earlier
            kind = order.request.order_type
            if kind is OrderType.MARKET or (kind is OrderType.STOP and order.triggered):
                self.execute(order, market_match(prices_for(order.request.side)), cap)
            else:
                resting.append(order)
        for order in resting:  # 2. the range: limits, stops, stop-limits
            current = self._state.orders[order.venue_order_id]
            if not current.is_working:
                continue
            r = current.request
            result = resting_match(
                prices_for(r.side),
                side=r.side,
                order_type=r.order_type,
                limit=r.price,
                stop=r.stop_price,
                triggered=current.triggered,
            )
            if result.triggered or (result.match and r.order_type is OrderType.STOP):
                self._commit(OrderTriggered(self._clock.now(), current.venue_order_id))
                current = self._state.orders[current.venue_order_id]
            if result.match is not None:
                self.execute(current, result.match, cap)
        for order in eligible:
            self.expire_immediate(order.venue_order_id)
        return list(self._state.fills.get(instrument_id, [])[before:])

    def execute(self, order: SimOrder, match: Match, cap: Decimal | None) -> None:
        """Fill as much of ``order`` as the volume cap and the account allow at
        ``match``; cancel the rest when the account is what limits it."""
        now = self._clock.now()
        instrument = self._state.instruments[order.request.instrument_id]
        side = order.request.side
        price = fill_price(match, side, self._config.slippage, instrument.tick_size)
        maker = match.liquidity is Liquidity.MAKER
        rate = self._config.maker_rate if maker else self._config.commission_pct
        wanted = order.remaining if cap is None else min(order.remaining, cap)
        allowed = fill_limit(
            self._state, order, instrument, price=price, rate=rate, config=self._config
        )
        quantity = wanted if allowed is None else min(wanted, allowed)
        voi = order.venue_order_id
        if order.request.time_in_force is TimeInForce.FOK and quantity < order.remaining:
            reason = f"fill-or-kill: only {quantity} of {order.remaining} could fill"
            self._commit(OrderClosed(now, voi, OrderStatus.EXPIRED, reason))
            return
        if quantity > 0:
            trade_id = f"{self._venue}-t{self._state.trade_count + 1}"
            paid = fee(quantity, price, instrument.multiplier, rate, self._config.commission_fixed)
            liquidity = Liquidity.MAKER if maker else Liquidity.TAKER
            self._commit(OrderFilled(now, voi, trade_id, quantity, price, paid, liquidity))
        if allowed is not None and allowed < wanted and self._state.orders[voi].is_working:
            self._commit(OrderClosed(now, voi, OrderStatus.CANCELED, self._limit_reason(order)))

    def _limit_reason(self, order: SimOrder) -> str:
        r = order.request
        instrument = self._state.instruments[r.instrument_id]
        limit = position_limit(
            self._state, instrument, r.side, r.reduce_only, self._config.allow_short
        )
        if limit is not None and limit < order.remaining:
            return "position limit reached (reduce-only, or shorts not allowed)"
        return "insufficient balance"

    def expire_immediate(self, venue_order_id: str) -> None:
        order = self._state.orders[venue_order_id]
        if order.is_working and order.request.time_in_force in _IMMEDIATE:
            tif = order.request.time_in_force.value
            self._commit(
                OrderClosed(
                    self._clock.now(),
                    venue_order_id,
                    OrderStatus.EXPIRED,
                    f"{tif}: not filled in its first market step",
                )
            )


__all__ = ["OrderMatcher"]
