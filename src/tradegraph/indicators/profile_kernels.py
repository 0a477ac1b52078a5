"""Numba kernels of the volume profile (see ``profile.py`` for the definition).

The rolling kernel keeps the current window's profile as row volumes plus a difference
array (for the rows a bar fully covers). While the window's price range ``[bottom, top]``
is unchanged, a step only adds the entering bar and removes the leaving one (O(1));
when the range changes the profile is rebuilt from the window's bars (O(window)). The
extreme bar leaves the window at most ``window`` bars after it entered, so the profile
is rebuilt at least that often, which bounds floating-point drift. Ties are decided with
a tolerance of ``_TIE * total volume`` so that rounding never changes a result.
"""

from __future__ import annotations

import math

import numpy as np

from tradegraph.indicators.inputs import FloatArray, IntArray
from tradegraph.indicators.jit import inline_kernel, kernel

_TIE = 1e-10  # relative tolerance under which two row volumes count as equal
LO, HI, PRICE, VOL, DENSITY = 0, 1, 2, 3, 4


@kernel
def prepare(
    high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray, mode: int
) -> FloatArray:
    """Per-bar table ``(5, n)``: low, high, point price, volume, spread density.

    Invalid (NaN) bars get ``low=+inf, high=-inf, volume=0`` so they are ignored.
    ``density > 0`` marks a bar spread over its range; otherwise its volume sits at
    ``price``.
    """
    n = close.shape[0]
    table = np.empty((5, n))
    for j in range(n):
        h = high[j]
        lo = low[j]
        c = close[j]
        v = volume[j]
        if math.isnan(h) or math.isnan(lo) or math.isnan(c) or math.isnan(v):
            table[LO, j] = np.inf
            table[HI, j] = -np.inf
            table[PRICE, j] = np.nan
            table[VOL, j] = 0.0
            table[DENSITY, j] = 0.0
            continue
        table[LO, j] = lo
        table[HI, j] = h
        table[VOL, j] = v
        spread = mode == 0 and h > lo and v > 0.0
        table[DENSITY, j] = v / (h - lo) if spread else 0.0
        if mode == 1:
            table[PRICE, j] = c
        elif mode == 2:
            table[PRICE, j] = (h + lo + c) / 3.0
        else:
            table[PRICE, j] = lo
    return table


@inline_kernel
def add_bar(  # noqa: PLR0917 - numba kernels take their arguments positionally
    rows: FloatArray,
    diff: FloatArray,
    table: FloatArray,
    j: int,
    sign: float,
    bottom: float,
    width: float,
    inverse: float,
) -> None:
    """Add (``sign=1``) or remove (``sign=-1``) bar ``j`` on the grid ``bottom + k*width``.

    ``diff`` has ``bins + 1`` entries (the last one is never read).
    """
    v = table[VOL, j]
    if v == 0.0:
        return
    bins = rows.shape[0]
    if width == 0.0:
        rows[0] += sign * v
        return
    density = table[DENSITY, j]
    if density > 0.0:
        # One branch-free formula for every case b0 <= b1: partial first and last rows,
        # ``density * width`` on the rows from b0 + 1 to b1 - 1 via the difference array
        # (when b0 == b1 the terms sum to the bar's volume; when b1 == b0 + 1 they cancel).
        lo = table[LO, j]
        hi = table[HI, j]
        b0 = min(int((lo - bottom) * inverse), bins - 1)
        b1 = min(int((hi - bottom) * inverse), bins - 1)
        d = sign * density
        rows[b0] += d * (bottom + (b0 + 1) * width - lo)
        rows[b1] += d * (hi - (bottom + b1 * width))
        diff[b0 + 1] += d * width
        diff[b1] -= d * width
        return
    b = min(max(int((table[PRICE, j] - bottom) * inverse), 0), bins - 1)
    rows[b] += sign * v


@inline_kernel
def finish(
    rows: FloatArray, diff: FloatArray, out: FloatArray, total: float, fraction: float
) -> tuple[int, int, int]:
    """Row volumes into ``out``; return (POC row, lowest and highest value-area rows)."""
    bins = rows.shape[0]
    tol = _TIE * total
    running = 0.0
    top = -np.inf
    for b in range(bins):
        running += diff[b]
        out[b] = rows[b] + running
        top = max(top, out[b])
    poc = 0
    while out[poc] < top - tol:
        poc += 1
    lo = poc
    hi = poc
    acc = out[poc]
    target = fraction * total - tol
    while acc < target and (lo > 0 or hi < bins - 1):
        up = out[hi + 1] if hi < bins - 1 else -np.inf
        down = out[lo - 1] if lo > 0 else -np.inf
        take_up = not down > up + tol  # take both on a tie
        take_down = not up > down + tol
        hi += take_up
        lo -= take_down
        acc += (up if take_up else 0.0) + (down if take_down else 0.0)
    return poc, lo, hi


