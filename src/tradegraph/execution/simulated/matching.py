"""Fill rules of the simulated venue, on ``Decimal``: the backtest kernel's rules.

These mirror ``tradegraph.backtest.kernel_ops`` (``market_price`` and
``resting_fill_price``) exactly; ``tests/unit/execution/simulated/test_sim_parity.py``
runs both on the same bars and orders. For one order and one bar (``PriceRange``):

- market (and a stop already triggered on an earlier bar): the open, plus adverse
  slippage (``slippage_bps`` of the price), rounded to the tick away from the trader;
- limit (and a stop-limit triggered earlier): a buy fills at the open if the open is
  at or below the limit (gap), else at the limit if the low reaches it; sells mirror;
  no slippage, no rounding;
- stop: triggers when the high (buy) / low (sell) reaches the stop and fills like a
  market order at ``max(open, stop)`` (buy) / ``min(open, stop)`` (sell);
- stop-limit: on the bar that touches the stop it becomes a limit. If the open is
  already through the stop it fills at the open when the limit allows, else waits;
  if the stop is touched inside the bar it fills at the stop when the limit is at or
  beyond the stop, else it waits for later bars (conservative: the pull-back to the
  limit may have come before the trigger).

A quote is the one-price range of the side an order trades against (the ask for buys,
the bid for sells). Nothing here knows about quantities, balances or time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradegraph.core.precision import Rounding, round_price, round_quantity, to_decimal
from tradegraph.model.bar import Bar
from tradegraph.model.enums import Liquidity, OrderType, Side

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PriceRange:
    """The prices the market went through in one step (a bar, or one quote side)."""

    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal

    @classmethod
    def from_bar(cls, bar: Bar) -> PriceRange:
        """A bar's prices, converted exactly as written (``repr`` of each float)."""
        return cls(
            to_decimal(bar.open, "bar open"),
            to_decimal(bar.high, "bar high"),
            to_decimal(bar.low, "bar low"),
            to_decimal(bar.close, "bar close"),
        )

    @classmethod
    def at(cls, price: Decimal) -> PriceRange:
        """A market that trades at one price only (a quote)."""
        return cls(price, price, price, price)


@dataclass(frozen=True, slots=True)
class Match:
    """Where an order executes in a range: ``price`` before slippage, and whether it
    executes as a market order (slippage applies) and as maker or taker."""

    price: Decimal
    as_market: bool
    liquidity: Liquidity


@dataclass(frozen=True, slots=True)
class RestingResult:
    """A resting order against one range: the match (None: no fill) and whether a
    stop-limit was triggered by this range."""

    match: Match | None
    triggered: bool = False


_NO_FILL = RestingResult(None)


def market_price(price: Decimal, side: Side, slippage: Decimal, tick: Decimal) -> Decimal:
    """Fill price of a market or stop order at ``price``: adverse slippage (a fraction of
    the price), then rounded onto the tick grid away from the trader."""
    slipped = price + side.sign * price * slippage
    return round_price(slipped, tick, Rounding.UP if side is Side.BUY else Rounding.DOWN)


def market_match(prices: PriceRange) -> Match:
    """A market order (or a stop triggered earlier) executes at the open."""
    return Match(prices.open, True, Liquidity.TAKER)


def close_match(prices: PriceRange) -> Match:
    """A market order in CLOSE fill mode executes at the close."""
    return Match(prices.close, True, Liquidity.TAKER)


def resting_match(
    prices: PriceRange,
    *,
    side: Side,
    order_type: OrderType,
    limit: Decimal | None,
    stop: Decimal | None,
    triggered: bool,
) -> RestingResult:
    """Where a limit / stop / stop-limit order executes in ``prices`` (the kernel's
    ``resting_fill_price``); ``triggered`` says whether a stop-limit was triggered on an
    earlier range."""
    sign = side.sign
    if order_type is OrderType.STOP or (order_type is OrderType.STOP_LIMIT and not triggered):
        assert stop is not None  # checked when the order was accepted
        touched = prices.high >= stop if side is Side.BUY else prices.low <= stop
        if not touched:
            return _NO_FILL
        if order_type is OrderType.STOP:
            at = max(prices.open, stop) if side is Side.BUY else min(prices.open, stop)
            return RestingResult(Match(at, True, Liquidity.TAKER))
        assert limit is not None
        if (prices.open - stop) * sign >= 0:  # the open is already through the stop
            if (limit - prices.open) * sign >= 0:
                return RestingResult(Match(prices.open, False, Liquidity.TAKER), True)
            return RestingResult(None, True)
        if (limit - stop) * sign >= 0:
            return RestingResult(Match(stop, False, Liquidity.TAKER), True)
        return RestingResult(None, True)
    # a plain limit, or a stop-limit triggered on an earlier range
    assert limit is not None
    if (limit - prices.open) * sign >= 0:
        return RestingResult(Match(prices.open, False, Liquidity.TAKER))
    extreme = prices.low if side is Side.BUY else prices.high
    if (limit - extreme) * sign >= 0:
        return RestingResult(Match(limit, False, Liquidity.MAKER))
    return _NO_FILL


def fill_price(match: Match, side: Side, slippage: Decimal, tick: Decimal) -> Decimal:
    """The execution price of a match: slipped and rounded for market-like matches,
    the matched price itself for limits."""
    return market_price(match.price, side, slippage, tick) if match.as_market else match.price


def fee(
    quantity: Decimal, price: Decimal, multiplier: Decimal, rate: Decimal, fixed: Decimal
) -> Decimal:
    """Commission of one fill: ``rate`` of the notional plus the fixed amount."""
    return rate * quantity * price * multiplier + fixed


def volume_cap(volume: float, participation: Decimal, lot: Decimal) -> Decimal | None:
    """The most one order may fill in a bar of ``volume`` (whole lots), or None when
    ``participation`` is 1 (no limit)."""
    if participation >= 1:
        return None
    available = to_decimal(volume, "bar volume") * participation
    return round_quantity(max(available, _ZERO), lot, Rounding.DOWN)


__all__ = [
    "Match",
    "PriceRange",
    "RestingResult",
    "close_match",
    "fee",
    "fill_price",
    "market_match",
    "market_price",
    "resting_match",
    "volume_cap",
]
