"""The one place that calls TA-Lib: typed wrappers around its untyped functions.

TA-Lib is the reference implementation wherever it has an indicator, so results are
returned exactly as TA-Lib computes them (its seeding and warm-up conventions included).
TA-Lib keeps two pieces of process-global state, the "unstable period" of the recursive
indicators and the compatibility mode; tradegraph never changes them and assumes their
defaults (0 and ``TA_COMPATIBILITY_DEFAULT``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import talib

from tradegraph.indicators.inputs import FloatArray


def _as_output(value: Any) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def call(name: str, *inputs: FloatArray, **params: int | float) -> FloatArray:
    """Run the single-output TA-Lib function ``name`` on float64 inputs."""
    function = getattr(talib, name)
    return _as_output(function(*inputs, **params))


def call_multi(name: str, *inputs: FloatArray, **params: int | float) -> tuple[FloatArray, ...]:
    """Run the multi-output TA-Lib function ``name``; outputs in TA-Lib's order."""
    function = getattr(talib, name)
    outputs = function(*inputs, **params)
    return tuple(_as_output(output) for output in outputs)


__all__ = ["call", "call_multi"]
