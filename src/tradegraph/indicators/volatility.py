"""Volatility: Average True Range and Bollinger Bands (TA-Lib references)."""

from __future__ import annotations

from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import (
    FloatArray,
    SeriesLike,
    as_float_array,
    as_hlc,
    check_float,
    check_int,
)
from tradegraph.indicators.results import BollingerResult


def true_range(high: SeriesLike, low: SeriesLike, close: SeriesLike) -> FloatArray:
    """True range ``max(high, close[-1]) - min(low, close[-1])``; NaN on the first bar."""
    h, lo, c = as_hlc(high, low, close)
    return talib_bridge.call("TRANGE", h, lo, c)


def atr(high: SeriesLike, low: SeriesLike, close: SeriesLike, period: int = 14) -> FloatArray:
    """Wilder's Average True Range; seeded by the mean of the first ``period`` true ranges.

    The first ``period`` values are NaN (the first bar has no true range).
    """
    h, lo, c = as_hlc(high, low, close)
    return talib_bridge.call("ATR", h, lo, c, timeperiod=check_int("period", period))


def bollinger(close: SeriesLike, period: int = 20, nbdev: float = 2.0) -> BollingerResult:
    """Bollinger Bands: SMA(``period``) ± ``nbdev`` population standard deviations."""
    values = as_float_array("close", close)
    dev = check_float("nbdev", nbdev, minimum=0.0)
    upper, middle, lower = talib_bridge.call_multi(
        "BBANDS",
        values,
        timeperiod=check_int("period", period, minimum=2),
        nbdevup=dev,
        nbdevdn=dev,
        matype=0,
    )
    return BollingerResult(upper=upper, middle=middle, lower=lower)


__all__ = ["atr", "bollinger", "true_range"]
