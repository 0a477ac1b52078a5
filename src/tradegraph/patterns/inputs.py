"""Validation of the price and volume arrays every detector takes.

Detectors work on one-dimensional, C-contiguous float64 arrays of equal length. Prices must
be finite: a missing bar is a data-quality problem to fix upstream, not something a pattern
should silently skip. Errors name the argument, say what was expected and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import DataFormatError, ValidationError

FloatArray: TypeAlias = npt.NDArray[np.float64]
Int8Array: TypeAlias = npt.NDArray[np.int8]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ArrayLike: TypeAlias = npt.NDArray[np.generic] | Sequence[float]


def as_series(name: str, values: ArrayLike, *, finite: bool = True) -> FloatArray:
    """Return ``values`` as a 1-D contiguous float64 array (no copy when it already is one).

    With ``finite=True`` (prices, volume) NaN or infinite values are rejected; indicator
    series (RSI, MACD) pass ``finite=False`` because they are NaN during their warm-up.
    """
    raw = np.asarray(values)
    if raw.ndim != 1:
        raise ValidationError(
            f"Argument {name!r} must be one-dimensional, got shape {raw.shape}.",
            hint=f"Pass a single column for {name}, e.g. frame[{name!r}].to_numpy().",
        )
    if raw.dtype.kind not in "biuf":
        raise ValidationError(
            f"Argument {name!r} must be numeric, got dtype {raw.dtype}.",
            hint=f"Convert {name} to floats first, e.g. array.astype(float).",
        )
    arr = np.ascontiguousarray(raw, dtype=np.float64)
    if finite:
        bad = ~np.isfinite(arr)
        if bad.any():
            first = int(np.argmax(bad))
            raise DataFormatError(
                f"Argument {name!r} has {int(bad.sum())} NaN or infinite value(s), the first "
                f"at index {first}; expected finite values for every bar.",
                hint="Drop or fill missing bars before pattern detection "
                "(see the data quality checks).",
            )
    return arr


def same_length(**arrays: FloatArray) -> int:
    """Check that all arrays have one common length and return it."""
    lengths = {name: len(arr) for name, arr in arrays.items()}
    distinct = set(lengths.values())
    if len(distinct) > 1:
        listing = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValidationError(
            f"Input arrays have different lengths ({listing}); expected one length per bar.",
            hint="Pass columns of the same frame, aligned bar by bar.",
        )
    return distinct.pop() if distinct else 0


def ohlc(
    open_: ArrayLike, high: ArrayLike, low: ArrayLike, close: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate four price columns (finite, 1-D, equal length)."""
    o = as_series("open", open_)
    h = as_series("high", high)
    lo = as_series("low", low)
    c = as_series("close", close)
    same_length(open=o, high=h, low=lo, close=c)
    return o, h, lo, c


def volume_series(volume: ArrayLike, n: int) -> FloatArray:
    """Validate a volume column: finite, non-negative, ``n`` bars long."""
    v = as_series("volume", volume)
    if len(v) != n:
        raise ValidationError(
            f"Argument 'volume' has {len(v)} bars, expected {n} like the price arrays.",
            hint="Pass the volume column of the same frame.",
        )
    if (v < 0).any():
        first = int(np.argmax(v < 0))
        raise DataFormatError(
            f"Argument 'volume' is negative at index {first}; expected volume >= 0.",
            hint="Fix the data source; volume is a non-negative quantity.",
        )
    return v


def shift(values: FloatArray, periods: int = 1, fill: float = np.nan) -> FloatArray:
    """``values`` delayed by ``periods`` bars (``out[t] = values[t - periods]``)."""
    out = np.empty_like(values)
    if periods >= len(values):
        out[:] = fill
        return out
    out[:periods] = fill
    out[periods:] = values[: len(values) - periods]
    return out


__all__ = [
    "ArrayLike",
    "BoolArray",
    "FloatArray",
    "Int8Array",
    "IntArray",
    "as_series",
    "ohlc",
    "same_length",
    "shift",
    "volume_series",
]
