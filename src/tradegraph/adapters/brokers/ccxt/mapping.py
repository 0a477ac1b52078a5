"""ccxt's unified structures → tradegraph values, and order requests → ccxt arguments.

ccxt hands numbers over as floats parsed from the venue's decimal strings; they are
turned back into ``Decimal`` through ``repr`` (the shortest string that round-trips),
which restores the venue's exact value for every price and quantity a venue sends.
Unified order statuses map as: ``open`` → ACCEPTED (PARTIALLY_FILLED once something
filled), ``closed`` → FILLED, ``canceled`` → CANCELED, ``expired`` → EXPIRED,
``rejected`` → REJECTED. A Binance spot stop (``STOP_LOSS``/``STOP_LOSS_LIMIT``) comes
back from ccxt as ``market``/``limit`` with a ``triggerPrice``: that pair is STOP/STOP_LIMIT.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tradegraph.core.errors import ExecutionError
from tradegraph.execution.ports import Balance, VenueOrder, VenuePosition
from tradegraph.model.enums import Liquidity, OrderType, Side
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus

_ZERO = Decimal(0)
_STATUSES: Mapping[str, OrderStatus] = {
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}


def dec(value: object) -> Decimal | None:
    """A ccxt number (float, int or numeric string) as an exact ``Decimal``; None stays."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, float):
            return Decimal(repr(value))
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ExecutionError(
            f"ccxt returned a non-numeric value {value!r}.",
            hint="Report the venue response; the adapter expects decimal numbers.",
        ) from exc


def positive(value: object) -> Decimal | None:
    """Like ``dec`` but 0 (Binance's "no price") becomes None."""
    number = dec(value)
    return number if number is not None and number != 0 else None


def from_ms(ms: object, default: datetime) -> datetime:
    if ms is None:
        return default
    return datetime.fromtimestamp(int(str(ms)) / 1000, tz=UTC)


def to_ms(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def status_of(order: Mapping[str, Any]) -> OrderStatus:
    raw = str(order.get("status") or "open").lower()
    if raw in _STATUSES:
        return _STATUSES[raw]
    filled = dec(order.get("filled")) or _ZERO
    return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED


def order_type_of(order: Mapping[str, Any]) -> OrderType:
    kind = str(order.get("type") or "limit").lower()
    trigger = positive(order.get("triggerPrice") or order.get("stopPrice"))
    if trigger is not None:
        return OrderType.STOP if kind == "market" else OrderType.STOP_LIMIT
    return OrderType.MARKET if kind == "market" else OrderType.LIMIT


def venue_order(
    order: Mapping[str, Any],
    *,
    instrument_id: str,
    client_order_id: str,
    now: datetime,
) -> VenueOrder:
    """A ccxt order structure as a ``VenueOrder`` snapshot."""
    order_type = order_type_of(order)
    filled = dec(order.get("filled")) or _ZERO
    updated = order.get("lastUpdateTimestamp") or order.get("timestamp")
    quantity = dec(order.get("amount"))
    if quantity is None or quantity <= 0:
        raise ExecutionError(
            f"The venue's answer for order {client_order_id!r} has no quantity.",
            hint="Check the venue response (newOrderRespType ACK carries no order state).",
        )
    return VenueOrder(
        client_order_id=client_order_id,
        venue_order_id=str(order.get("id") or ""),
        instrument_id=instrument_id,
        side=Side(str(order.get("side")).lower()),
        order_type=order_type,
        quantity=quantity,
        status=status_of(order),
        updated_at=from_ms(updated, now),
        filled_quantity=filled,
        average_price=positive(order.get("average")) if filled > 0 else None,
        price=positive(order.get("price")) if order_type.needs_price else None,
        stop_price=positive(order.get("triggerPrice") or order.get("stopPrice")),
    )


def fill(
    trade: Mapping[str, Any], *, instrument_id: str, symbol: str, client_order_id: str
) -> Fill:
    """A ccxt trade as a ``Fill``. The trade id is prefixed by the symbol because
    Binance numbers trades per market (spot and perp ``BTCUSDT`` both have trade 1)."""
    fee = trade.get("fee") or {}
    quantity, price = dec(trade.get("amount")), dec(trade.get("price"))
    if quantity is None or price is None:
        raise ExecutionError(
            f"Trade {trade.get('id')!r} of {symbol} has no amount or price.",
            hint="Check the venue's trade list response.",
        )
    return Fill(
        trade_id=f"{symbol}#{trade.get('id')}",
        client_order_id=client_order_id,
        instrument_id=instrument_id,
        side=Side(str(trade.get("side")).lower()),
        quantity=quantity,
        price=price,
        time=from_ms(trade.get("timestamp"), datetime(1970, 1, 1, tzinfo=UTC)),
        fee=dec(fee.get("cost")) or _ZERO,
        fee_currency=str(fee.get("currency") or ""),
        liquidity=Liquidity.MAKER if trade.get("takerOrMaker") == "maker" else Liquidity.TAKER,
    )


def position(raw: Mapping[str, Any], instrument_id: str) -> VenuePosition | None:
    """A ccxt position as a signed ``VenuePosition`` (None when flat)."""
    contracts = dec(raw.get("contracts")) or _ZERO
    size = dec(raw.get("contractSize")) or Decimal(1)
    if contracts == 0:
        return None
    sign = -1 if str(raw.get("side")).lower() == "short" else 1
    return VenuePosition(
        instrument_id=instrument_id,
        quantity=contracts * size * sign,
        average_price=positive(raw.get("entryPrice")),
    )


def balances(raw: Mapping[str, Any]) -> list[Balance]:
    """Non-zero balances of a ccxt balance structure, by currency."""
    totals: Mapping[str, Any] = raw.get("total") or {}
    frees: Mapping[str, Any] = raw.get("free") or {}
    result = []
    for currency in sorted(totals):
        total = dec(totals[currency]) or _ZERO
        free = dec(frees.get(currency)) or _ZERO
        if total != 0 or free != 0:
            result.append(Balance(currency=currency, total=total, free=free))
    return result


__all__ = [
    "balances",
    "dec",
    "fill",
    "from_ms",
    "order_type_of",
    "position",
    "positive",
    "status_of",
    "to_ms",
    "venue_order",
]
