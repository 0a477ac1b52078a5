"""Numba kernels behind ``confluence``: one pass per component, no 8 MB temporaries.

``weight_at`` is the single definition of a component's effective weight on a bar; the
vectorised scoring and ``ConfluenceResult.explain`` both call it.
"""

from __future__ import annotations

import numpy as np

from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import FloatArray, Int8Array

ANY = 99  # rule code: matches every trend / volatility state


@njit
def weight_at(  # noqa: PLR0917  # numba kernels take flat arguments
    i: int,
    base: float,
    mults: FloatArray,
    trends: Int8Array,
    vols: Int8Array,
    trend: Int8Array,
    vol: Int8Array,
    ratio: FloatArray,
    rank: int,
    tilt: float,
) -> float:
    """Effective weight on bar ``i``; ``trend``/``vol``/``ratio`` are empty without regime."""
    has_regime = len(trend) > 0
    w = base
    for r in range(len(mults)):
        if trends[r] != ANY or vols[r] != ANY:
            if not has_regime:
                continue  # a regime-conditional rule cannot apply without a regime
            if trends[r] != ANY and trend[i] != trends[r]:
                continue
            if vols[r] != ANY and vol[i] != vols[r]:
                continue
        w *= mults[r]
    if has_regime and rank > 0 and tilt > 0:
        excess = ratio[i] - 1.0
        if np.isnan(excess):
            excess = 0.0
        excess = min(1.0, max(-1.0, excess))
        w *= (1.0 + tilt) ** (rank * excess)
    return w


@njit
def accumulate(  # noqa: PLR0917  # numba kernels take flat arguments
    values: FloatArray,
    base: float,
    mults: FloatArray,
    trends: Int8Array,
    vols: Int8Array,
    trend: Int8Array,
    vol: Int8Array,
    ratio: FloatArray,
    rank: int,
    tilt: float,
    sums: FloatArray,
) -> None:
    """Add one component to ``sums`` (rows: Σw·v, Σw available, Σw·|v|, Σw all)."""
    for i in range(len(values)):
        w = weight_at(i, base, mults, trends, vols, trend, vol, ratio, rank, tilt)
        sums[3, i] += w
        v = values[i]
        if not np.isnan(v):
            sums[0, i] += w * v
            sums[1, i] += w
            sums[2, i] += w * abs(v)


@njit
def finish(sums: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Score, confidence and coverage from the accumulated sums."""
    n = sums.shape[1]
    score = np.zeros(n)
    confidence = np.zeros(n)
    coverage = np.zeros(n)
    for i in range(n):
        num, den, den_abs, total = sums[0, i], sums[1, i], sums[2, i], sums[3, i]
        if den > 0:
            score[i] = min(1.0, max(-1.0, num / den))
        if total > 0:
            coverage[i] = min(1.0, den / total)
        if den_abs > 0:
            confidence[i] = min(1.0, coverage[i] * abs(num) / den_abs)
    return score, confidence, coverage


@njit
def first_out_of_range(values: FloatArray) -> int:
    """Index of the first value outside [−1, 1] (NaN is allowed), or −1."""
    for i in range(len(values)):
        if abs(values[i]) > 1.0:
            return i
    return -1


__all__ = ["ANY", "accumulate", "finish", "first_out_of_range", "weight_at"]
