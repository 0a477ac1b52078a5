"""Scalar numba kernels for stops, sizing and the drawdown guard.

Each is ``@njit`` (scalar in, scalar out), so the backtest kernel calls them from compiled
code and live sessions call them through the thin Python wrappers in ``stops`` — one
implementation, identical behaviour. Conventions: ``sign`` is +1 for a long and -1 for a
short; NaN means "none" (no stop yet, no ATR yet, breakeven off); stops only ever tighten.
"""

# Numba kernels take flat positional arguments (no keyword-only or object parameters).
# ruff: noqa: PLR0917

from __future__ import annotations

import math

from tradegraph.risk.jit import kernel

TRAIL_NONE = 0
TRAIL_ATR = 1
TRAIL_PERCENT = 2
TRAIL_CHANDELIER = 3

MODE_ACTIVE = 0
MODE_REDUCING = 1
MODE_HALTED = 2


@kernel
def tighten(current: float, candidate: float, sign: int) -> float:
    """The tighter of two stops (higher for a long, lower for a short); NaN is ignored."""
    if math.isnan(candidate):
        return current
    if math.isnan(current):
        return candidate
    if sign > 0:
        return max(current, candidate)
    return min(current, candidate)


@kernel
def atr_stop(entry: float, atr: float, multiple: float, sign: int) -> float:
    """Initial stop ``multiple`` ATRs beyond the entry (below for a long)."""
    return entry - sign * multiple * atr


@kernel
def initial_stop(entry: float, atr: float, multiple: float, other: float, sign: int) -> float:
    """A stop policy's initial stop: ``multiple`` ATRs beyond the entry, tightened with
    ``other`` (an explicit stop; NaN: none). Without a positive ATR only ``other`` counts."""
    if not atr > 0.0:
        return other
    return tighten(other, atr_stop(entry, atr, multiple, sign), sign)


@kernel
def percent_stop(entry: float, fraction: float, sign: int) -> float:
    """Initial stop ``fraction`` of the entry price away (below for a long)."""
    return entry * (1.0 - sign * fraction)


@kernel
def r_multiple(entry: float, initial_stop: float, price: float, sign: int) -> float:
    """Open profit at ``price`` in units of the initial risk (NaN without a stop)."""
    risk = abs(entry - initial_stop)
    if not risk > 0.0:
        return math.nan
    return sign * (price - entry) / risk


@kernel
def breakeven_stop(
    current: float,
    entry: float,
    initial_stop: float,
    best_price: float,
    trigger_r: float,
    offset_r: float,
    sign: int,
) -> float:
    """Once the best price reached ``trigger_r`` R, move the stop to entry + ``offset_r`` R."""
    risk = abs(entry - initial_stop)
    if not risk > 0.0 or math.isnan(trigger_r):
        return current
    if sign * (best_price - entry) >= trigger_r * risk:
        return tighten(current, entry + sign * offset_r * risk, sign)
    return current


@kernel
def atr_trailing_stop(
    current: float, best_price: float, atr: float, multiple: float, sign: int
) -> float:
    """Trail ``multiple`` ATRs behind the best price since entry."""
    return tighten(current, best_price - sign * multiple * atr, sign)


@kernel
def percent_trailing_stop(current: float, best_price: float, fraction: float, sign: int) -> float:
    """Trail ``fraction`` of the best price since entry behind it."""
    return tighten(current, best_price * (1.0 - sign * fraction), sign)


@kernel
def chandelier_stop(
    current: float, highest_high: float, lowest_low: float, atr: float, multiple: float, sign: int
) -> float:
    """Chandelier exit: ``multiple`` ATRs below the lookback's highest high (long) or above
    its lowest low (short)."""
    extreme = highest_high if sign > 0 else lowest_low
    return tighten(current, extreme - sign * multiple * atr, sign)


