"""Market regime: trend (bull / bear / sideways) and volatility (high / low), causal.

Trend: four votes in {−1, 0, +1} — fast MA vs slow MA, close vs slow MA, the slow MA's
slope over ``slope_lookback`` bars measured in ATRs (a vote only beyond
``slope_threshold_atr``), and +DI vs −DI. ``trend_score`` is their mean in [−1, 1]. The raw
trend is its sign when ``|trend_score| >= min_agreement`` and ADX ``>= adx_threshold``
(a trend strong enough to trade), else sideways. A change of regime is accepted only after
the raw trend held for ``confirm_bars`` consecutive bars (1 = immediately).

Volatility: ``ratio = (ATR / close) / mean(ATR / close over vol_lookback bars)``; high when
``ratio > vol_threshold``.

Bars whose trend inputs are still warming up are sideways (score 0), bars whose volatility
baseline is not ready are low volatility; ``valid`` is True once both are ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import adx, atr, ema, sma
from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import (
    ArrayLike,
    BoolArray,
    FloatArray,
    Int8Array,
    as_series,
    same_length,
)
from tradegraph.patterns.params import DetectorConfig, param


class Trend(IntEnum):
    """Trend regime codes used in ``RegimeResult.trend``."""

    BEAR = -1
    SIDEWAYS = 0
    BULL = 1


class Volatility(IntEnum):
    """Volatility regime codes used in ``RegimeResult.volatility``."""

    LOW = 0
    HIGH = 1


@dataclass(frozen=True)
class RegimeConfig(DetectorConfig):
    """Trend-strength and volatility thresholds."""

    ma_kind: Literal["sma", "ema"] = param(
        "ema", doc="Moving-average type for the structure votes."
    )
    fast_period: int = param(20, ge=2, le=10_000, doc="Fast moving-average period.")
    slow_period: int = param(50, ge=2, le=10_000, doc="Slow moving-average period.")
    slope_lookback: int = param(10, ge=1, le=10_000, doc="Bars over which the slope is taken.")
    slope_threshold_atr: float = param(
        0.5, ge=0, le=100, doc="Slow-MA change (in ATRs) that counts as a sloped vote."
    )
    adx_period: int = param(14, ge=2, le=1000, doc="ADX / DI period.")
    adx_threshold: float = param(20.0, ge=0, le=100, doc="ADX needed to call a trend.")
    min_agreement: float = param(0.5, gt=0, le=1, doc="|mean vote| needed to call a trend.")
    confirm_bars: int = param(1, ge=1, le=1000, doc="Bars a new trend must hold first.")
    atr_period: int = param(14, ge=1, le=1000, doc="ATR period (slope and volatility).")
    vol_lookback: int = param(100, ge=2, le=100_000, doc="Bars in the baseline volatility.")
    vol_threshold: float = param(1.0, gt=0, le=100, doc="Volatility ratio above which high.")

    def check(self) -> None:
        if self.fast_period >= self.slow_period:
            raise ValidationError(
                f"RegimeConfig.fast_period ({self.fast_period}) must be below slow_period "
                f"({self.slow_period}).",
                hint="For example fast_period=20, slow_period=50.",
            )


@dataclass(frozen=True, eq=False)
class RegimeResult:
    """Per-bar regime codes and the continuous measures behind them.

    ``trend``: int8 {−1 bear, 0 sideways, 1 bull}; ``volatility``: int8 {0 low, 1 high};
    ``trend_score`` in [−1, 1]; ``volatility_ratio`` NaN until its baseline is ready.
    """

    trend: Int8Array
    volatility: Int8Array
    trend_score: FloatArray
    adx: FloatArray
    volatility_ratio: FloatArray
    valid: BoolArray

    def __post_init__(self) -> None:
        for arr in (
            self.trend,
            self.volatility,
            self.trend_score,
            self.adx,
            self.volatility_ratio,
            self.valid,
        ):
            arr.flags.writeable = False

    def __len__(self) -> int:
        return len(self.trend)

    def at(self, t: int) -> tuple[Trend, Volatility]:
        """The regime of bar ``t`` as enum members."""
        return Trend(int(self.trend[t])), Volatility(int(self.volatility[t]))


@njit
def _hold(raw: Int8Array, k: int) -> Int8Array:
    """Switch to a new value only after it has been seen ``k`` bars in a row."""
    out = np.zeros(len(raw), np.int8)
    current = 0
    run = 0
    for t in range(len(raw)):
        run = run + 1 if t > 0 and raw[t] == raw[t - 1] else 1
        if run >= k:
            current = raw[t]
        out[t] = current
    return out


@njit
def _sign(x: float) -> int:
    return 1 if x > 0 else (-1 if x < 0 else 0)  # NaN → 0


@njit
def _regime_kernel(  # noqa: PLR0917  # one fused pass; flat numba arguments
    close: FloatArray,
    fast: FloatArray,
    slow: FloatArray,
    atr_values: FloatArray,
    adx_values: FloatArray,
    plus_di: FloatArray,
    minus_di: FloatArray,
    slope_lookback: int,
    slope_threshold: float,
    min_agreement: float,
    adx_threshold: float,
    vol_lookback: int,
    vol_threshold: float,
) -> tuple[Int8Array, FloatArray, BoolArray, FloatArray, Int8Array]:
    """Raw trend, trend score, trend validity, volatility ratio and volatility code."""
    n = len(close)
    raw = np.zeros(n, np.int8)
    score = np.zeros(n)
    trend_valid = np.zeros(n, np.bool_)
    ratio = np.full(n, np.nan)
    high_vol = np.zeros(n, np.int8)
    natr = np.full(n, np.nan)
    window_sum = 0.0
    window_count = 0
    for t in range(n):
        a = atr_values[t]
        j = t - slope_lookback
        slope = (slow[t] - slow[j]) / a if j >= 0 and a > 0 else np.nan
        if np.isfinite(slope) and np.isfinite(adx_values[t]) and np.isfinite(fast[t]):
            slope_vote = 0
            if slope > 0 and slope >= slope_threshold:
                slope_vote = 1
            elif slope < 0 and slope <= -slope_threshold:
                slope_vote = -1
            votes = (
                _sign(fast[t] - slow[t])
                + _sign(close[t] - slow[t])
                + slope_vote
                + _sign(plus_di[t] - minus_di[t])
            )
            s = votes / 4.0
            score[t] = s
            trend_valid[t] = True
            if abs(s) >= min_agreement and adx_values[t] >= adx_threshold:
                raw[t] = _sign(s)
        natr[t] = a / close[t] if close[t] > 0 else np.nan
        if np.isfinite(natr[t]):
            window_sum += natr[t]
            window_count += 1
        old = t - vol_lookback
        if old >= 0 and np.isfinite(natr[old]):
            window_sum -= natr[old]
            window_count -= 1
        if window_count == vol_lookback:
            r = natr[t] / (window_sum / vol_lookback)
            ratio[t] = r
            high_vol[t] = 1 if r > vol_threshold else 0
    return raw, score, trend_valid, ratio, high_vol


def regime(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: RegimeConfig = RegimeConfig(),
) -> RegimeResult:
    """Trend and volatility regime per bar (see the module docstring)."""
    h = as_series("high", high)
    lo = as_series("low", low)
    c = as_series("close", close)
    same_length(high=h, low=lo, close=c)
    ma = ema if config.ma_kind == "ema" else sma
    strength = adx(h, lo, c, config.adx_period)
    raw, score, trend_valid, ratio, high_vol = _regime_kernel(
        c,
        ma(c, config.fast_period),
        ma(c, config.slow_period),
        atr(h, lo, c, config.atr_period),
        strength.adx,
        strength.plus_di,
        strength.minus_di,
        config.slope_lookback,
        config.slope_threshold_atr,
        config.min_agreement,
        config.adx_threshold,
        config.vol_lookback,
        config.vol_threshold,
    )
    trend = raw if config.confirm_bars == 1 else _hold(raw, config.confirm_bars)
    return RegimeResult(
        trend=trend,
        volatility=high_vol,
        trend_score=score,
        adx=strength.adx,
        volatility_ratio=ratio,
        valid=trend_valid & np.isfinite(ratio),
    )


__all__ = ["RegimeConfig", "RegimeResult", "Trend", "Volatility", "regime"]
