"""Vectorised signal helpers (compiled, causal): crossovers of two series.

``cross_above(a, b)[t]`` is True when ``a[t-1] < b[t-1]`` and ``a[t] > b[t]`` (strict,
NaN compares False) - exactly backtesting.py's ``crossover(a, b)`` evaluated on bar t.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradegraph.backtest.jit import F64, kernel

Bool1D = npt.NDArray[np.bool_]


@kernel
def _crosses(a: F64, b: F64) -> tuple[Bool1D, Bool1D]:
    n = a.shape[0]
    up = np.zeros(n, dtype=np.bool_)
    down = np.zeros(n, dtype=np.bool_)
    for t in range(1, n):
        a0 = a[t - 1]
        b0 = b[t - 1]
        a1 = a[t]
        b1 = b[t]
        up[t] = a0 < b0 and a1 > b1
        down[t] = a0 > b0 and a1 < b1
    return up, down


def crosses(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[Bool1D, Bool1D]:
    """(a crosses above b, a crosses below b) per bar."""
    x = np.ascontiguousarray(a, dtype=np.float64)
    y = np.ascontiguousarray(b, dtype=np.float64)
    return _crosses(x, y)


__all__ = ["crosses"]
