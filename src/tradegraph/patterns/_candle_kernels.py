"""Fused numba scoring kernels for the candlestick detectors.

Each kernel makes one pass over the bars and writes the int8 direction and float64
confidence directly: the numpy formulation of the same formulas allocates a dozen 8 MB
temporaries per pattern at 1M bars, and page-faulting fresh memory then dominates the
run time. Formulas are documented on the public functions in ``candlesticks``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import FloatArray, Int8Array

Out = tuple[Int8Array, FloatArray]
Flags = npt.NDArray[np.int32]  # TA-Lib CDL output: 0, ±80, ±100


@njit
def _new(n: int) -> Out:
    return np.zeros(n, np.int8), np.zeros(n, np.float64)


@njit
def _put(  # noqa: PLR0917  # numba kernels take flat arguments
    i: int, d: int, cf: float, min_conf: float, direction: Int8Array, conf: FloatArray
) -> None:
    cf = min(cf, 1.0)
    if d != 0 and cf > 0.0 and cf >= min_conf:
        direction[i] = d
        conf[i] = cf


@njit
def pin_bar_kernel(  # noqa: PLR0917  # numba kernels take flat arguments
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    min_wick: float,
    max_body: float,
    max_nose: float,
    min_conf: float,
) -> Out:
    direction, conf = _new(len(c))
    for i in range(len(c)):
        rng = h[i] - lo[i]
        if rng <= 0.0:
            continue
        top = max(o[i], c[i])
        bottom = min(o[i], c[i])
        upper = (h[i] - top) / rng
        lower = (bottom - lo[i]) / rng
        if (top - bottom) / rng > max_body:
            continue
        if lower >= min_wick and upper <= max_nose:
            _put(i, 1, lower, min_conf, direction, conf)
        elif upper >= min_wick and lower <= max_nose:
            _put(i, -1, upper, min_conf, direction, conf)
    return direction, conf


@njit
def shadow_kernel(  # noqa: PLR0917  # numba kernels take flat arguments
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    bull: Flags,
    bear: Flags,
    min_conf: float,
) -> Out:
    """Bullish flags score the lower shadow's share of the range, bearish the upper's."""
    direction, conf = _new(len(c))
    for i in range(len(c)):
        is_bull = bull[i] != 0
        if is_bull == (bear[i] != 0):
            continue
        rng = h[i] - lo[i]
        if rng <= 0.0:
            continue
        if is_bull:
            _put(i, 1, (min(o[i], c[i]) - lo[i]) / rng, min_conf, direction, conf)
        else:
            _put(i, -1, (h[i] - max(o[i], c[i])) / rng, min_conf, direction, conf)
    return direction, conf


@njit
def engulfing_kernel(o: FloatArray, c: FloatArray, raw: Flags, min_conf: float) -> Out:
    direction, conf = _new(len(c))
    for i in range(1, len(c)):
        if raw[i] == 0:
            continue
        body = abs(c[i] - o[i])
        if body <= 0.0:
            continue
        prev = abs(c[i - 1] - o[i - 1])
        cf = abs(raw[i]) / 100.0 * (1.0 - 0.5 * prev / body)
        _put(i, 1 if raw[i] > 0 else -1, cf, min_conf, direction, conf)
    return direction, conf


@njit
def doji_kernel(  # noqa: PLR0917  # numba kernels take flat arguments
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    found: Flags,
    lookback: int,
    min_conf: float,
) -> Out:
    direction, conf = _new(len(c))
    for i in range(len(c)):
        if found[i] == 0:
            continue
        rng = h[i] - lo[i]
        cf = 1.0 - abs(c[i] - o[i]) / rng if rng > 0.0 else 1.0
        if cf <= 0.0 or cf < min_conf:
            continue
        d = 0
        j = i - 1 - lookback
        if lookback > 0 and j >= 0:
            move = c[i - 1] - c[j]
            d = -1 if move > 0 else (1 if move < 0 else 0)
        direction[i] = d
        conf[i] = min(cf, 1.0)
    return direction, conf


@njit
def inside_bar_kernel(  # noqa: PLR0917  # numba kernels take flat arguments
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    strict: bool,
    min_conf: float,
) -> Out:
    direction, conf = _new(len(c))
    for i in range(1, len(c)):
        if strict:
            inside = h[i] < h[i - 1] and lo[i] > lo[i - 1]
        else:
            inside = h[i] <= h[i - 1] and lo[i] >= lo[i - 1]
        mother = h[i - 1] - lo[i - 1]
        if not inside or mother <= 0.0:
            continue
        cf = 1.0 - (h[i] - lo[i]) / mother
        if cf <= 0.0 or cf < min_conf:
            continue
        colour = c[i - 1] - o[i - 1]
        direction[i] = 1 if colour > 0 else (-1 if colour < 0 else 0)
        conf[i] = min(cf, 1.0)
    return direction, conf


@njit
def star_kernel(o: FloatArray, c: FloatArray, bull: Flags, bear: Flags, min_conf: float) -> Out:
    direction, conf = _new(len(c))
    for i in range(2, len(c)):
        is_bull = bull[i] != 0
        if is_bull == (bear[i] != 0):
            continue
        first_body = abs(o[i - 2] - c[i - 2])
        if first_body <= 0.0:
            continue
        if is_bull:
            _put(i, 1, (c[i] - c[i - 2]) / first_body, min_conf, direction, conf)
        else:
            _put(i, -1, (c[i - 2] - c[i]) / first_body, min_conf, direction, conf)
    return direction, conf


__all__ = [
    "doji_kernel",
    "engulfing_kernel",
    "inside_bar_kernel",
    "pin_bar_kernel",
    "shadow_kernel",
    "star_kernel",
]
