"""Regular and hidden divergences between price swing pivots and an oscillator.

For two consecutive confirmed pivot lows of price (``low``) at bars i1 < i2, with
``min_bars <= i2 − i1 <= max_bars``, the oscillator's swing value at each is its minimum
within ``match_window`` bars of the pivot (its own nearby pivot). Then:

============  =========================  ===========================
kind          lows (bullish, +1)         highs (bearish, −1)
============  =========================  ===========================
regular       price lower low,           price higher high,
              oscillator higher low      oscillator lower high
hidden        price higher low,          price lower high,
              oscillator lower low       oscillator higher high
============  =========================  ===========================

Highs mirror lows with ``high`` and the oscillator's maximum. The signal is emitted on the
bar the second pivot is confirmed (``i2 + pivot_right``); ``match_window <= pivot_right``
keeps the oscillator window inside what is known then, so the result is causal.

Confidence = ``|osc2 − osc1|`` divided by the oscillator's range from ``i1 − match_window``
to the confirmation bar: the size of the oscillator's disagreement, scale-free. When a
bullish and a bearish divergence complete on the same bar the stronger wins (a tie is
dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import macd, rsi
from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import (
    ArrayLike,
    FloatArray,
    Int8Array,
    IntArray,
    as_series,
    same_length,
)
from tradegraph.patterns.params import DetectorConfig, param
from tradegraph.patterns.pivots import pivot_indices
from tradegraph.patterns.results import PatternResult

REGULAR: int = 1
HIDDEN: int = 2

OscillatorSource = Literal["rsi", "macd", "macd_hist"]


@dataclass(frozen=True)
class DivergenceConfig(DetectorConfig):
    """Oscillator choice, pivot detection and pairing rules."""

    oscillator: Literal["rsi", "macd", "macd_hist"] = param(
        "rsi", doc="RSI, MACD line or MACD histogram."
    )
    rsi_period: int = param(14, ge=2, le=1000, doc="RSI period (oscillator='rsi').")
    macd_fast: int = param(12, ge=2, le=1000, doc="MACD fast EMA period.")
    macd_slow: int = param(26, ge=2, le=1000, doc="MACD slow EMA period.")
    macd_signal: int = param(9, ge=1, le=1000, doc="MACD signal EMA period.")
    pivot_left: int = param(5, ge=1, le=500, doc="Price pivot must exceed this many bars before.")
    pivot_right: int = param(3, ge=1, le=500, doc="Confirmation bars after a price pivot.")
    match_window: int = param(2, ge=0, le=500, doc="Bars around a pivot for the osc. extreme.")
    min_bars: int = param(5, ge=1, le=100_000, doc="Minimum bars between the two pivots.")
    max_bars: int = param(60, ge=1, le=100_000, doc="Maximum bars between the two pivots.")
    regular: bool = param(True, doc="Detect regular (reversal) divergences.")
    hidden: bool = param(True, doc="Detect hidden (continuation) divergences.")

    def check(self) -> None:
        if self.match_window > self.pivot_right:
            raise ValidationError(
                f"DivergenceConfig.match_window ({self.match_window}) exceeds pivot_right "
                f"({self.pivot_right}); the oscillator window would reach past the bar on "
                "which the divergence is reported (look-ahead).",
                hint="Use match_window <= pivot_right.",
            )
        if self.min_bars > self.max_bars:
            raise ValidationError(
                f"DivergenceConfig.min_bars ({self.min_bars}) exceeds max_bars ({self.max_bars}).",
                hint="Use min_bars <= max_bars.",
            )
        if self.macd_fast >= self.macd_slow:
            raise ValidationError(
                f"DivergenceConfig.macd_fast ({self.macd_fast}) must be below macd_slow "
                f"({self.macd_slow}).",
                hint="The classic setting is fast=12, slow=26.",
            )
        if not (self.regular or self.hidden):
            raise ValidationError(
                "DivergenceConfig has both regular and hidden disabled; nothing to detect.",
                hint="Enable regular=True and/or hidden=True.",
            )


@dataclass(frozen=True, eq=False)
class DivergenceResult(PatternResult):
    """Direction/confidence plus, on signal bars, the kind (1 regular, 2 hidden, else 0) and
    the two price pivots' bar indices (−1 elsewhere)."""

    kind: Int8Array
    first_index: IntArray
    second_index: IntArray

    def __post_init__(self) -> None:
        super().__post_init__()
        for arr in (self.kind, self.first_index, self.second_index):
            if arr.shape != self.direction.shape:
                raise ValidationError(
                    f"DivergenceResult arrays must all have shape {self.direction.shape}, "
                    f"got {arr.shape}.",
                    hint="Build it with divergence() or divergence_with().",
                )
            arr.flags.writeable = False


@njit
def _window_extreme(osc: FloatArray, lo: int, hi: int, want_max: bool) -> float:
    """Max/min of osc[lo..hi] (inclusive), NaN if any value there is NaN."""
    best = osc[lo]
    for j in range(lo, hi + 1):
        v = osc[j]
        if np.isnan(v):
            return np.nan
        if (want_max and v > best) or (not want_max and v < best):
            best = v
    return float(best)