@kernel
def next_stop(
    sign: int,
    entry: float,
    initial_stop: float,
    current: float,
    best_price: float,
    highest_high: float,
    lowest_low: float,
    atr: float,
    breakeven_r: float,
    breakeven_offset_r: float,
    trail_kind: int,
    trail_multiple: float,
    trail_fraction: float,
) -> float:
    """The stop for the next bar: breakeven (if ``breakeven_r`` is not NaN) then trailing."""
    stop = breakeven_stop(
        current, entry, initial_stop, best_price, breakeven_r, breakeven_offset_r, sign
    )
    if trail_kind == TRAIL_ATR:
        stop = atr_trailing_stop(stop, best_price, atr, trail_multiple, sign)
    elif trail_kind == TRAIL_PERCENT:
        stop = percent_trailing_stop(stop, best_price, trail_fraction, sign)
    elif trail_kind == TRAIL_CHANDELIER:
        stop = chandelier_stop(stop, highest_high, lowest_low, atr, trail_multiple, sign)
    return stop


@kernel
def stop_hit(stop: float, low: float, high: float, sign: int) -> bool:
    """Whether a bar with this ``low``/``high`` touches the stop."""
    if math.isnan(stop):
        return False
    if sign > 0:
        return low <= stop
    return high >= stop


@kernel
def time_stop_hit(bars_held: int, max_bars: int, r_now: float, min_r: float) -> bool:
    """After ``max_bars`` bars, exit unless the trade is at ``min_r`` R or better
    (``max_bars`` <= 0: off; ``min_r`` = +inf: always exit)."""
    if max_bars <= 0 or bars_held < max_bars:
        return False
    return not r_now >= min_r


@kernel
def risk_quantity(
    equity: float,
    risk_fraction: float,
    entry: float,
    stop: float,
    multiplier: float,
    lot_size: float,
) -> float:
    """Fixed-fractional quantity: ``equity * risk_fraction`` lost at the stop, floored to
    the lot; never more than the budget (0.0 when it cannot be sized)."""
    distance = abs(entry - stop) * multiplier
    if not (distance > 0.0 and equity > 0.0 and risk_fraction > 0.0 and lot_size > 0.0):
        return 0.0
    budget = equity * risk_fraction
    lots = math.floor(budget / distance / lot_size)
    while lots > 0 and lots * lot_size * distance > budget:
        lots -= 1
    return lots * lot_size


@kernel
def guard_mode(
    mode: int,
    equity: float,
    day_start: float,
    month_start: float,
    peak: float,
    daily_limit: float,
    monthly_limit: float,
    max_drawdown: float,
    reduce_at: float,
) -> int:
    """Float twin of ``DrawdownGuard.assess`` for backtests (``max_drawdown`` NaN: off).

    HALTED is absorbing here: leaving it takes an explicit reset.
    """
    if mode == MODE_HALTED or equity <= 0.0:
        return MODE_HALTED
    if day_start > 0.0 and day_start - equity >= daily_limit * day_start:
        return MODE_HALTED
    if month_start > 0.0 and month_start - equity >= monthly_limit * month_start:
        return MODE_HALTED
    dd_on = not math.isnan(max_drawdown)
    if dd_on and peak > 0.0 and peak - equity >= max_drawdown * peak:
        return MODE_HALTED
    if day_start > 0.0 and day_start - equity >= reduce_at * daily_limit * day_start:
        return MODE_REDUCING
    if month_start > 0.0 and month_start - equity >= reduce_at * monthly_limit * month_start:
        return MODE_REDUCING
    if dd_on and peak > 0.0 and peak - equity >= reduce_at * max_drawdown * peak:
        return MODE_REDUCING
    return MODE_ACTIVE


__all__ = [
    "MODE_ACTIVE",
    "MODE_HALTED",
    "MODE_REDUCING",
    "TRAIL_ATR",
    "TRAIL_CHANDELIER",
    "TRAIL_NONE",
    "TRAIL_PERCENT",
    "atr_stop",
    "atr_trailing_stop",
    "breakeven_stop",
    "chandelier_stop",
    "guard_mode",
    "initial_stop",
    "next_stop",
    "percent_stop",
    "percent_trailing_stop",
    "r_multiple",
    "risk_quantity",
    "stop_hit",
    "tighten",
    "time_stop_hit",
]
