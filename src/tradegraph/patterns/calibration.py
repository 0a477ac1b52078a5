"""Calibration of raw scores to observed hit rates, on a rolling window, without look-ahead.

A bar s with a non-zero score is a *hit* when ``close[s + horizon] − close[s]`` has the
score's sign. That outcome is known only at bar ``s + horizon``, so the calibration at bar
t uses only bars ``s <= t − horizon``, and of those the last ``window``.

Scores are binned by ``|score|`` into ``bins`` equal-width bins on [0, 1]. The probability
for bar t is the hit rate of its bin, shrunk towards 0.5 by ``prior_strength`` pseudo
observations: ``(hits + prior/2) / (samples + prior)``; the calibrated score is
``sign(score) × (2p − 1)`` (negative when that kind of signal has been wrong more often
than right). Bars with a NaN score get NaN, zero scores get p = 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import (
    ArrayLike,
    FloatArray,
    IntArray,
    as_series,
    same_length,
)
from tradegraph.patterns.params import DetectorConfig, param


@dataclass(frozen=True)
class CalibrationConfig(DetectorConfig):
    """Outcome horizon, rolling window and binning."""

    horizon: int = param(10, ge=1, le=100_000, doc="Bars until a score's outcome is known.")
    window: int = param(500, ge=1, le=10_000_000, doc="Resolved bars used for the hit rates.")
    bins: int = param(5, ge=1, le=100, doc="Equal-width bins of |score| on [0, 1].")
    prior_strength: float = param(
        2.0, ge=0, le=1e6, doc="Pseudo-observations at 50% hit rate per bin."
    )


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Per bar: hit probability of the score's direction, the calibrated score and the
    number of resolved samples behind it."""

    probability: FloatArray
    calibrated_score: FloatArray
    samples: IntArray

    def __post_init__(self) -> None:
        for arr in (self.probability, self.calibrated_score, self.samples):
            arr.flags.writeable = False


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One |score| bin of the reliability table."""

    lower: float
    upper: float
    samples: int
    hits: int
    probability: float


@njit
def _bin(x: float, bins: int) -> int:
    return min(bins - 1, int(abs(x) * bins))


@njit
def _outcome(score: FloatArray, close: FloatArray, s: int, horizon: int) -> int:
    """1 hit, 0 miss, −1 not a sample (NaN or zero score)."""
    x = score[s]
    if np.isnan(x) or x == 0.0:
        return -1
    move = close[s + horizon] - close[s]
    return 1 if (move > 0 and x > 0) or (move < 0 and x < 0) else 0


@njit
def _calibrate(  # noqa: PLR0917  # numba kernels take flat arguments
    score: FloatArray,
    close: FloatArray,
    horizon: int,
    window: int,
    bins: int,
    prior: float,
    prob: FloatArray,
    calibrated: FloatArray,
    samples: IntArray,
    hits: IntArray,
    counts: IntArray,
) -> None:
    n = len(score)
    for t in range(n):
        s = t - horizon  # outcome of bar s becomes known now
        if s >= 0:
            o = _outcome(score, close, s, horizon)
            if o >= 0:
                b = _bin(score[s], bins)
                counts[b] += 1
                hits[b] += o
        old = s - window  # falls out of the window of the last `window` resolved bars
        if old >= 0:
            o = _outcome(score, close, old, horizon)
            if o >= 0:
                b = _bin(score[old], bins)
                counts[b] -= 1
                hits[b] -= o
        x = score[t]
        if np.isnan(x):
            continue
        if x == 0.0:
            prob[t] = 0.5
            calibrated[t] = 0.0
            continue
        b = _bin(x, bins)
        denom = counts[b] + prior
        p = (hits[b] + prior / 2.0) / denom if denom > 0 else 0.5
        prob[t] = p
        calibrated[t] = (2.0 * p - 1.0) * (1.0 if x > 0 else -1.0)
        samples[t] = counts[b]


def _run(
    score: ArrayLike, close: ArrayLike, config: CalibrationConfig
) -> tuple[CalibrationResult, IntArray, IntArray]:
    sc = as_series("score", score, finite=False)
    c = as_series("close", close)
    n = same_length(score=sc, close=c)
    with np.errstate(invalid="ignore"):
        if (np.abs(sc) > 1).any():
            raise ValidationError(
                "calibrate() needs scores in [-1, 1] (NaN allowed).",
                hint="Pass a confluence score or a PatternResult.signal.",
            )
    prob = np.full(n, np.nan)
    calibrated = np.full(n, np.nan)
    samples = np.zeros(n, np.int64)
    hits = np.zeros(config.bins, np.int64)
    counts = np.zeros(config.bins, np.int64)
    _calibrate(
        sc,
        c,
        config.horizon,
        config.window,
        config.bins,
        config.prior_strength,
        prob,
        calibrated,
        samples,
        hits,
        counts,
    )
    return CalibrationResult(prob, calibrated, samples), hits, counts


def calibrate(
    score: ArrayLike,
    close: ArrayLike,
    config: CalibrationConfig = CalibrationConfig(),
) -> CalibrationResult:
    """Causal rolling calibration of ``score`` against the ``close`` path that followed."""
    return _run(score, close, config)[0]


def reliability_table(
    score: ArrayLike,
    close: ArrayLike,
    config: CalibrationConfig = CalibrationConfig(),
    as_of: int | None = None,
) -> tuple[CalibrationBin, ...]:
    """The per-bin hit rates the calibration uses at bar ``as_of`` (default: the last)."""
    n = len(np.asarray(close))
    t = n - 1 if as_of is None else as_of
    if not 0 <= t < n:
        raise ValidationError(
            f"as_of={as_of} is outside the series of {n} bars.",
            hint=f"Pass a bar index in [0, {n - 1}] or None for the last bar.",
        )
    end = t + 1
    _, hits, counts = _run(np.asarray(score)[:end], np.asarray(close)[:end], config)
    prior = config.prior_strength
    out: list[CalibrationBin] = []
    for b in range(config.bins):
        k, h = int(counts[b]), int(hits[b])
        out.append(
            CalibrationBin(
                lower=b / config.bins,
                upper=(b + 1) / config.bins,
                samples=k,
                hits=h,
                probability=(h + prior / 2) / (k + prior) if k + prior > 0 else 0.5,
            )
        )
    return tuple(out)


__all__ = [
    "CalibrationBin",
    "CalibrationConfig",
    "CalibrationResult",
    "calibrate",
    "reliability_table",
]
