"""MarketData: the aligned OHLC arrays the engine simulates on (bars x instruments)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradegraph.backtest.jit import F64, kernel
from tradegraph.core.errors import DataFormatError

_FIELDS = ("open", "high", "low", "close")


@kernel
def _bad_in(  # noqa: PLR0917 - numba kernels take positional arguments
    open_: F64, high: F64, low: F64, close: F64, start: int, stop: int
) -> bool:
    """Whether any flat position in ``start..stop-1`` is non-finite or has high/low
    inside open/close (branch-free, so it vectorises)."""
    bad = False
    for i in range(start, stop):
        o = open_[i]
        h = high[i]
        lo = low[i]
        c = close[i]
        finite = (abs(o) < np.inf) & (abs(h) < np.inf) & (abs(lo) < np.inf) & (abs(c) < np.inf)
        bad |= (not finite) | (h < o) | (h < c) | (lo > o) | (lo > c)
    return bad


@kernel
def _first_bad_bar(open_: F64, high: F64, low: F64, close: F64) -> tuple[int, int]:
    """(bar, 1) for a non-finite price, (bar, 2) for high/low inside open/close."""
    n, k = close.shape
    o_flat = open_.reshape(n * k)
    h_flat = high.reshape(n * k)
    l_flat = low.reshape(n * k)
    c_flat = close.reshape(n * k)
    block = 4096
    for start in range(0, n * k, block):
        stop = min(start + block, n * k)
        if not _bad_in(o_flat, h_flat, l_flat, c_flat, start, stop):
            continue
        for i in range(start, stop):
            o = o_flat[i]
            h = h_flat[i]
            lo = l_flat[i]
            c = c_flat[i]
            if not (np.isfinite(o) and np.isfinite(h) and np.isfinite(lo) and np.isfinite(c)):
                return i // k, 1
            if h < o or h < c or lo > o or lo > c:
                return i // k, 2
    return -1, 0


def _as_2d(name: str, values: object) -> F64:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataFormatError(
            f"{name} must be 1-D (one instrument) or 2-D (bars x instruments), "
            f"got shape {arr.shape}.",
            hint="Pass one column per instrument.",
        )
    return np.ascontiguousarray(arr)


def _columns(frame: pd.DataFrame) -> dict[str, str]:
    lower = {str(c).lower(): str(c) for c in frame.columns}
    missing = [f for f in _FIELDS if f not in lower]
    if missing:
        raise DataFormatError(
            f"The market frame lacks column(s) {missing}; it has {list(frame.columns)}.",
            hint="Provide open, high, low and close columns (any letter case).",
        )
    return {f: lower[f] for f in _FIELDS}


def _index_ns(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        for name in ("timestamp", "time", "date", "datetime", "ts"):
            match = [c for c in frame.columns if str(c).lower() == name]
            if match:
                index = pd.DatetimeIndex(pd.to_datetime(frame[match[0]], utc=True))
                break
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class MarketData:
    """OHLC prices as C-contiguous ``(bars, instruments)`` float64 arrays plus the bar
    times (int64 nanoseconds, UTC; bar numbers when the input had no times)."""

    open: F64
    high: F64
    low: F64
    close: F64
    index_ns: npt.NDArray[np.int64]
    symbols: tuple[str, ...]

    @property
    def bars(self) -> int:
        return int(self.close.shape[0])

    @property
    def instruments(self) -> int:
        return int(self.close.shape[1])

    @property
    def has_times(self) -> bool:
        return bool(self.index_ns.size > 1 and self.index_ns[-1] > 10**15)

    def times(self) -> pd.DatetimeIndex | pd.RangeIndex:
        if self.has_times:
            return pd.DatetimeIndex(self.index_ns.astype("datetime64[ns]"), tz="UTC")
        return pd.RangeIndex(self.bars)

    @classmethod
    def from_arrays(
        cls,
        open: object,
        high: object,
        low: object,
        close: object,
        *,
        index_ns: Sequence[int] | npt.NDArray[np.int64] | None = None,
        symbols: Sequence[str] | None = None,
        validate: bool = True,
    ) -> MarketData:
        """Build from arrays (1-D for one instrument, 2-D bars x instruments)."""
        arrays = [_as_2d(n, v) for n, v in zip(_FIELDS, (open, high, low, close), strict=True)]
        shape = arrays[3].shape
        for name, arr in zip(_FIELDS, arrays, strict=True):
            if arr.shape != shape:
                raise DataFormatError(
                    f"{name} has shape {arr.shape} but close has {shape}.",
                    hint="All OHLC arrays must cover the same bars and instruments.",
                )
        index = (
            np.arange(shape[0], dtype=np.int64)
            if index_ns is None
            else np.asarray(index_ns, dtype=np.int64)
        )
        if index.shape != (shape[0],):
            raise DataFormatError(
                f"index has {index.size} entries for {shape[0]} bars.",
                hint="Give one timestamp per bar.",
            )
        names = tuple(symbols) if symbols is not None else tuple(f"I{i}" for i in range(shape[1]))
        if len(names) != shape[1]:
            raise DataFormatError(
                f"{len(names)} symbols for {shape[1]} instrument columns.",
                hint="Name every instrument column once.",
            )
        market = cls(arrays[0], arrays[1], arrays[2], arrays[3], index, names)
        if validate:
            market.validate()
        return market

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, symbol: str = "ASSET") -> MarketData:
        """Build from one OHLC(V) DataFrame (DatetimeIndex or a timestamp column)."""
        cols = _columns(frame)
        return cls.from_arrays(
            *(frame[cols[f]].to_numpy(dtype=np.float64) for f in _FIELDS),
            index_ns=_index_ns(frame),
            symbols=[symbol],
        )

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame]) -> MarketData:
        """Build a portfolio market from one frame per symbol; the frames must share one
        index (align them first, e.g. with the data package's alignment)."""
        if not frames:
            raise DataFormatError("No frames given.", hint="Pass {symbol: ohlc_frame}.")
        items = list(frames.items())
        first_index = _index_ns(items[0][1])
        for symbol, frame in items[1:]:
            if not np.array_equal(_index_ns(frame), first_index):
                raise DataFormatError(
                    f"The frame of {symbol!r} is not aligned with {items[0][0]!r}'s index.",
                    hint="Align all instruments to one bar index before backtesting.",
                )
        fields = [
            np.column_stack([fr[_columns(fr)[f]].to_numpy(np.float64) for _, fr in items])
            for f in _FIELDS
        ]
        return cls.from_arrays(*fields, index_ns=first_index, symbols=[s for s, _ in items])

    def validate(self) -> None:
        """Raise DataFormatError on non-finite prices or an inconsistent high/low."""
        bar, code = _first_bad_bar(self.open, self.high, self.low, self.close)
        if code == 1:
            raise DataFormatError(
                f"Bar {bar} has a missing or non-finite price.",
                hint="Drop or fill gaps before backtesting (see the data quality checks).",
            )
        if code == 2:
            raise DataFormatError(
                f"Bar {bar} has high/low inside its open/close (high must be the maximum "
                "and low the minimum of the bar).",
                hint="Check the column order (open, high, low, close) and the data source.",
            )


__all__ = ["MarketData"]