@kernel
def range_profile(
    table: FloatArray, start: int, stop: int, fraction: float, out: FloatArray
) -> tuple[float, float, float, float, float]:
    """Profile of bars ``[start, stop)``: (bottom, width, poc, vah, val); NaN if no volume."""
    bins = out.shape[0]
    bottom = np.inf
    top = -np.inf
    total = 0.0
    for j in range(start, stop):
        bottom = min(bottom, table[LO, j])
        top = max(top, table[HI, j])
        total += table[VOL, j]
    out[:] = 0.0
    if not total > 0.0:
        return bottom, np.nan, np.nan, np.nan, np.nan
    width = (top - bottom) / bins
    inverse = 1.0 / width if width > 0.0 else 0.0
    rows = np.zeros(bins)
    diff = np.zeros(bins + 1)
    for j in range(start, stop):
        add_bar(rows, diff, table, j, 1.0, bottom, width, inverse)
    poc, lo, hi = finish(rows, diff, out, total, fraction)
    return (
        bottom,
        width,
        bottom + (poc + 0.5) * width,
        bottom + (hi + 1) * width,
        bottom + lo * width,
    )


@inline_kernel
def _push(  # noqa: PLR0917 - numba kernels take their arguments positionally
    queue: IntArray, head: int, tail: int, values: FloatArray, i: int, sign: float
) -> int:
    """Push ``i`` on a monotonic deque (``sign=1`` keeps maxima, ``-1`` minima)."""
    while tail > head and sign * values[queue[tail - 1]] <= sign * values[i]:
        tail -= 1
    queue[tail] = i
    return tail + 1


@kernel
def rolling_profile(
    table: FloatArray, window: int, bins: int, fraction: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-bar POC, VAH, VAL of the profile of the last ``window`` bars."""
    n = table.shape[1]
    poc_out = np.full(n, np.nan)
    vah_out = np.full(n, np.nan)
    val_out = np.full(n, np.nan)
    rows = np.zeros(bins)
    diff = np.zeros(bins + 1)
    out = np.zeros(bins)
    lows = table[LO]
    highs = table[HI]
    q_min = np.empty(n, dtype=np.int64)
    q_max = np.empty(n, dtype=np.int64)
    min_head = min_tail = max_head = max_tail = 0
    bottom = top = width = inverse = np.nan
    total = 0.0
    active = 0  # bars with volume in the window; exact, unlike the float total
    for i in range(n):
        min_tail = _push(q_min, min_head, min_tail, lows, i, -1.0)
        max_tail = _push(q_max, max_head, max_tail, highs, i, 1.0)
        start = i - window + 1
        if q_min[min_head] < start:
            min_head += 1
        if q_max[max_head] < start:
            max_head += 1
        if start < 0:
            continue
        new_bottom = lows[q_min[min_head]]
        new_top = highs[q_max[max_head]]
        if new_bottom == bottom and new_top == top and start > 0:
            add_bar(rows, diff, table, i, 1.0, bottom, width, inverse)
            add_bar(rows, diff, table, start - 1, -1.0, bottom, width, inverse)
            total += table[VOL, i] - table[VOL, start - 1]
            active += int(table[VOL, i] > 0.0) - int(table[VOL, start - 1] > 0.0)
        else:
            bottom = new_bottom
            top = new_top
            width = (top - bottom) / bins
            inverse = 1.0 / width if width > 0.0 else 0.0
            rows[:] = 0.0
            diff[:] = 0.0
            total = 0.0
            active = 0
            for j in range(start, i + 1):
                add_bar(rows, diff, table, j, 1.0, bottom, width, inverse)
                total += table[VOL, j]
                active += int(table[VOL, j] > 0.0)
        if active == 0 or not bottom <= top:
            continue
        poc, lo, hi = finish(rows, diff, out, total, fraction)
        poc_out[i] = bottom + (poc + 0.5) * width
        vah_out[i] = bottom + (hi + 1) * width
        val_out[i] = bottom + lo * width
    return poc_out, vah_out, val_out


__all__ = ["add_bar", "finish", "prepare", "range_profile", "rolling_profile"]
