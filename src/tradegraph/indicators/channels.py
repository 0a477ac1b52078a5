"""Price channels: Donchian (highest high / lowest low) and Keltner (EMA ± k·ATR)."""

from __future__ import annotations

import numpy as np

from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import (
    FloatArray,
    SeriesLike,
    as_float_array,
    as_hlc,
    check_float,
    check_int,
    same_length,
)
from tradegraph.indicators.results import ChannelResult


def _rolling_extreme(values: FloatArray, period: int, function: str) -> FloatArray:
    if period == 1:
        return values.copy()
    return talib_bridge.call(function, values, timeperiod=period)


def donchian(high: SeriesLike, low: SeriesLike, period: int = 20) -> ChannelResult:
    """Donchian channel over the last ``period`` bars, the current bar included.

    ``upper`` is the highest high, ``lower`` the lowest low, ``middle`` their mean. For a
    breakout rule compare the close with the *previous* bar's channel.
    """
    h = as_float_array("high", high)
    lo = as_float_array("low", low)
    same_length(high=h, low=lo)
    p = check_int("period", period)
    upper = _rolling_extreme(h, p, "MAX")
    lower = _rolling_extreme(lo, p, "MIN")
    middle = np.add(upper, lower)
    middle *= 0.5  # in place: one allocation for the middle line
    return ChannelResult(upper=upper, middle=middle, lower=lower)


def keltner(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    period: int = 20,
    multiplier: float = 2.0,
    *,
    atr_period: int = 10,
) -> ChannelResult:
    """Keltner channel (Raschke's modern form): ``EMA(close, period) ± multiplier · ATR``.

    Defaults are the usual 20-bar EMA, 10-bar ATR and a multiplier of 2. Warm-up:
    ``max(period - 1, atr_period)`` bars.
    """
    h, lo, c = as_hlc(high, low, close)
    p = check_int("period", period)
    ap = check_int("atr_period", atr_period)
    m = check_float("multiplier", multiplier, minimum=0.0)
    middle = talib_bridge.call("EMA", c, timeperiod=p)
    width = talib_bridge.call("ATR", h, lo, c, timeperiod=ap)
    width *= m
    upper = middle + width
    lower = np.subtract(middle, width, out=width)  # reuse the ATR buffer
    return ChannelResult(upper=upper, middle=middle, lower=lower)


__all__ = ["donchian", "keltner"]
