"""Numba kernels of the volume profile (see ``profile.py`` for the definition).

Row volumes are computed densely: a spread bar adds ``density * overlap(bar, row)`` to
every row (zero where it does not overlap), one branch-free loop over the rows that
numba/LLVM vectorises; a point bar adds its volume to one row. The same row arithmetic
serves the rolling and the fixed-range profile: a fixed range is the rolling kernel's
last window (``window = stop - start``), so the two agree by construction.

The rolling kernel keeps the current window's row volumes. While the window's price
range ``[bottom, top]`` (tracked with two monotonic deques in ring buffers) is unchanged,
a step adds the entering bar and subtracts the leaving one (O(rows)); when it changes,
the rows are recomputed from the window's bars (O(window · rows)). The extreme bar
leaves the window at most ``window`` bars after it entered, so the rows are recomputed
at least that often, which bounds floating-point drift. Ties are decided with a
tolerance of ``_TIE * total volume`` so that rounding never changes a result.

Performance notes (measured, see ``benchmarks/bench_indicators.py``):

- The hot loop calls no helper that takes arrays: numba reference-counts array
  arguments of non-inlined calls (and of ``inline="always"`` ones), and those atomic
  increments were most of the old kernel's time.
- The value-area walk is branch-free: its comparisons go 50/50, so branches mispredict.
  The conditional additions pick their operand by index (a zero sentinel), which keeps
  the additions, and so the results, exactly those of ``acc += (up if take_up else 0)
  + (down if take_down else 0)``.
- Outputs and the per-bar table are allocated by the caller (numpy, so large arrays
  get transparent huge pages), the deques live in small ring buffers.
"""

from __future__ import annotations

import math

import numpy as np

from tradegraph.indicators.inputs import FloatArray
from tradegraph.indicators.jit import kernel

_TIE = 1e-10  # relative tolerance under which two row volumes count as equal
_LANES = 4  # rows are padded to a multiple of this so the row loop has no scalar tail
LO, HI, PRICE, VOL, DENSITY = 0, 1, 2, 3, 4
TABLE_ROWS = 5


@kernel
def prepare(  # noqa: PLR0917 - numba kernels take their arguments positionally
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    mode: int,
    table: FloatArray,
) -> None:
    """Fill the per-bar table ``(5, n)``: low, high, point price, volume, spread density.

    Invalid (NaN) bars get ``low=+inf, high=-inf, volume=0`` so they are ignored.
    ``density > 0`` marks a bar spread over its range; otherwise its volume sits at
    ``price``.
    """
    n = close.shape[0]
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


