"""Small enumerations shared across the domain."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    """Order side."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class Direction(StrEnum):
    """Direction of a position or an intent."""

    LONG = "long"
    SHORT = "short"
    FLAT = "flat"

    @property
    def sign(self) -> int:
        return {Direction.LONG: 1, Direction.SHORT: -1, Direction.FLAT: 0}[self]


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"

    @property
    def needs_price(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT)

    @property
    def needs_stop_price(self) -> bool:
        return self in (OrderType.STOP, OrderType.STOP_LIMIT)


class TimeInForce(StrEnum):
    GTC = "gtc"  # good till canceled
    IOC = "ioc"  # immediate or cancel
    FOK = "fok"  # fill or kill
    DAY = "day"
    GTD = "gtd"  # good till date


class AssetClass(StrEnum):
    CRYPTO_SPOT = "crypto_spot"
    CRYPTO_PERP = "crypto_perp"
    EQUITY = "equity"
    FUTURE = "future"
    FX = "fx"
    OPTION = "option"
    INDEX = "index"


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


__all__ = ["AssetClass", "Direction", "Liquidity", "OrderType", "Side", "TimeInForce"]
