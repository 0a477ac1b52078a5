"""Compiled rolling-window kernels with a fixed summation order per window.

Every window is reduced on its own, front to back, so the value at bar t is bit-for-bit
the same whether it is computed over the whole history or over the last ``window`` bars
(what step mode does). Any NaN in a window gives NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
njit: Callable[..., Any] = numba.njit(cache=True, nogil=True)

MEAN, SUM, MIN, MAX, STD, CHANGE = 0, 1, 2, 3, 4, 5


@njit
def rolling(x: F64, window: int, op: int) -> F64:  # pragma: no cover - compiled
    n = x.shape[0]
    out = np.full(n, np.nan)
    if op == CHANGE:
        for t in range(window, n):
            out[t] = x[t] - x[t - window]
        return out
    for t in range(window - 1, n):
        start = t - window + 1
        bad = False
        acc = 0.0
        low = math.inf
        high = -math.inf
        for i in range(start, t + 1):
            v = x[i]
            if math.isnan(v):
                bad = True
                break
            acc += v
            low = min(low, v)
            high = max(high, v)
        if bad:
            continue
        if op == SUM:
            out[t] = acc
        elif op == MEAN:
            out[t] = acc / window
        elif op == MIN:
            out[t] = low
        elif op == MAX:
            out[t] = high
        else:
            mean = acc / window
            dev = 0.0
            for i in range(start, t + 1):
                dev += (x[i] - mean) ** 2
            out[t] = math.sqrt(dev / window)
    return out


@njit
def cross(a: F64, b: F64, above: bool) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled
    """a crosses above (or below) b at t: strict on both bars, NaN never crosses."""
    n = a.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for t in range(1, n):
        if above:
            out[t] = a[t - 1] < b[t - 1] and a[t] > b[t]
        else:
            out[t] = a[t - 1] > b[t - 1] and a[t] < b[t]
    return out


__all__ = ["CHANGE", "MAX", "MEAN", "MIN", "STD", "SUM", "cross", "rolling"]
