"""Checks of an order against the venue's market before anything is sent.

The market comes from ccxt's ``exchange.markets`` (Binance ``exchangeInfo`` filters):
price and stop price on the tick grid and within the price limits, quantity on the lot
grid and within the amount limits, price × quantity at least the minimum notional (not
checkable for market orders, whose price is unknown), order type, time in force and
client id length within the client's ``Capabilities``. Values are never rounded: ccxt
would round a price to precision silently, and an order the strategy did not ask for is
worse than a rejection. Last, the float ccxt receives must come back as the same decimal
string, so what is sent is exactly what was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt

from tradegraph.adapters.brokers.ccxt.mapping import dec
from tradegraph.execution.ports import Capabilities, OrderRequest
from tradegraph.model.enums import OrderType


def _increment(value: object, mode: object) -> Decimal | None:
    number = dec(value)
    if number is None or number <= 0:
        return None
    if mode == ccxt.TICK_SIZE:
        return number
    if mode == ccxt.DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(number))
    return None  # significant digits: no fixed grid


def _limit(market: Mapping[str, Any], kind: str, bound: str) -> Decimal | None:
    limits = (market.get("limits") or {}).get(kind) or {}
    value = dec(limits.get(bound))
    return value if value is not None and value > 0 else None


@dataclass(frozen=True, slots=True)
class _Bounds:
    name: str
    value: Decimal
    increment: Decimal | None
    low: Decimal | None
    high: Decimal | None
    grid: str

    def reason(self) -> str:
        if self.increment is not None and self.value % self.increment:
            return (
                f"{self.name} {self.value} is not a multiple of the {self.grid} "
                f"{self.increment.normalize()}"
            )
        if self.low is not None and self.value < self.low:
            return f"{self.name} {self.value} is below the minimum {self.low}"
        if self.high is not None and self.value > self.high:
            return f"{self.name} {self.value} is above the maximum {self.high}"
        return ""


def _capability_reason(request: OrderRequest, symbol: str, caps: Capabilities) -> str:
    if not caps.supports(request.order_type):
        return f"{request.order_type.value} orders are not supported on {symbol} by this client"
    resting = request.order_type not in (OrderType.MARKET, OrderType.STOP)
    if resting and request.time_in_force not in caps.time_in_force:
        return f"time in force {request.time_in_force.value} is not supported on {symbol}"
    if len(request.client_order_id) > caps.client_order_id_max_length:
        return (
            f"client order id {request.client_order_id!r} is longer than "
            f"{caps.client_order_id_max_length} characters"
        )
    if request.order_type.needs_price and request.price is None:
        return f"{request.order_type.value} order needs a price"
    if request.order_type.needs_stop_price and request.stop_price is None:
        return f"{request.order_type.value} order needs a stop price"
    return ""


def _exactly_sent(request: OrderRequest, symbol: str, exchange: Any) -> str:
    try:
        sent = exchange.amount_to_precision(symbol, float(request.quantity))
        if Decimal(sent) != request.quantity:
            return f"quantity {request.quantity} would be sent as {sent}"
        for name, value in (("price", request.price), ("stop price", request.stop_price)):
            if value is not None:
                text = exchange.price_to_precision(symbol, float(value))
                if Decimal(text) != value:
                    return f"{name} {value} would be sent as {text}"
    except ccxt.BaseError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def check_request(
    request: OrderRequest, market: Mapping[str, Any], exchange: Any, caps: Capabilities
) -> str:
    """Why the venue would refuse ``request`` on ``market`` ("" when it passes)."""
    symbol = str(market.get("symbol"))
    if market.get("active") is False:
        return f"{symbol} is not trading"
    reason = _capability_reason(request, symbol, caps)
    if reason:
        return reason
    precision = market.get("precision") or {}
    mode = exchange.precisionMode
    tick = _increment(precision.get("price"), mode)
    step = _increment(precision.get("amount"), mode)
    low_price, high_price = _limit(market, "price", "min"), _limit(market, "price", "max")
    checks = [
        _Bounds("quantity", request.quantity, step, _limit(market, "amount", "min"),
                _limit(market, "amount", "max"), "lot size"),
    ]  # fmt: skip
    if request.order_type.needs_price and request.price is not None:
        checks.append(_Bounds("price", request.price, tick, low_price, high_price, "tick size"))
    if request.order_type.needs_stop_price and request.stop_price is not None:
        checks.append(
            _Bounds("stop price", request.stop_price, tick, low_price, high_price, "tick size")
        )
    for check in checks:
        reason = check.reason()
        if reason:
            return reason
    reference = request.price if request.order_type.needs_price else request.stop_price
    min_cost = _limit(market, "cost", "min")
    if reference is not None and min_cost is not None and reference * request.quantity < min_cost:
        return (
            f"notional {reference * request.quantity} ({request.quantity} x {reference}) is "
            f"below the minimum {min_cost} of {symbol}"
        )
    return _exactly_sent(request, symbol, exchange)


__all__ = ["check_request"]
