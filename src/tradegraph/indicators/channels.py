"""Price channels: Donchian (highest high / lowest low) and Keltner (EMA ± k·ATR).

Both are TA-Lib compositions: Donchian's bands are TA-Lib ``MAX``/``MIN`` exactly, its
middle line one fused pass over them; Keltner is TA-Lib ``EMA`` ± multiplier · ``ATR``.
"""

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
from tradegraph.indicators.jit import kernel
from tradegraph.indicators.results import ChannelResult


def _rolling_extreme(values: FloatArray, period: int, function: str) -> FloatArray:
    if period == 1:
        return values.copy()
    return talib_bridge.call(function, values, timeperiod=period)


@kernel
def _midline(upper: FloatArray, lower: FloatArray, middle: FloatArray) -> None:
    """``middle = (upper + lower) * 0.5`` in one pass (numpy would take two)."""
    for i in range(middle.shape[0]):
        middle[i] = (upper[i] + lower[i]) * 0.5


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
    middle = np.empty(len(upper))
    _midline(upper, lower, middle)
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
