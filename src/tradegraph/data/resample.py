"""Resampling: aggregate bars of a lower timeframe into a higher one.

Rules (the ones every exchange and charting tool uses): a higher bar's open is the first
constituent open, its high the highest high, its low the lowest low, its close the last
close, its volume the sum. Higher bars sit on the grid of ``tradegraph.data.grid`` (weeks
open on Monday 00:00 UTC). Constituent bars whose open/high/low/close has a NaN are left
out; a missing volume counts as zero.

A higher bar is *complete* when the source data reaches its close: there is a later source
bar, or the last constituent bar closes exactly at (or after) the higher bar's close. The
trailing bar of a series that stops mid-period is incomplete: it is returned (so a caller
can show it) but flagged, and ``Resampled.complete_bars()`` leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import (
    PRICE_COLUMNS,
    empty_ohlcv,
    from_arrays,
    times_ns,
    validate_ohlcv,
)
from tradegraph.data.grid import floor_ns
from tradegraph.model.timeframe import Timeframe


@dataclass(frozen=True, slots=True, eq=False)
class Resampled:
    """Higher-timeframe bars plus, per bar, whether it is complete and how many bars built it."""

    timeframe: Timeframe
    bars: pd.DataFrame
    complete: npt.NDArray[np.bool_]
    counts: npt.NDArray[np.int64]

    @property
    def has_incomplete_tail(self) -> bool:
        return bool(len(self.complete) and not self.complete[-1])

    def complete_bars(self) -> pd.DataFrame:
        """Only the complete bars (a contract frame)."""
        if self.complete.all():
            return self.bars
        return self.bars[self.complete]


def check_resample_pair(source: Timeframe, target: Timeframe) -> None:
    """Raise ``ValidationError`` unless ``source`` bars can be aggregated into ``target``."""
    if target.seconds <= source.seconds or not source.divides(target):
        raise ValidationError(
            f"Cannot resample {source} bars into {target} bars.",
            hint="The target must be a longer timeframe that is a whole multiple of the "
            "source (1m → 5m/15m/1h/4h/1d/1w).",
        )


def resample_ohlcv(frame: pd.DataFrame, source: Timeframe, target: Timeframe) -> Resampled:
    """Aggregate a contract frame of ``source`` bars into ``target`` bars."""
    check_resample_pair(source, target)
    validate_ohlcv(frame, what="resample input")
    ns = times_ns(frame)
    o, h, low, c = (frame[name].to_numpy() for name in PRICE_COLUMNS)
    volume = frame["volume"].to_numpy()
    unusable = np.isnan(o) | np.isnan(h) | np.isnan(low) | np.isnan(c)
    if unusable.any():
        keep = ~unusable
        ns, o, h, low, c, volume = (a[keep] for a in (ns, o, h, low, c, volume))
    if np.isnan(volume).any():
        volume = np.nan_to_num(volume, nan=0.0)
    if len(ns) == 0:
        return Resampled(target, empty_ohlcv(), np.zeros(0, np.bool_), np.zeros(0, np.int64))
    buckets = floor_ns(ns, target)
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    ends = np.append(starts[1:], len(ns))
    opens = o[starts]
    highs = np.maximum.reduceat(h, starts)
    lows = np.minimum.reduceat(low, starts)
    closes = c[ends - 1]
    volumes = np.add.reduceat(volume, starts)
    open_times = buckets[starts]
    complete = np.ones(len(starts), dtype=np.bool_)
    last_close = int(times_ns(frame)[-1]) + source.nanoseconds
    complete[-1] = last_close >= int(open_times[-1]) + target.nanoseconds
    bars = from_arrays(open_times, (opens, highs, lows, closes, volumes))
    return Resampled(target, bars, complete, (ends - starts).astype(np.int64))


__all__ = ["Resampled", "check_resample_pair", "resample_ohlcv"]