@njit
def _classify(p1: float, p2: float, o1: float, o2: float, is_high: bool) -> int:
    """REGULAR, HIDDEN or 0, for lows (mirrored for highs; see the module table)."""
    m = -1.0 if is_high else 1.0  # flip the comparisons for highs
    if m * (p2 - p1) < 0 and m * (o2 - o1) > 0:
        return REGULAR
    if m * (p2 - p1) > 0 and m * (o2 - o1) < 0:
        return HIDDEN
    return 0


@njit
def _span_confidence(osc: FloatArray, lo: int, hi: int, o1: float, o2: float) -> float:
    """``|o2 − o1|`` over the oscillator's range on ``[lo, hi]`` (0 if flat)."""
    span_hi = osc[lo]
    span_lo = osc[lo]
    for j in range(lo, hi + 1):
        span_hi = max(span_hi, osc[j])
        span_lo = min(span_lo, osc[j])
    span = span_hi - span_lo
    return min(1.0, abs(o2 - o1) / span) if span > 0 else 0.0


@njit
def _scan(  # noqa: PLR0917  # numba kernels take flat arguments
    price: FloatArray,
    piv: IntArray,
    osc: FloatArray,
    is_high: bool,
    right: int,
    window: int,
    min_bars: int,
    max_bars: int,
    enabled: Int8Array,
    out_dir: FloatArray,
    out_conf: FloatArray,
    out_kind: Int8Array,
    out_pair: IntArray,
) -> None:
    """Pair consecutive pivots; ``enabled[code]`` switches kinds; ``out_pair`` is (n, 2)."""
    n = len(price)
    for q in range(1, len(piv)):
        i1 = piv[q - 1]
        i2 = piv[q]
        if not min_bars <= i2 - i1 <= max_bars:
            continue
        o1 = _window_extreme(osc, max(0, i1 - window), min(n - 1, i1 + window), is_high)
        o2 = _window_extreme(osc, max(0, i2 - window), min(n - 1, i2 + window), is_high)
        if np.isnan(o1) or np.isnan(o2):
            continue
        code = _classify(price[i1], price[i2], o1, o2, is_high)
        if code == 0 or enabled[code] == 0:
            continue
        t = i2 + right
        conf = _span_confidence(osc, max(0, i1 - window), t, o1, o2)
        if conf <= 0.0 or conf < out_conf[t]:
            continue  # nothing to report, or the opposite side is stronger here
        if conf == out_conf[t]:  # a tie between a bullish and a bearish divergence
            out_dir[t] = 0.0
            out_conf[t] = 0.0
            out_kind[t] = 0
            out_pair[t, 0] = -1
            out_pair[t, 1] = -1
            continue
        out_dir[t] = -1.0 if is_high else 1.0
        out_conf[t] = conf
        out_kind[t] = code
        out_pair[t, 0] = i1
        out_pair[t, 1] = i2


def divergence_with(
    high: ArrayLike,
    low: ArrayLike,
    oscillator: ArrayLike,
    config: DivergenceConfig = DivergenceConfig(),
) -> DivergenceResult:
    """Divergences against a given oscillator series (NaN allowed during its warm-up).

    The ``oscillator``/``rsi_*``/``macd_*`` fields of the config are ignored here.
    """
    h = as_series("high", high)
    lo = as_series("low", low)
    osc = as_series("oscillator", oscillator, finite=False)
    n = same_length(high=h, low=lo, oscillator=osc)
    direction = np.zeros(n)
    confidence = np.zeros(n)
    kind = np.zeros(n, np.int8)
    pair = np.full((n, 2), -1, np.int64)
    enabled = np.array([0, int(config.regular), int(config.hidden)], np.int8)
    for is_high, series in ((False, lo), (True, h)):
        piv = pivot_indices(series, config.pivot_left, config.pivot_right, high=is_high)
        _scan(
            series,
            piv,
            osc,
            is_high,
            config.pivot_right,
            config.match_window,
            config.min_bars,
            config.max_bars,
            enabled,
            direction,
            confidence,
            kind,
            pair,
        )
    return DivergenceResult(
        direction=direction.astype(np.int8),
        confidence=confidence,
        kind=kind,
        first_index=np.ascontiguousarray(pair[:, 0]),
        second_index=np.ascontiguousarray(pair[:, 1]),
    )


def oscillator_for(close: FloatArray, config: DivergenceConfig) -> FloatArray:
    """The oscillator series the config names, computed from ``close``."""
    if config.oscillator == "rsi":
        return rsi(close, config.rsi_period)
    result = macd(close, config.macd_fast, config.macd_slow, config.macd_signal)
    return result.line if config.oscillator == "macd" else result.hist


def divergence(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: DivergenceConfig = DivergenceConfig(),
) -> DivergenceResult:
    """Divergences between price pivots and the RSI or MACD named by ``config.oscillator``."""
    c = as_series("close", close)
    return divergence_with(high, low, oscillator_for(c, config), config)


__all__ = [
    "HIDDEN",
    "REGULAR",
    "DivergenceConfig",
    "DivergenceResult",
    "OscillatorSource",
    "divergence",
    "divergence_with",
    "oscillator_for",
]
