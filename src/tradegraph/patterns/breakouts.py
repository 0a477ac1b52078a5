"""Breakouts with close confirmation and a volume filter.

* :func:`range_breakout` — the close leaves the high/low range of the ``lookback`` bars
  before the breakout bar;
* :func:`level_break` — the close crosses the nearest support/resistance level known on
  the bar before (see :mod:`tradegraph.patterns.levels`).

Both confirm on closes, never on wicks: the signal fires on the bar where the
``confirm_bars``-th consecutive close beyond the level (plus ``buffer_pct``) is seen. The
volume filter requires the breakout bar's volume to be at least ``volume_multiple`` times
the mean volume of the ``volume_lookback`` bars before it (0 disables it).

One fused numba pass evaluates confirmation, filter and scores. Confidence is the mean of
the applicable scores:

* depth ``min(1, (close − level) / (full_depth_atr × ATR))`` on the signal bar,
* volume ``min(1, volume ratio / (2 × volume_multiple))`` on the breakout bar (only with the
  filter on),
* the broken level's strength (level breaks only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import atr
from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import (
    ArrayLike,
    FloatArray,
    Int8Array,
    as_series,
    same_length,
    shift,
    volume_series,
)
from tradegraph.patterns.levels import LevelConfig, support_resistance
from tradegraph.patterns.params import DetectorConfig, param
from tradegraph.patterns.results import PatternResult
from tradegraph.patterns.rolling import prior_max, prior_min


@dataclass(frozen=True)
class RangeBreakoutConfig(DetectorConfig):
    """Close beyond the prior ``lookback``-bar high/low range."""

    lookback: int = param(20, ge=1, le=100_000, doc="Bars before the breakout forming the range.")
    buffer_pct: float = param(0.0, ge=0, le=0.5, doc="Close must clear the level by this.")
    confirm_bars: int = param(1, ge=1, le=50, doc="Consecutive closes beyond the level.")
    volume_lookback: int = param(20, ge=1, le=100_000, doc="Bars in the volume average.")
    volume_multiple: float = param(1.5, ge=0, le=1000, doc="Volume / average needed; 0 = off.")
    atr_period: int = param(14, ge=1, le=10_000, doc="ATR period for the depth score.")
    full_depth_atr: float = param(1.0, gt=0, le=1000, doc="Depth (in ATRs) scoring 1.")


@dataclass(frozen=True)
class LevelBreakConfig(DetectorConfig):
    """Close beyond the nearest known support/resistance level."""

    pivot_left: int = param(5, ge=1, le=500, doc="Pivot must exceed this many bars before.")
    pivot_right: int = param(5, ge=1, le=500, doc="Confirmation bars after a pivot.")
    tolerance_pct: float = param(0.005, gt=0, le=0.5, doc="Pivot clustering tolerance.")
    min_touches: int = param(2, ge=1, le=1000, doc="Pivots needed before a level is used.")
    saturation_touches: int = param(5, ge=1, le=1000, doc="Touches that give full strength.")
    half_life_bars: int = param(0, ge=0, doc="Level strength half-life in idle bars; 0 = off.")
    max_age_bars: int = param(0, ge=0, doc="Ignore levels idle longer than this; 0 = never.")
    buffer_pct: float = param(0.0, ge=0, le=0.5, doc="Close must clear the level by this.")
    confirm_bars: int = param(1, ge=1, le=50, doc="Consecutive closes beyond the level.")
    volume_lookback: int = param(20, ge=1, le=100_000, doc="Bars in the volume average.")
    volume_multiple: float = param(1.5, ge=0, le=1000, doc="Volume / average needed; 0 = off.")
    atr_period: int = param(14, ge=1, le=10_000, doc="ATR period for the depth score.")
    full_depth_atr: float = param(1.0, gt=0, le=1000, doc="Depth (in ATRs) scoring 1.")

    @property
    def levels(self) -> LevelConfig:
        return LevelConfig(
            pivot_left=self.pivot_left,
            pivot_right=self.pivot_right,
            tolerance_pct=self.tolerance_pct,
            min_touches=self.min_touches,
            saturation_touches=self.saturation_touches,
            half_life_bars=self.half_life_bars,
            max_age_bars=self.max_age_bars,
        )


@njit
def _breakout_kernel(  # noqa: PLR0917  # one fused pass; flat numba arguments
    close: FloatArray,
    upper: FloatArray,
    lower: FloatArray,
    k: int,
    buffer_pct: float,
    volume: FloatArray,
    volume_lookback: int,
    volume_multiple: float,
    atr_values: FloatArray,
    full_depth_atr: float,
    up_strength: FloatArray,
    down_strength: FloatArray,
) -> tuple[Int8Array, FloatArray]:
    """``upper[s]``/``lower[s]``: the level breakout bar s would break (NaN: none).

    ``volume`` is empty when the filter is off, the strengths when not scored.
    """
    n = len(close)
    direction = np.zeros(n, np.int8)
    conf = np.zeros(n, np.float64)
    has_volume = len(volume) > 0
    has_strength = len(up_strength) > 0
    prefix = np.zeros(n + 1 if has_volume else 1)
    if has_volume:
        for i in range(n):
            prefix[i + 1] = prefix[i] + volume[i]
    for t in range(k - 1, n):
        s = t - k + 1
        up_level = upper[s] * (1.0 + buffer_pct)
        down_level = lower[s] * (1.0 - buffer_pct)
        up = not np.isnan(up_level)
        down = not np.isnan(down_level)
        for j in range(s, t + 1):
            up = up and close[j] > up_level
            down = down and close[j] < down_level
        if up == down:
            continue
        depth = close[t] - upper[s] if up else lower[s] - close[t]
        a = atr_values[t]
        total = min(1.0, max(0.0, depth / (full_depth_atr * a))) if a > 0 else 0.0
        count = 1
        if has_volume:
            if s < volume_lookback:
                continue  # no volume baseline yet: the filter cannot pass
            avg = (prefix[s] - prefix[s - volume_lookback]) / volume_lookback
            if avg > 0:
                ratio = volume[s] / avg
            elif volume[s] > 0:
                ratio = np.inf
            else:
                continue
            if ratio < volume_multiple:
                continue
            total += min(1.0, ratio / (2.0 * volume_multiple))
            count += 1
        if has_strength:
            total += up_strength[s] if up else down_strength[s]
            count += 1
        direction[t] = 1 if up else -1
        # a breakout is a detection even while ATR warms up: keep the confidence above 0
        conf[t] = max(total / count, 1e-12)
    return direction, conf


def _volume(volume: ArrayLike | None, n: int, multiple: float, caller: str) -> FloatArray:
    """The validated volume column, or an empty array when the filter is off."""
    if multiple == 0:
        return np.empty(0)
    if volume is None:
        raise ValidationError(
            f"{caller} has its volume filter on (volume_multiple={multiple}) but got no volume.",
            hint="Pass volume=..., or set volume_multiple=0 to disable the filter.",
        )
    return volume_series(volume, n)


def range_breakout(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    volume: ArrayLike | None = None,
    config: RangeBreakoutConfig = RangeBreakoutConfig(),
) -> PatternResult:
    """+1 when the close breaks above the prior range high, −1 below the range low."""
    h, lo, c = as_series("high", high), as_series("low", low), as_series("close", close)
    n = same_length(high=h, low=lo, close=c)
    vol = _volume(volume, n, config.volume_multiple, "range_breakout")
    direction, conf = _breakout_kernel(
        c,
        prior_max(h, config.lookback),
        prior_min(lo, config.lookback),
        config.confirm_bars,
        config.buffer_pct,
        vol,
        config.volume_lookback,
        config.volume_multiple,
        atr(h, lo, c, config.atr_period),
        config.full_depth_atr,
        np.empty(0),
        np.empty(0),
    )
    return PatternResult(direction=direction, confidence=conf)


def level_break(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    volume: ArrayLike | None = None,
    config: LevelBreakConfig = LevelBreakConfig(),
) -> PatternResult:
    """+1 when the close breaks above the resistance known on the bar before the breakout,
    −1 when it breaks below the support known then."""
    h, lo, c = as_series("high", high), as_series("low", low), as_series("close", close)
    n = same_length(high=h, low=lo, close=c)
    vol = _volume(volume, n, config.volume_multiple, "level_break")
    near = support_resistance(h, lo, c, config.levels)
    direction, conf = _breakout_kernel(
        c,
        shift(near.resistance, 1),
        shift(near.support, 1),
        config.confirm_bars,
        config.buffer_pct,
        vol,
        config.volume_lookback,
        config.volume_multiple,
        atr(h, lo, c, config.atr_period),
        config.full_depth_atr,
        shift(near.resistance_strength, 1, fill=0.0),
        shift(near.support_strength, 1, fill=0.0),
    )
    return PatternResult(direction=direction, confidence=conf)


__all__ = ["LevelBreakConfig", "RangeBreakoutConfig", "level_break", "range_breakout"]
