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
Volumes within ``1e-10 × total`` of each other count as a tie, so rounding never decides;
a row that a bar covers entirely gets exactly ``volume / (high - low) × row width`` from
it, so rows covered by the same bars are exactly equal however narrow the range.
Bars with a NaN high, low, close or volume are left out; a profile with no volume is NaN
(a range profile then has NaN edges too).

Cost and speed reference: a rolling profile costs O(bins) per bar (the entering and
leaving bars, the POC and the value-area walk) while the window's price range holds,
and O(window · bins) when it moves, since the rows are defined on that range and every
row then changes (on a random walk it moves on ~45% of bars at window 20, ~20% at 100).
TA-Lib has no profile, and none of its functions does comparable work, so the
benchmark's "TA-Lib-class C" peer is this same algorithm as plain C loops compiled with
``-O3 -march=native``, checked bit-identical (the numba kernel matches its speed);
TA-Lib ``CCI`` over the window, an O(window) rescan with two flops per window bar, is
printed beside it for information. Rows on a fixed price grid (tick-quantised) would
save the O(window · bins) recomputation but not the per-bar POC and value-area work,
and would answer a different question, so there is no such variant.
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


def _table(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, mode: int
) -> FloatArray:
    table = np.empty((profile_kernels.TABLE_ROWS, len(close)))
    profile_kernels.prepare(high, low, close, volume, mode, table)
    return table


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
    ``O(bins)`` per bar while the window's price range holds, ``O(window · bins)`` when it
    moves (see the module docstring).
    """
    h, lo, c, v = as_hlcv(high, low, close, volume)
    w = check_int("window", window)
    b = check_int("bins", bins)
    fraction = check_float("value_area", value_area, minimum=0.0, maximum=1.0, inclusive_min=False)
    table = _table(h, lo, c, v, _mode(distribution))
    n = len(c)
    poc, vah, val = np.empty(n), np.empty(n), np.empty(n)
    profile_kernels.rolling_profile(table, w, fraction, poc, vah, val, np.empty(b))
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
    table = _table(h[part], lo[part], c[part], v[part], _mode(distribution))
    n = stop - first
    poc, vah, val = np.empty(n), np.empty(n), np.empty(n)
    volumes = np.empty(b)
    # A fixed range is the rolling profile's one full window.
    bottom, width = profile_kernels.rolling_profile(table, n, fraction, poc, vah, val, volumes)
    edges = bottom + width * np.arange(b + 1, dtype=np.float64)
    return VolumeProfile(
        edges=edges, volumes=volumes, poc=float(poc[-1]), vah=float(vah[-1]), val=float(val[-1])
    )


__all__ = ["Distribution", "VolumeProfile", "volume_profile", "volume_profile_range"]