@kernel
def rolling_profile(  # noqa: PLR0912, PLR0915, PLR0917 - one fused hot loop
    table: FloatArray,
    window: int,
    fraction: float,
    poc_out: FloatArray,
    vah_out: FloatArray,
    val_out: FloatArray,
    last_rows: FloatArray,
) -> tuple[float, float]:
    """Per-bar POC, VAH, VAL of the profile of the last ``window`` bars, in place.

    ``last_rows`` (``bins`` entries) receives the row volumes of the last window (zeros
    when it has no volume); returns that window's ``(bottom, width)`` (``width`` NaN
    when it has no volume).
    """
    n = table.shape[1]
    bins = last_rows.shape[0]
    padded = (bins + _LANES - 1) // _LANES * _LANES
    # ``cells``: row r's volume at r + 1; -inf at 0 and past ``bins`` (sentinels that lose
    # every comparison of the value-area walk and stay -inf as the padding lanes of the
    # row loop add zeros to them); 0.0 at ``zero``, what a side not taken adds.
    zero = padded + 2
    cells = np.full(padded + 3, -np.inf)
    cells[1 : bins + 1] = 0.0
    cells[zero] = 0.0
    shifted = np.full(bins + 2, -np.inf)  # cells + tol
    edges = np.full(padded + 1, np.inf)  # rows past ``bins`` never overlap a bar
    lows = table[LO]
    highs = table[HI]
    prices = table[PRICE]
    vols = table[VOL]
    densities = table[DENSITY]
    capacity = 1
    while capacity <= window:
        capacity *= 2
    mask = capacity - 1
    q_min = np.empty(capacity, dtype=np.int64)
    q_max = np.empty(capacity, dtype=np.int64)
    min_head = min_tail = max_head = max_tail = 0
    bottom = top = width = inverse = np.nan
    total = 0.0
    active = 0  # bars with volume in the window; exact, unlike the float total
    for i in range(n):
        x = lows[i]
        while min_tail > min_head and lows[q_min[(min_tail - 1) & mask]] >= x:
            min_tail -= 1
        q_min[min_tail & mask] = i
        min_tail += 1
        x = highs[i]
        while max_tail > max_head and highs[q_max[(max_tail - 1) & mask]] <= x:
            max_tail -= 1
        q_max[max_tail & mask] = i
        max_tail += 1
        start = i - window + 1
        if q_min[min_head & mask] < start:
            min_head += 1
        if q_max[max_head & mask] < start:
            max_head += 1
        if start < 0:
            poc_out[i] = vah_out[i] = val_out[i] = np.nan
            continue
        new_bottom = lows[q_min[min_head & mask]]
        new_top = highs[q_max[max_head & mask]]
        # The bars to add (sign +1) or remove (-1): ``first + t * step`` for t < count.
        if new_bottom == bottom and new_top == top and start > 0:
            first, step, count, dsign = i, -window, 2, -2.0
            total += vols[i] - vols[start - 1]
            active += int(vols[i] > 0.0) - int(vols[start - 1] > 0.0)
        else:
            first, step, count, dsign = start, 1, window, 0.0
            bottom = new_bottom
            top = new_top
            width = (top - bottom) / bins
            inverse = 1.0 / width if width > 0.0 else 0.0
            if bottom <= top:
                for r in range(bins):
                    edges[r] = bottom + r * width
                edges[bins] = top
            for r in range(1, bins + 1):
                cells[r] = 0.0
            total = 0.0
            active = 0
            for j in range(start, i + 1):
                total += vols[j]
                active += int(vols[j] > 0.0)
        for t in range(count):
            j = first + t * step
            v = vols[j]
            if v == 0.0:
                continue
            sign = 1.0 + t * dsign
            if width == 0.0:
                cells[1] += sign * v
                continue
            density = densities[j]
            if density > 0.0:
                lo = lows[j]
                hi = highs[j]
                d = sign * density
                for r in range(padded):
                    upper = edges[r + 1]
                    lower = edges[r]
                    overlap = (hi if hi < upper else upper) - (lo if lo > lower else lower)
                    overlap = overlap if overlap > 0.0 else 0.0
                    # A covered row gets exactly ``width`` (not its edges' difference,
                    # which carries the rounding of the price level), so rows that the
                    # same bars cover are exactly equal and tie as they should.
                    cells[r + 1] += d * (width if (lo <= lower) & (hi >= upper) else overlap)
                continue
            b = min(max(int((prices[j] - bottom) * inverse), 0), bins - 1)
            cells[b + 1] += sign * v
        if active == 0 or not bottom <= top:
            poc_out[i] = vah_out[i] = val_out[i] = np.nan
            continue
        # POC: the lowest row within the tie tolerance of the largest.
        tol = _TIE * total
        largest = -np.inf
        for r in range(1, bins + 1):
            volume = cells[r]
            shifted[r] = volume + tol
            largest = max(largest, volume)
        limit = largest - tol
        poc = 1
        while cells[poc] < limit:
            poc += 1
        # Value area: grow from the POC, each step taking the larger neighbour (both on
        # a tie) until it holds ``fraction`` of the volume. Indices are unsigned so numba
        # emits no negative-index wraparound on this latency-bound chain.
        lo_row = poc
        hi_row = poc
        acc = cells[poc]
        target = fraction * total - tol
        while acc < target and hi_row - lo_row + 1 < bins:
            above = np.uint64(hi_row + 1)
            below = np.uint64(lo_row - 1)
            take_up = not cells[below] > shifted[above]
            take_down = not cells[above] > shifted[below]
            acc += (
                cells[np.uint64(zero + (hi_row + 1 - zero) * take_up)]
                + cells[np.uint64(zero + (lo_row - 1 - zero) * take_down)]
            )
            hi_row += take_up
            lo_row -= take_down
        poc_out[i] = bottom + (poc - 0.5) * width
        vah_out[i] = bottom + hi_row * width
        val_out[i] = bottom + (lo_row - 1) * width
    if n == 0 or active == 0 or not bottom <= top:
        last_rows[:] = 0.0
        return bottom, np.nan
    last_rows[:] = cells[1 : bins + 1]
    return bottom, width


__all__ = ["DENSITY", "HI", "LO", "PRICE", "TABLE_ROWS", "VOL", "prepare", "rolling_profile"]
