"""Support and resistance levels from confirmed swing pivots, clustered by price.

Pivots (highs and lows alike) are processed in the order they become known. Each joins the
nearest existing level whose price is within ``tolerance_pct`` of it, or starts a new
level. A level's price is the mean of its pivots' prices, its ``touches`` the number of
pivots, and it becomes usable once it has ``min_touches`` (its ``confirmed_index``).

``strength = min(1, touches / saturation_touches) × 0.5 ** (age / half_life_bars)`` where
``age`` is the number of bars since the last touch (no decay when ``half_life_bars`` is 0).
Levels untouched for more than ``max_age_bars`` are ignored (kept forever when 0); a new
touch revives them.

Two views, one kernel, so they always agree:

* :func:`support_resistance` — per bar t, the nearest usable level at or below the close
  (support) and above it (resistance), using only pivots confirmed by t;
* :func:`levels_as_of` — the list of usable levels as of one bar (default: the last).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.patterns._jit import njit
from tradegraph.patterns.inputs import ArrayLike, FloatArray, IntArray, as_series, same_length
from tradegraph.patterns.params import DetectorConfig, param
from tradegraph.patterns.pivots import PivotConfig, swing_pivots

# per-bar support/resistance arrays, then the final level state (see _sr_kernel)
_KernelOut: TypeAlias = tuple[
    FloatArray,
    IntArray,
    FloatArray,
    FloatArray,
    IntArray,
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    int,
]


class LevelKind(StrEnum):
    """A level below (or at) the reference close is support, above it resistance."""

    SUPPORT = "support"
    RESISTANCE = "resistance"


@dataclass(frozen=True)
class LevelConfig(DetectorConfig):
    """How pivots are found and clustered into levels."""

    pivot_left: int = param(5, ge=1, le=500, doc="Pivot must exceed this many bars before.")
    pivot_right: int = param(5, ge=1, le=500, doc="Confirmation bars after a pivot.")
    tolerance_pct: float = param(
        0.005, gt=0, le=0.5, doc="A pivot within this fraction of a level's price joins it."
    )
    min_touches: int = param(2, ge=1, le=1000, doc="Pivots needed before a level is used.")
    saturation_touches: int = param(5, ge=1, le=1000, doc="Touches that give full strength.")
    half_life_bars: int = param(0, ge=0, doc="Strength halves per this many idle bars; 0=off.")
    max_age_bars: int = param(0, ge=0, doc="Ignore levels idle longer than this; 0 = never.")

    @property
    def pivots(self) -> PivotConfig:
        return PivotConfig(left=self.pivot_left, right=self.pivot_right)


@dataclass(frozen=True, slots=True)
class Level:
    """One support/resistance level as of some bar."""

    price: float
    kind: LevelKind
    touches: int
    strength: float
    first_index: int
    last_index: int
    confirmed_index: int


@dataclass(frozen=True, eq=False)
class NearestLevels:
    """Per bar: the nearest usable support (<= close) and resistance (> close).

    Prices are NaN and touches/strength 0 where no such level is known yet.
    """

    support: FloatArray
    support_touches: IntArray
    support_strength: FloatArray
    resistance: FloatArray
    resistance_touches: IntArray
    resistance_strength: FloatArray

    def __post_init__(self) -> None:
        for arr in (
            self.support,
            self.support_touches,
            self.support_strength,
            self.resistance,
            self.resistance_touches,
            self.resistance_strength,
        ):
            arr.flags.writeable = False

    def __len__(self) -> int:
        return len(self.support)


@njit
def _strength(count: int, last: int, t: int, saturation: int, half_life: int) -> float:
    s = min(1.0, count / saturation)
    if half_life > 0:
        s *= 0.5 ** ((t - last) / half_life)
    return s


@njit
def _upper_bound(prices: FloatArray, order: IntArray, nl: int, x: float) -> int:
    lo, hi = 0, nl
    while lo < hi:
        mid = (lo + hi) // 2
        if prices[order[mid]] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit
def _sr_kernel(  # noqa: PLR0912, PLR0915, PLR0917  # one tight loop is the point of a numba kernel
    piv_index: IntArray,
    piv_price: FloatArray,
    piv_conf: IntArray,
    close: FloatArray,
    tol: float,
    min_touches: int,
    saturation: int,
    half_life: int,
    max_age: int,
) -> _KernelOut:
    n = len(close)
    m = len(piv_index)
    prices = np.empty(m, np.float64)
    sums = np.empty(m, np.float64)
    counts = np.zeros(m, np.int64)
    first = np.empty(m, np.int64)
    last = np.empty(m, np.int64)
    eligible = np.full(m, -1, np.int64)
    order = np.empty(m, np.int64)
    nl = 0
    sup = np.full(n, np.nan)
    sup_t = np.zeros(n, np.int64)
    sup_s = np.zeros(n)
    res = np.full(n, np.nan)
    res_t = np.zeros(n, np.int64)
    res_s = np.zeros(n)
    p = 0
    sup_id = -1
    res_id = -1
    for t in range(n):
        changed = p < m and piv_conf[p] <= t
        while p < m and piv_conf[p] <= t:
            x = piv_price[p]
            pos = _upper_bound(prices, order, nl, x)
            best = -1
            best_d = np.inf
            for k in (pos - 1, pos):
                if 0 <= k < nl:
                    lp = prices[order[k]]
                    d = abs(x - lp)
                    if d <= tol * abs(lp) and d < best_d:
                        best, best_d = k, d
            if best >= 0:
                lid = order[best]
                sums[lid] += x
                counts[lid] += 1
                prices[lid] = sums[lid] / counts[lid]
                last[lid] = max(last[lid], piv_index[p])
                k = best
                while k > 0 and prices[order[k - 1]] > prices[order[k]]:
                    order[k - 1], order[k] = order[k], order[k - 1]
                    k -= 1
                while k < nl - 1 and prices[order[k + 1]] < prices[order[k]]:
                    order[k + 1], order[k] = order[k], order[k + 1]
                    k += 1
            else:
                lid = nl
                sums[lid] = x
                prices[lid] = x
                counts[lid] = 1
                first[lid] = piv_index[p]
                last[lid] = piv_index[p]
                for k in range(nl, pos, -1):
                    order[k] = order[k - 1]
                order[pos] = lid
                nl += 1
            if counts[lid] == min_touches:
                eligible[lid] = t
            p += 1
        c = close[t]
        # Reuse the previous bar's answer while no pivot changed the levels, nothing can
        # expire, and the close stayed between that support and resistance.
        reuse = (
            not changed
            and max_age <= 0
            and (sup_id < 0 or c >= prices[sup_id])
            and (res_id < 0 or c < prices[res_id])
        )
        if not reuse:
            sup_id = -1
            res_id = -1
            pos = _upper_bound(prices, order, nl, c)
            for k in range(pos - 1, -1, -1):
                lid = order[k]
                if eligible[lid] >= 0 and (max_age <= 0 or t - last[lid] <= max_age):
                    sup_id = lid
                    break
            for k in range(pos, nl):
                lid = order[k]
                if eligible[lid] >= 0 and (max_age <= 0 or t - last[lid] <= max_age):
                    res_id = lid
                    break
        if sup_id >= 0:
            sup[t] = prices[sup_id]
            sup_t[t] = counts[sup_id]
            sup_s[t] = _strength(counts[sup_id], last[sup_id], t, saturation, half_life)
        if res_id >= 0:
            res[t] = prices[res_id]
            res_t[t] = counts[res_id]
            res_s[t] = _strength(counts[res_id], last[res_id], t, saturation, half_life)
    return sup, sup_t, sup_s, res, res_t, res_s, prices, counts, first, last, eligible, order, nl


def _run(
    high: ArrayLike, low: ArrayLike, close: ArrayLike, config: LevelConfig
) -> tuple[FloatArray, _KernelOut]:
    h = as_series("high", high)
    lo = as_series("low", low)
    c = as_series("close", close)
    same_length(high=h, low=lo, close=c)
    piv = swing_pivots(h, lo, config.pivots)
    out = _sr_kernel(
        piv.index,
        piv.price,
        piv.confirmed_index,
        c,
        config.tolerance_pct,
        config.min_touches,
        config.saturation_touches,
        config.half_life_bars,
        config.max_age_bars,
    )
    return c, out


def support_resistance(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: LevelConfig = LevelConfig(),
) -> NearestLevels:
    """Causal per-bar nearest support and resistance (see the module docstring)."""
    _, (sup, sup_t, sup_s, res, res_t, res_s, *_state) = _run(high, low, close, config)
    return NearestLevels(sup, sup_t, sup_s, res, res_t, res_s)


def levels_as_of(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    config: LevelConfig = LevelConfig(),
    as_of: int | None = None,
) -> tuple[Level, ...]:
    """Usable levels known at bar ``as_of`` (default: the last bar), sorted by price.

    Uses only bars ``<= as_of``; ``kind`` is relative to the close of bar ``as_of``.
    """
    n = len(np.asarray(close))
    t = n - 1 if as_of is None else as_of
    if not 0 <= t < n:
        raise ValidationError(
            f"as_of={as_of} is outside the series of {n} bars.",
            hint=f"Pass a bar index in [0, {n - 1}] or None for the last bar.",
        )
    end = t + 1
    c, out = _run(np.asarray(high)[:end], np.asarray(low)[:end], np.asarray(close)[:end], config)
    prices, counts, first, last, eligible, order, nl = out[6:]
    ref = float(c[t])
    levels: list[Level] = []
    for lid in order[:nl]:
        age = t - int(last[lid])
        if eligible[lid] < 0 or (config.max_age_bars > 0 and age > config.max_age_bars):
            continue
        price = float(prices[lid])
        levels.append(
            Level(
                price=price,
                kind=LevelKind.SUPPORT if price <= ref else LevelKind.RESISTANCE,
                touches=int(counts[lid]),
                strength=float(
                    _strength(
                        int(counts[lid]),
                        int(last[lid]),
                        t,
                        config.saturation_touches,
                        config.half_life_bars,
                    )
                ),
                first_index=int(first[lid]),
                last_index=int(last[lid]),
                confirmed_index=int(eligible[lid]),
            )
        )
    return tuple(levels)


__all__ = [
    "Level",
    "LevelConfig",
    "LevelKind",
    "NearestLevels",
    "levels_as_of",
    "support_resistance",
]
