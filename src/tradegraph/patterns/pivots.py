"""Swing pivots (fractals) and when they become known.

A pivot high at bar ``i`` is a high strictly above the ``left`` highs before it and at least
as high as the ``right`` highs after it (so on a plateau the first bar is the pivot); pivot
lows mirror this. The pivot is only *known* once its ``right`` bars have closed: its
``confirmed_index`` is ``i + right``. Anything causal built on pivots must only use those
with ``confirmed_index <= t`` at bar t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import (
    ArrayLike,
    BoolArray,
    FloatArray,
    Int8Array,
    IntArray,
    as_series,
    same_length,
)
from tradegraph.patterns.params import DetectorConfig, param

HIGH: int = 1
LOW: int = -1


@dataclass(frozen=True)
class PivotConfig(DetectorConfig):
    """Bars on each side that a swing pivot must dominate."""

    left: int = param(5, ge=1, le=500, doc="Bars before the pivot it must exceed.")
    right: int = param(5, ge=1, le=500, doc="Bars after the pivot (= confirmation delay).")


@dataclass(frozen=True, eq=False)
class Pivots:
    """Confirmed swing pivots, ordered by ``confirmed_index`` (then by index).

    ``kind`` is +1 for a pivot high and −1 for a pivot low.
    """

    index: IntArray
    price: FloatArray
    kind: Int8Array
    confirmed_index: IntArray

    def __len__(self) -> int:
        return len(self.index)

    def known_by(self, t: int) -> Pivots:
        """The pivots confirmed at or before bar ``t``."""
        k = int(np.searchsorted(self.confirmed_index, t, side="right"))
        return Pivots(self.index[:k], self.price[:k], self.kind[:k], self.confirmed_index[:k])

    def highs(self) -> Pivots:
        """Only the pivot highs."""
        return self._select(self.kind == HIGH)

    def lows(self) -> Pivots:
        """Only the pivot lows."""
        return self._select(self.kind == LOW)

    def _select(self, mask: BoolArray) -> Pivots:
        return Pivots(
            self.index[mask], self.price[mask], self.kind[mask], self.confirmed_index[mask]
        )


@njit
def _pivot_flags(values: FloatArray, left: int, right: int, sign: float) -> IntArray:
    """Indices of pivot highs of ``sign × values`` (sign −1 finds lows).

    Nearest neighbours are compared first: they reject most bars at once.
    """
    n = len(values)
    out = np.zeros(n, np.bool_)
    for i in range(left, n - right):
        v = sign * values[i]
        ok = True
        for d in range(1, left + 1):
            if sign * values[i - d] >= v:
                ok = False
                break
        if ok:
            for d in range(1, right + 1):
                if sign * values[i + d] > v:
                    ok = False
                    break
        out[i] = ok
    return np.flatnonzero(out)


def pivot_indices(values: FloatArray, left: int, right: int, *, high: bool) -> IntArray:
    """Indices of pivot highs (``high=True``) or lows of one series, NaN-free input."""
    return np.asarray(_pivot_flags(values, left, right, 1.0 if high else -1.0), dtype=np.int64)


def swing_pivots(
    high: ArrayLike,
    low: ArrayLike,
    config: PivotConfig = PivotConfig(),
) -> Pivots:
    """Pivot highs (from ``high``) and lows (from ``low``), each known ``right`` bars later."""
    h = as_series("high", high)
    lo = as_series("low", low)
    same_length(high=h, low=lo)
    hi_idx = pivot_indices(h, config.left, config.right, high=True)
    lo_idx = pivot_indices(lo, config.left, config.right, high=False)
    index = np.concatenate([hi_idx, lo_idx])
    kind = np.concatenate([np.full(len(hi_idx), HIGH, np.int8), np.full(len(lo_idx), LOW, np.int8)])
    price = np.concatenate([h[hi_idx], lo[lo_idx]])
    # both runs are sorted: a stable sort merges them, highs before lows on the same bar
    order = np.argsort(index, kind="stable")
    index = index[order]
    return Pivots(
        index=index,
        price=price[order],
        kind=kind[order],
        confirmed_index=index + config.right,
    )


__all__ = ["HIGH", "LOW", "PivotConfig", "Pivots", "pivot_indices", "swing_pivots"]
