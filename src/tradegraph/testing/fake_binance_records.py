"""Records of the fake Binance matching engine: markets, order requests, orders, trades.

Plain values and small mutable records shared by ``fake_binance_matching`` (which
changes them under its lock) and ``fake_binance_shapes`` (which renders them as
Binance JSON). ``VenueError`` is a Binance error answer (code, message, HTTP status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

_ZERO = Decimal(0)
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})


class Book(StrEnum):
    SPOT = "spot"
    PERP = "perp"


class VenueError(Exception):
    """A Binance error answer: ``{"code": code, "msg": msg}`` with HTTP ``status``."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status


@dataclass(frozen=True, slots=True)
class MarketRules:
    """A tradable market and its ``exchangeInfo`` filters.

    ``symbol`` is ccxt's unified symbol: ``BTC/USDT`` (spot) or ``BTC/USDT:USDT`` (perp).
    """

    symbol: str
    tick_size: Decimal = Decimal("0.01")
    step_size: Decimal = Decimal("0.00001")
    min_qty: Decimal = Decimal("0.00001")
    max_qty: Decimal = Decimal("9000")
    min_price: Decimal = Decimal("0.01")
    max_price: Decimal = Decimal("1000000")
    min_notional: Decimal = Decimal("5")

    @property
    def book(self) -> Book:
        return Book.PERP if ":" in self.symbol else Book.SPOT

    @property
    def base(self) -> str:
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("/")[1].split(":")[0]

    @property
    def market_id(self) -> str:
        return self.base + self.quote


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A parsed order request (the HTTP layer checks presence and number syntax)."""

    market_id: str
    client_order_id: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal = _ZERO
    stop_price: Decimal = _ZERO
    time_in_force: str = "GTC"
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: int
    order_id: int
    book: Book
    market_id: str
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    maker: bool
    realized_pnl: Decimal = _ZERO

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.qty


@dataclass(slots=True)
class Order:
    """A venue order (mutable inside the engine; handlers read it under the lock)."""

    order_id: int
    book: Book
    request: NewOrder
    time_ms: int
    update_ms: int
    status: str = "NEW"
    executed: Decimal = _ZERO
    cum_quote: Decimal = _ZERO
    triggered: bool = False
    locked: Decimal = _ZERO
    trades: list[Trade] = field(default_factory=list)
    order_list_id: int = -1
    """The OCO order list this order is a leg of (-1: none)."""

    @property
    def remaining(self) -> Decimal:
        return self.request.quantity - self.executed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_stop(self) -> bool:
        return self.request.type in ("STOP_LOSS", "STOP_LOSS_LIMIT")

    @property
    def is_limit(self) -> bool:
        """Rests at a price (``LIMIT_MAKER`` is an OCO's limit leg)."""
        return self.request.type in ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT")

    @property
    def average_price(self) -> Decimal:
        return self.cum_quote / self.executed if self.executed else _ZERO


@dataclass(slots=True)
class Position:
    amount: Decimal = _ZERO
    entry_price: Decimal = _ZERO
    update_ms: int = 0


@dataclass(slots=True)
class SpotAsset:
    free: Decimal = _ZERO
    locked: Decimal = _ZERO


__all__ = [
    "OPEN_STATUSES",
    "Book",
    "MarketRules",
    "NewOrder",
    "Order",
    "Position",
    "SpotAsset",
    "Trade",
    "VenueError",
]
