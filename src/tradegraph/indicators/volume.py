"""Volume indicators: OBV (TA-Lib) and VWAP — session, rolling and anchored (own kernels).

VWAP is ``sum(typical_price * volume) / sum(volume)`` with ``typical_price =
(high + low + close) / 3``. A bar whose price or volume is NaN contributes nothing and
gets a NaN output; while the accumulated volume is zero the output is NaN.
"""

from __future__ import annotations

import math

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators import talib_bridge
from tradegraph.indicators.inputs import (
    FloatArray,
    IndexLike,
    IntArray,
    SeriesLike,
    as_float_array,
    as_hlc,
    as_hlcv,
    as_int64_array,
    check_int,
    same_length,
)
from tradegraph.indicators.jit import kernel
from tradegraph.model.timeframe import Timeframe

_MONDAY_OFFSET_NS = 4 * 86_400 * 1_000_000_000  # 1970-01-01 was a Thursday.


def obv(close: SeriesLike, volume: SeriesLike) -> FloatArray:
    """On-Balance Volume; starts at ``volume[0]`` like TA-Lib (no warm-up)."""
    c = as_float_array("close", close)
    v = as_float_array("volume", volume)
    same_length(close=c, volume=v)
    return talib_bridge.call("OBV", c, v)


def typical_price(high: SeriesLike, low: SeriesLike, close: SeriesLike) -> FloatArray:
    """``(high + low + close) / 3`` element-wise (the price every VWAP here weights)."""
    h, lo, c = as_hlc(high, low, close)
    return (h + lo + c) / 3.0


@kernel
def _vwap_segments_kernel(  # noqa: PLR0917 - numba kernels take their arguments positionally
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    segment: IntArray,
    start: int,
) -> FloatArray:
    """Cumulative VWAP from ``start``, restarting whenever ``segment`` changes.

    An empty ``segment`` array means one segment (no restarts).
    """
    n = close.shape[0]
    out = np.full(n, np.nan)
    restarts = segment.shape[0] == n
    pv = 0.0
    vol = 0.0
    for i in range(start, n):
        if restarts and i > start and segment[i] != segment[i - 1]:
            pv = 0.0
            vol = 0.0
        p = (high[i] + low[i] + close[i]) / 3.0
        v = volume[i]
        if math.isnan(p) or math.isnan(v):
            continue
        pv += p * v
        vol += v
        if vol != 0.0:
            out[i] = pv / vol
    return out


@kernel
def _vwap_rolling_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, window: int
) -> FloatArray:
    """Rolling-window VWAP; sums are re-accumulated exactly every ``window`` bars."""
    n = close.shape[0]
    price = (high + low + close) / 3.0
    out = np.full(n, np.nan)
    pv = 0.0
    vol = 0.0
    for i in range(n):
        if i % window == 0:
            # Exact re-summation of the bars already in the window bounds float drift.
            pv = 0.0
            vol = 0.0
            for j in range(max(0, i - window + 1), i):
                if not (math.isnan(price[j]) or math.isnan(volume[j])):
                    pv += price[j] * volume[j]
                    vol += volume[j]
        elif i >= window:
            j = i - window
            if not (math.isnan(price[j]) or math.isnan(volume[j])):
                pv -= price[j] * volume[j]
                vol -= volume[j]
        p = price[i]
        v = volume[i]
        if not (math.isnan(p) or math.isnan(v)):
            pv += p * v
            vol += v
        if i >= window - 1 and not math.isnan(p) and not math.isnan(v) and vol > 0.0:
            out[i] = pv / vol
    return out


def _session_ids(timestamps: IntArray, session: Timeframe, offset_ns: int) -> IntArray:
    length = session.nanoseconds
    origin = offset_ns + (_MONDAY_OFFSET_NS if session.seconds % 604_800 == 0 else 0)
    ids: IntArray = (timestamps - np.int64(origin)) // np.int64(length)
    return ids


def vwap_session(  # noqa: PLR0917 - five input columns come before `session`
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    timestamps_ns: IndexLike,
    session: str | Timeframe = "1d",
    *,
    offset_ns: int = 0,
) -> FloatArray:
    """VWAP that restarts at every session boundary.

    Sessions are the UTC calendar periods of ``session`` (``"1d"``, ``"4h"``, ``"1w"`` —
    weeks start on Monday), shifted by ``offset_ns`` (e.g. ``13.5 h`` in ns for a session
    that opens at 13:30 UTC). ``timestamps_ns`` are bar open times in epoch nanoseconds
    (or datetime64 / a DatetimeIndex) and must be non-decreasing.
    """
    h, lo, c, v = as_hlcv(high, low, close, volume)
    ts = as_int64_array("timestamps_ns", timestamps_ns)
    same_length(high=h, timestamps_ns=ts)
    period = Timeframe.parse(session)
    if isinstance(offset_ns, bool) or not isinstance(offset_ns, int | np.integer):
        raise ValidationError(
            f"Parameter 'offset_ns' must be an integer number of nanoseconds, got {offset_ns!r}.",
            hint="Pass e.g. offset_ns=int(13.5 * 3600e9) for a 13:30 UTC session open.",
        )
    if ts.size > 1 and bool(np.any(ts[1:] < ts[:-1])):
        first = int(np.argmax(ts[1:] < ts[:-1])) + 1
        raise ValidationError(
            f"Argument 'timestamps_ns' must be non-decreasing; it goes back at index {first}.",
            hint="Sort the bars by time before computing a session VWAP.",
        )
    segments = _session_ids(ts, period, int(offset_ns))
    return _vwap_segments_kernel(h, lo, c, v, segments, 0)


def vwap_rolling(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    window: int,
) -> FloatArray:
    """VWAP over the last ``window`` bars (the first ``window - 1`` values are NaN)."""
    h, lo, c, v = as_hlcv(high, low, close, volume)
    w = check_int("window", window)
    return _vwap_rolling_kernel(h, lo, c, v, w)


def vwap_anchored(
    high: SeriesLike,
    low: SeriesLike,
    close: SeriesLike,
    volume: SeriesLike,
    anchor_index: int,
) -> FloatArray:
    """VWAP accumulated from bar ``anchor_index`` on; NaN before the anchor."""
    h, lo, c, v = as_hlcv(high, low, close, volume)
    anchor = check_int("anchor_index", anchor_index, minimum=0)
    if anchor >= len(c):
        raise ValidationError(
            f"Parameter 'anchor_index' must be < the number of bars ({len(c)}), got {anchor}.",
            hint="Anchor on a bar that exists, e.g. the index of a swing low or an event.",
        )
    no_restarts = np.empty(0, dtype=np.int64)
    return _vwap_segments_kernel(h, lo, c, v, no_restarts, anchor)


__all__ = ["obv", "typical_price", "vwap_anchored", "vwap_rolling", "vwap_session"]
