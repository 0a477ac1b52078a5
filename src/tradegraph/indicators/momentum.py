"""Momentum oscillators: RSI, MACD, Stochastics, CCI and MFI (TA-Lib references)."""

from __future__ import annotations

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import (
    FloatArray,
    SeriesLike,
    as_float_array,
    as_hlc,
    as_hlcv,
    check_int,
)
from tradegraph.indicators.results import MacdResult, StochResult


def rsi(close: SeriesLike, period: int = 14) -> FloatArray:
    """Wilder's Relative Strength Index (0..100); the first ``period`` values are NaN."""
    values = as_float_array("close", close)
    return talib_bridge.call("RSI", values, timeperiod=check_int("period", period, minimum=2))


def macd(close: SeriesLike, fast: int = 12, slow: int = 26, signal: int = 9) -> MacdResult:
    """MACD line, signal line and histogram.

    Follows TA-Lib: both EMAs are SMA-seeded so that their seeds end on the same bar, and
    every output starts at index ``slow - 1 + signal - 1``.
    """
    values = as_float_array("close", close)
    fast_p = check_int("fast", fast, minimum=2)
    slow_p = check_int("slow", slow, minimum=3)
    signal_p = check_int("signal", signal, minimum=1)
    if fast_p >= slow_p:
        raise ValidationError(
            f"MACD needs fast < slow, got fast={fast_p}, slow={slow_p}.",
            hint="Swap the two periods (the classic setting is fast=12, slow=26).",
        )
    line, sig, hist = talib_bridge.call_multi(
        "MACD", values, fastperiod=fast_p, slowperiod=slow_p, signalperiod=signal_p
    )
    return MacdResult(line=line, signal=sig, hist=hist)


def stoch_fast(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    k_period: int = 14,
    d_period: int = 3,
) -> StochResult:
    """Fast stochastic: raw %K over ``k_period`` bars and its ``d_period`` SMA %D."""
    h, lo, c = as_hlc(high, low, close)
    k, d = talib_bridge.call_multi(
        "STOCHF",
        h,
        lo,
        c,
        fastk_period=check_int("k_period", k_period),
        fastd_period=check_int("d_period", d_period),
        fastd_matype=0,
    )
    return StochResult(k=k, d=d)


def stoch_slow(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    k_period: int = 14,
    *,
    k_smooth: int = 3,
    d_period: int = 3,
) -> StochResult:
    """Slow stochastic: %K is the ``k_smooth`` SMA of raw %K, %D the ``d_period`` SMA of it."""
    h, lo, c = as_hlc(high, low, close)
    k, d = talib_bridge.call_multi(
        "STOCH",
        h,
        lo,
        c,
        fastk_period=check_int("k_period", k_period),
        slowk_period=check_int("k_smooth", k_smooth),
        slowk_matype=0,
        slowd_period=check_int("d_period", d_period),
        slowd_matype=0,
    )
    return StochResult(k=k, d=d)


def cci(high: SeriesLike, low: SeriesLike, close: SeriesLike, period: int = 20) -> FloatArray:
    """Commodity Channel Index of the typical price, constant 0.015."""
    h, lo, c = as_hlc(high, low, close)
    return talib_bridge.call("CCI", h, lo, c, timeperiod=check_int("period", period, minimum=2))


def mfi(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    period: int = 14,
) -> FloatArray:
    """Money Flow Index (volume-weighted RSI of the typical price), 0..100."""
    h, lo, c, v = as_hlcv(high, low, close, volume)
    return talib_bridge.call("MFI", h, lo, c, v, timeperiod=check_int("period", period, minimum=2))


__all__ = ["cci", "macd", "mfi", "rsi", "stoch_fast", "stoch_slow"]
