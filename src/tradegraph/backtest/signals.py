"""Vectorised signal helpers (compiled, causal): crossovers of two series.

``cross_above(a, b)[t]`` is True when ``a[t-1] < b[t-1]`` and ``a[t] > b[t]`` (strict,
NaN compares False) - exactly backtesting.py's ``crossover(a, b)`` evaluated on bar t.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tradegraph.backtest.jit import F64, kernel
from tradegraph.core.errors import ValidationError

Bool1D = npt.NDArray[np.bool_]


@kernel
def _crosses(a: F64, b: F64, up: Bool1D, down: Bool1D) -> None:
    n = a.shape[0]
    if n > 0:
        up[0] = False
        down[0] = False
    for t in range(1, n):
        a0 = a[t - 1]
        b0 = b[t - 1]
        a1 = a[t]
        b1 = b[t]
        # & rather than `and`: no branches, so the loop vectorises (same values)
        up[t] = (a0 < b0) & (a1 > b1)
        down[t] = (a0 > b0) & (a1 < b1)


def crosses(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[Bool1D, Bool1D]:
    """(a crosses above b, a crosses below b) per bar."""
    x = np.ascontiguousarray(a, dtype=np.float64)
    y = np.ascontiguousarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValidationError(
            f"crosses needs two 1-D series of one length, got shapes {x.shape} and {y.shape}.",
            hint="Compute both series on the same bars.",
        )
    # allocated by numpy rather than inside the kernel: numpy's allocations are reused
    # (and hugepage-backed when large), so repeated calls do not page-fault
    up = np.empty(x.shape[0], dtype=np.bool_)
    down = np.empty(x.shape[0], dtype=np.bool_)
    _crosses(x, y, up, down)
    return up, down


__all__ = ["crosses"]
