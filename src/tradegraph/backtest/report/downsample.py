"""Downsampling for charts: a million candles do not fit in a browser, so long series are
aggregated into buckets of ``factor`` consecutive bars (OHLC of the bucket: first open,
highest high, lowest low, last close). Lines take the bucket's last value; drawdowns the
bucket's largest, so the worst point stays visible. All vectorised (``reduceat``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: default candle budget of a report chart
MAX_CANDLES = 5_000


@dataclass(frozen=True, slots=True, eq=False)
class Buckets:
    """Consecutive groups of ``factor`` bars (the last may be shorter)."""

    bars: int
    factor: int
    starts: I64

    @classmethod
    def of(cls, bars: int, max_points: int = MAX_CANDLES) -> Buckets:
        factor = max(1, math.ceil(bars / max(1, max_points)))
        return cls(bars, factor, np.arange(0, bars, factor, dtype=np.int64))

    @property
    def count(self) -> int:
        return int(self.starts.size)

    @property
    def ends(self) -> I64:
        """Index of each bucket's last bar."""
        out: I64 = np.minimum(self.starts + self.factor, self.bars) - 1
        return out

    def first(self, values: npt.ArrayLike) -> npt.NDArray[np.generic]:
        return np.asarray(values)[self.starts]

    def last(self, values: npt.ArrayLike) -> npt.NDArray[np.generic]:
        return np.asarray(values)[self.ends]

    def max(self, values: npt.ArrayLike) -> F64:
        arr = np.asarray(values, dtype=np.float64)
        return arr if self.factor == 1 else np.maximum.reduceat(arr, self.starts)

    def min(self, values: npt.ArrayLike) -> F64:
        arr = np.asarray(values, dtype=np.float64)
        return arr if self.factor == 1 else np.minimum.reduceat(arr, self.starts)


@dataclass(frozen=True, slots=True, eq=False)
class Candles:
    """Candles ready to plot (``x`` are bar times, or bar numbers without times)."""

    x: pd.Index
    open: F64
    high: F64
    low: F64
    close: F64
    buckets: Buckets


def candles(
    x: pd.Index, open_: F64, high: F64, low: F64, close: F64, *, max_candles: int = MAX_CANDLES
) -> Candles:
    """OHLC downsampled to at most ``max_candles`` candles."""
    buckets = Buckets.of(len(close), max_candles)
    return Candles(
        x=x[buckets.starts],
        open=np.asarray(buckets.first(open_), dtype=np.float64),
        high=buckets.max(high),
        low=buckets.min(low),
        close=np.asarray(buckets.last(close), dtype=np.float64),
        buckets=buckets,
    )


__all__ = ["MAX_CANDLES", "Buckets", "Candles", "candles"]
