"""Input coercion and validation shared by every indicator.

Every public indicator accepts numpy arrays, pandas Series or plain sequences and works on
one-dimensional, C-contiguous ``float64`` arrays (what TA-Lib and the numba kernels need).
Errors name the offending argument, say what was expected and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.errors import ValidationError

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
SeriesLike: TypeAlias = FloatArray | npt.NDArray[np.generic] | pd.Series | Sequence[float]
IndexLike: TypeAlias = npt.NDArray[np.generic] | pd.Series | pd.Index | Sequence[int]


def as_float_array(name: str, values: SeriesLike) -> FloatArray:
    """Return ``values`` as a 1-D contiguous float64 array (no copy when already one)."""
    if isinstance(values, pd.Series | pd.Index):
        raw: npt.NDArray[np.generic] = values.to_numpy()
    elif isinstance(values, np.ndarray):
        raw = values
    else:
        try:
            raw = np.asarray(values)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"Argument {name!r} could not be read as a numeric series ({exc}).",
                hint=f"Pass {name} as a 1-D numpy array, pandas Series or list of numbers.",
            ) from exc
    if raw.ndim != 1:
        raise ValidationError(
            f"Argument {name!r} must be one-dimensional, got shape {raw.shape}.",
            hint=f"Pass a single column for {name}, e.g. frame[{name!r}] or array[:, i].",
        )
    if raw.dtype.kind not in "biuf":
        raise ValidationError(
            f"Argument {name!r} must be numeric, got dtype {raw.dtype}.",
            hint=f"Convert {name} to floats first, e.g. series.astype(float).",
        )
    return np.ascontiguousarray(raw, dtype=np.float64)


def as_int64_array(name: str, values: IndexLike) -> IntArray:
    """Return integer timestamps (ns since the epoch) as a 1-D contiguous int64 array.

    Accepts int64 arrays, ``datetime64`` arrays, pandas ``DatetimeIndex`` or datetime
    Series; timezone-aware values are converted to UTC nanoseconds.
    """
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
        raw: npt.NDArray[np.generic] = values.to_numpy()
    elif isinstance(values, np.ndarray):
        raw = values
    else:
        raw = np.asarray(values)
    if raw.ndim != 1:
        raise ValidationError(
            f"Argument {name!r} must be one-dimensional, got shape {raw.shape}.",
            hint=f"Pass {name} as a 1-D array of epoch nanoseconds.",
        )
    if raw.dtype.kind == "M":
        return np.ascontiguousarray(raw.astype("datetime64[ns]").view(np.int64))
    if raw.dtype.kind not in "iu":
        raise ValidationError(
            f"Argument {name!r} must hold integer epoch nanoseconds or datetime64, "
            f"got dtype {raw.dtype}.",
            hint="Pass frame.index.asi8 or a datetime64[ns] array.",
        )
    return np.ascontiguousarray(raw, dtype=np.int64)


def same_length(**arrays: FloatArray | IntArray) -> int:
    """Check that all named arrays have one length and return it."""
    lengths = {name: len(array) for name, array in arrays.items()}
    distinct = set(lengths.values())
    if len(distinct) > 1:
        listing = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise ValidationError(
            f"Input series have different lengths ({listing}).",
            hint="Pass columns of the same frame, aligned on one index.",
        )
    return distinct.pop() if distinct else 0


def as_hlc(
    high: SeriesLike, low: SeriesLike, close: SeriesLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Coerce high, low and close and check that they have one length."""
    h = as_float_array("high", high)
    lo = as_float_array("low", low)
    c = as_float_array("close", close)
    same_length(high=h, low=lo, close=c)
    return h, lo, c


def as_hlcv(
    high: SeriesLike, low: SeriesLike, close: SeriesLike, volume: SeriesLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Coerce high, low, close and volume and check that they have one length."""
    h = as_float_array("high", high)
    lo = as_float_array("low", low)
    c = as_float_array("close", close)
    v = as_float_array("volume", volume)
    same_length(high=h, low=lo, close=c, volume=v)
    return h, lo, c, v


def check_int(name: str, value: int, *, minimum: int = 1) -> int:
    """Validate an integer parameter (a period, a window, a bin count)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValidationError(
            f"Parameter {name!r} must be an integer, got {value!r} ({type(value).__name__}).",
            hint=f"Pass {name} as a whole number >= {minimum}.",
        )
    if value < minimum:
        raise ValidationError(
            f"Parameter {name!r} must be >= {minimum}, got {value}.",
            hint=f"Use {name}={minimum} or more.",
        )
    return int(value)


def check_float(
    name: str,
    value: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    inclusive_min: bool = True,
) -> float:
    """Validate a finite float parameter (a multiplier, a fraction)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValidationError(
            f"Parameter {name!r} must be a number, got {value!r} ({type(value).__name__}).",
            hint=f"Pass {name} as a float.",
        )
    number = float(value)
    if not np.isfinite(number):
        raise ValidationError(
            f"Parameter {name!r} must be finite, got {number}.",
            hint=f"Pass a finite value for {name}.",
        )
    if minimum is not None and (number < minimum or (not inclusive_min and number == minimum)):
        relation = ">=" if inclusive_min else ">"
        raise ValidationError(
            f"Parameter {name!r} must be {relation} {minimum}, got {number}.",
            hint=f"Choose {name} {relation} {minimum}.",
        )
    if maximum is not None and number > maximum:
        raise ValidationError(
            f"Parameter {name!r} must be <= {maximum}, got {number}.",
            hint=f"Choose {name} <= {maximum}.",
        )
    return number


def nan_array(length: int) -> FloatArray:
    """An all-NaN float64 array (the output of an indicator on too little data)."""
    return np.full(length, np.nan, dtype=np.float64)


__all__ = [
    "FloatArray",
    "IndexLike",
    "IntArray",
    "SeriesLike",
    "as_float_array",
    "as_hlc",
    "as_hlcv",
    "as_int64_array",
    "check_float",
    "check_int",
    "nan_array",
    "same_length",
]
