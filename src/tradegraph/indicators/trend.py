"""Trend strength and direction: ADX/+DI/−DI (TA-Lib) and SuperTrend (own kernel)."""

from __future__ import annotations

import math

import numpy as np

from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import (
    FloatArray,
    SeriesLike,
    as_hlc,
    check_float,
    check_int,
)
from tradegraph.indicators.jit import kernel
from tradegraph.indicators.results import AdxResult, SuperTrendResult


def adx(high: SeriesLike, low: SeriesLike, close: SeriesLike, period: int = 14) -> AdxResult:
    """Wilder's ADX with +DI and −DI.

    +DI/−DI start at index ``period``; ADX (a Wilder average of DX) at ``2 * period - 1``.
    """
    h, lo, c = as_hlc(high, low, close)
    p = check_int("period", period, minimum=2)
    return AdxResult(
        adx=talib_bridge.call("ADX", h, lo, c, timeperiod=p),
        plus_di=talib_bridge.call("PLUS_DI", h, lo, c, timeperiod=p),
        minus_di=talib_bridge.call("MINUS_DI", h, lo, c, timeperiod=p),
    )


@kernel
def _first_valid(values: FloatArray) -> int:
    n: int = values.shape[0]
    for i in range(n):
        if not math.isnan(values[i]):
            return i
    return n


@kernel
def _supertrend_kernel(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    period: int,
    multiplier: float,
) -> tuple[FloatArray, FloatArray]:
    """SuperTrend with TA-Lib's ATR computed in the same pass.

    The ATR replicates TA-Lib (and its Python wrapper) operation for operation: leading
    NaNs skipped, true range from the next bar, seed = sum of the first ``period`` true
    ranges / period, then ``(atr * (period - 1) + tr) / period``; a later NaN poisons it.
    The band and flip rules use bitwise conditions and selects, not short-circuit
    branches: they are data-dependent and mispredicted branches would dominate.
    """
    n = close.shape[0]
    line = np.empty(n)
    direction = np.empty(n)
    begin = max(_first_valid(high), _first_valid(low), _first_valid(close))
    seed_at = begin + period
    line[: min(seed_at, n)] = np.nan
    direction[: min(seed_at, n)] = np.nan
    if seed_at >= n:
        return line, direction
    atr = 0.0
    upper = 0.0
    lower = 0.0
    trend = -1.0
    for i in range(begin + 1, n):
        h = high[i]
        lo = low[i]
        prev_close = close[i - 1]
        tr = max(h - lo, abs(prev_close - h), abs(prev_close - lo))
        if i < seed_at:
            atr += tr
            continue
        atr = (atr + tr) / period if i == seed_at else (atr * (period - 1) + tr) / period
        c = close[i]
        mid = 0.5 * (h + lo)
        raw_upper = mid + multiplier * atr
        raw_lower = mid - multiplier * atr
        if i == seed_at:
            # First bar with an ATR: raw bands, trend starts down (as TradingView does).
            upper = raw_upper
            lower = raw_lower
            trend = -1.0
        else:
            keep_lower = (raw_lower <= lower) & (prev_close >= lower)
            keep_upper = (raw_upper >= upper) & (prev_close <= upper)
            lower = lower if keep_lower else raw_lower
            upper = upper if keep_upper else raw_upper
            flip_up = (trend < 0.0) & (c > upper)
            flip_down = (trend > 0.0) & (c < lower)
            trend = 1.0 if flip_up else (-1.0 if flip_down else trend)
        if math.isnan(raw_upper + c):
            direction[i] = np.nan
            line[i] = np.nan
            continue
        direction[i] = trend
        line[i] = lower if trend > 0.0 else upper
    return line, direction


def supertrend(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    period: int = 10,
    multiplier: float = 3.0,
) -> SuperTrendResult:
    """SuperTrend (Olivier Seban), with TradingView's ``ta.supertrend`` band rules.

    Bands are ``hl2 ± multiplier * ATR(period)`` (Wilder ATR as :func:`atr`). The lower band
    only ratchets up, and the upper band only down, unless the previous close crossed it.
    The trend flips up when the close ends above the upper band and down when it ends
    below the lower band; the line is the lower band in an up-trend, the upper band in a
    down-trend. ``direction`` is +1.0 (up) / −1.0 (down); on the first bar with an ATR the
    trend starts down. Output is NaN before that bar (the first ``period`` bars).
    """
    h, lo, c = as_hlc(high, low, close)
    p = check_int("period", period)
    m = check_float("multiplier", multiplier, minimum=0.0, inclusive_min=False)
    line, direction = _supertrend_kernel(h, lo, c, p, m)
    return SuperTrendResult(line=line, direction=direction)


__all__ = ["adx", "supertrend"]
