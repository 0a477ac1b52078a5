"""Causal rolling-window helpers (each output at bar t uses bars <= t only)."""

from __future__ import annotations

import numpy as np
import talib

from tradegraph.patterns.inputs import FloatArray, shift


def prior_max(values: FloatArray, window: int) -> FloatArray:
    """Highest of the ``window`` values *before* bar t (NaN until there are that many)."""
    if window == 1:
        return shift(values, 1)
    return shift(np.asarray(talib.MAX(values, timeperiod=window), dtype=np.float64), 1)


def prior_min(values: FloatArray, window: int) -> FloatArray:
    """Lowest of the ``window`` values *before* bar t (NaN until there are that many)."""
    if window == 1:
        return shift(values, 1)
    return shift(np.asarray(talib.MIN(values, timeperiod=window), dtype=np.float64), 1)


__all__ = ["prior_max", "prior_min"]
