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
from tradegraph.indicators.jit import fma, kernel
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


_BLOCK = 128  # bars per block: the block's scratch rows stay in L1


@kernel
def _supertrend_kernel(  # noqa: PLR0915, PLR0917 - one fused loop
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    period: int,
    multiplier: float,
    line: FloatArray,
    direction: FloatArray,
) -> None:
    """SuperTrend with TA-Lib's ATR computed in the same pass, written into the outputs.

    The ATR replicates TA-Lib (and its Python wrapper) operation for operation: leading
    NaNs skipped, true range from the next bar, seed = sum of the first ``period`` true
    ranges / period, then ``fma(atr, (period - 1) / period, tr * (1 - (period - 1) /
    period))`` as TA-Lib's C code does (see ``jit.fma``); a later NaN poisons it. The
    fused multiply-add also shortens the loop-carried chain (TA-Lib's ATR runs at ~2 ns
    a bar; the textbook ``(atr * (n - 1) + tr) / n`` puts a division on it, ~10 ns).

    Bars go in blocks: a vectorised pass computes each bar's ``tr * gain`` and ``hl2``
    into L1 scratch and flags non-finite inputs; the serial pass carries the ATR, the
    bands and the trend. A bar's output is NaN when ``upper band + close`` is NaN; only
    blocks with a flagged bar (or a NaN ATR) are checked bar by bar, since with finite
    ``tr``, ``hl2`` and close and a non-NaN ATR that sum cannot be NaN.
    """
    n = close.shape[0]
    begin = max(_first_valid(high), _first_valid(low), _first_valid(close))
    seed_at = begin + period
    for i in range(min(seed_at, n)):
        line[i] = np.nan
        direction[i] = np.nan
    if seed_at >= n:
        return
    atr = 0.0
    for i in range(begin + 1, seed_at):
        h = high[i]
        lo = low[i]
        prev_close = close[i - 1]
        atr += max(h - lo, abs(prev_close - h), abs(prev_close - lo))
    h = high[seed_at]
    lo = low[seed_at]
    prev_close = close[seed_at - 1]
    atr = (atr + max(h - lo, abs(prev_close - h), abs(prev_close - lo))) / period
    # First bar with an ATR: raw bands, trend starts down (as TradingView does).
    mid = 0.5 * (h + lo)
    upper = mid + multiplier * atr
    lower = mid - multiplier * atr
    trend = -1.0
    bad = math.isnan(upper + close[seed_at])
    line[seed_at] = np.nan if bad else upper
    direction[seed_at] = np.nan if bad else trend
    decay = (period - 1) / period
    gain = 1.0 - decay
    step = np.empty(_BLOCK)  # tr * gain, then the bar's ATR
    mids = np.empty(_BLOCK)
    start = seed_at + 1
    while start < n:
        m = min(_BLOCK, n - start)
        # Views with a zero offset keep the index arithmetic simple enough to vectorise.
        highs = high[start : start + m]
        lows = low[start : start + m]
        closes = close[start : start + m]
        prev_closes = close[start - 1 : start - 1 + m]
        flagged = int(math.isnan(atr))
        for k in range(m):
            h = highs[k]
            lo = lows[k]
            prev_close = prev_closes[k]
            tr_gain = max(h - lo, abs(prev_close - h), abs(prev_close - lo)) * gain
            mid = 0.5 * (h + lo)
            step[k] = tr_gain
            mids[k] = mid
            flagged += not math.isfinite(tr_gain + mid + closes[k])
        # Serial pass. The band rules use bitwise conditions (no short-circuit branches:
        # their outcomes are data-dependent); the rare trend flips may branch.
        lines = line[start : start + m]
        directions = direction[start : start + m]
        for k in range(m):
            atr = fma(atr, decay, step[k])
            step[k] = atr
            width = multiplier * atr
            raw_upper = mids[k] + width
            raw_lower = mids[k] - width
            prev_close = prev_closes[k]
            c = closes[k]
            keep_lower = (raw_lower <= lower) & (prev_close >= lower)
            keep_upper = (raw_upper >= upper) & (prev_close <= upper)
            lower = lower if keep_lower else raw_lower
            upper = upper if keep_upper else raw_upper
            flip_up = (trend < 0.0) & (c > upper)
            flip_down = (trend > 0.0) & (c < lower)
            trend = 1.0 if flip_up else (-1.0 if flip_down else trend)
            directions[k] = trend
            lines[k] = lower if trend > 0.0 else upper
        if flagged:
            for k in range(m):
                if math.isnan(mids[k] + multiplier * step[k] + closes[k]):
                    directions[k] = np.nan
                    lines[k] = np.nan
        start += m


def supertrend(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    period: int = 10,
    multiplier: float = 3.0,
) -> SuperTrendResult:
    """SuperTrend (Olivier Seban), with TradingView's ``ta.supertrend`` band rules.

    Bands are ``hl2 ± multiplier * ATR(period)`` (Wilder ATR as :func:`atr`, to the bit
    with TA-Lib's fma-based smoothing, computed in the same pass). The lower band
    only ratchets up, and the upper band only down, unless the previous close crossed it.
    The trend flips up when the close ends above the upper band and down when it ends
    below the lower band; the line is the lower band in an up-trend, the upper band in a
    down-trend. ``direction`` is +1.0 (up) / −1.0 (down); on the first bar with an ATR the
    trend starts down. Output is NaN before that bar (the first ``period`` bars).
    """
    h, lo, c = as_hlc(high, low, close)
    p = check_int("period", period)
    m = check_float("multiplier", multiplier, minimum=0.0, inclusive_min=False)
    line = np.empty(len(c))
    direction = np.empty(len(c))
    _supertrend_kernel(h, lo, c, p, m, line, direction)
    return SuperTrendResult(line=line, direction=direction)


__all__ = ["adx", "supertrend"]
