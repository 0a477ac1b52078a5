"""The bar grid: which open times are legal for a timeframe.

Bars of up to a day open on multiples of their length since the Unix epoch (UTC midnight
for ``1d``, 00:00/04:00/... for ``4h``), which is what exchanges such as Binance use.
Weekly bars open on Monday 00:00 UTC (the Unix epoch was a Thursday, so the week grid is
shifted by four days).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from tradegraph.model.timeframe import Timeframe

_DAY_NS: Final = 86_400 * 1_000_000_000
WEEK_ANCHOR_NS: Final = 4 * _DAY_NS  # 1970-01-05, the first Monday after the epoch


def grid_offset_ns(timeframe: Timeframe) -> int:
    """Where the grid of ``timeframe`` is anchored, in ns since the epoch."""
    return WEEK_ANCHOR_NS if timeframe.seconds % (7 * 86_400) == 0 else 0


def floor_ns(times_ns: npt.NDArray[np.int64], timeframe: Timeframe) -> npt.NDArray[np.int64]:
    """The open time of the ``timeframe`` bar that contains each instant."""
    step = np.int64(timeframe.nanoseconds)
    offset = np.int64(grid_offset_ns(timeframe))
    shifted = np.asarray(times_ns, dtype=np.int64) - offset
    return (shifted // step) * step + offset


def on_grid(times_ns: npt.NDArray[np.int64], timeframe: Timeframe) -> npt.NDArray[np.bool_]:
    """True where a time is a legal bar open time of ``timeframe``."""
    values = np.asarray(times_ns, dtype=np.int64)
    return np.asarray(floor_ns(values, timeframe) == values, dtype=np.bool_)


__all__ = ["WEEK_ANCHOR_NS", "floor_ns", "grid_offset_ns", "on_grid"]
