"""Volume profile: point of control (POC) and value area (VAH/VAL) — own numba kernels.

A profile splits the price range ``[min(low), max(high)]`` of a set of bars into ``bins``
equal rows and adds up the volume traded in each row. How a bar's volume is placed:

- ``"range"`` (default): spread uniformly over the bar's ``[low, high]`` range, each row
  getting the share of the range it overlaps (a zero-range bar puts all in one row);
- ``"close"``: all of it in the row of the close;
- ``"typical"``: all of it in the row of ``(high + low + close) / 3``.

The POC is the centre of the row with the most volume (the lowest such row on a tie).
The value area grows from the POC row one row at a time, each step adding whichever
neighbour row (above or below) holds more volume, both on a tie, until it holds at least
``value_area`` of the total volume; VAH/VAL are the upper/lower edges of its outer rows.
Volumes within ``1e-10 × total`` of each other count as a tie, so rounding never decides.
Bars with a NaN high, low, close or volume are left out; a profile with no volume is NaN
(a range profile then has NaN edges too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import profile_kernels
from tradegraph.indicators.inputs import (
    FloatArray,
    SeriesLike,
    as_hlcv,
    check_float,
    check_int,
)
from tradegraph.indicators.results import VolumeProfileResult

Distribution = Literal["range", "close", "typical"]
_MODES: dict[str, int] = {"range": 0, "close": 1, "typical": 2}


@dataclass(frozen=True, slots=True)
class VolumeProfile:
    """One volume profile over a fixed range of bars."""

    edges: FloatArray  # ``bins + 1`` row boundaries, ascending
    volumes: FloatArray  # volume per row
    poc: float
    vah: float
    val: float


def _mode(distribution: str) -> int:
    if distribution not in _MODES:
        raise ValidationError(
            f"Parameter 'distribution' must be one of {sorted(_MODES)}, got {distribution!r}.",
            hint="Use 'range' to spread each bar's volume over its high-low range.",
        )
    return _MODES[distribution]


def volume_profile(  # noqa: PLR0917 - four input columns come before `window`
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    window: int,
    bins: int = 24,
    value_area: float = 0.7,
    *,
    distribution: Distribution = "range",
) -> VolumeProfileResult:
    """Rolling volume profile of the last ``window`` bars (current bar included).

    Returns per-bar POC, VAH and VAL; the first ``window - 1`` values are NaN. Cost is
    ``O(window + bins)`` per bar.
    """
    h, lo, c, v = as_hlcv(high, low, close, volume)
    w = check_int("window", window)
    b = check_int("bins", bins)
    fraction = check_float("value_area", value_area, minimum=0.0, maximum=1.0, inclusive_min=False)
    table = profile_kernels.prepare(h, lo, c, v, _mode(distribution))
    poc, vah, val = profile_kernels.rolling_profile(table, w, b, fraction)
    return VolumeProfileResult(poc=poc, vah=vah, val=val)


def volume_profile_range(  # noqa: PLR0917 - four input columns come before `start`
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    start: int,
    stop: int,
    bins: int = 24,
    value_area: float = 0.7,
    *,
    distribution: Distribution = "range",
) -> VolumeProfile:
    """Volume profile of bars ``[start, stop)`` (a fixed range, e.g. a session or a swing)."""
    h, lo, c, v = as_hlcv(high, low, close, volume)
    first = check_int("start", start, minimum=0)
    if not isinstance(stop, int) or isinstance(stop, bool) or not first < stop <= len(c):
        raise ValidationError(
            f"Parameter 'stop' must be an integer with start < stop <= {len(c)}, got {stop!r}.",
            hint="Pass a non-empty half-open bar range [start, stop) inside the series.",
        )
    b = check_int("bins", bins)
    fraction = check_float("value_area", value_area, minimum=0.0, maximum=1.0, inclusive_min=False)
    part = slice(first, stop)
    table = profile_kernels.prepare(h[part], lo[part], c[part], v[part], _mode(distribution))
    volumes = np.zeros(b)
    bottom, width, poc, vah, val = profile_kernels.range_profile(
        table, 0, stop - first, fraction, volumes
    )
    edges = bottom + width * np.arange(b + 1, dtype=np.float64)
    return VolumeProfile(
        edges=edges, volumes=volumes, poc=float(poc), vah=float(vah), val=float(val)
    )


__all__ = ["Distribution", "VolumeProfile", "volume_profile", "volume_profile_range"]
