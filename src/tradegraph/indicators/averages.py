"""Moving averages: SMA, EMA and WMA (TA-Lib reference implementations).

The first ``period - 1`` values are NaN. EMA is seeded with the SMA of the first
``period`` values, exactly like TA-Lib.
"""

from __future__ import annotations

from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import FloatArray, SeriesLike, as_float_array, check_int


def sma(close: SeriesLike, period: int) -> FloatArray:
    """Simple moving average of ``close`` over ``period`` bars."""
    values = as_float_array("close", close)
    return talib_bridge.call("SMA", values, timeperiod=check_int("period", period))


def ema(close: SeriesLike, period: int) -> FloatArray:
    """Exponential moving average, ``alpha = 2 / (period + 1)``, seeded by an SMA."""
    values = as_float_array("close", close)
    return talib_bridge.call("EMA", values, timeperiod=check_int("period", period))


def wma(close: SeriesLike, period: int) -> FloatArray:
    """Linearly weighted moving average (weights 1..period, newest heaviest)."""
    values = as_float_array("close", close)
    return talib_bridge.call("WMA", values, timeperiod=check_int("period", period))


__all__ = ["ema", "sma", "wma"]
