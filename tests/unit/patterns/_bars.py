"""Bar builders for the pattern tests: plain warm-up candles and seeded random walks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bars:
    open: Arr
    high: Arr
    low: Arr
    close: Arr
    volume: Arr

    def __len__(self) -> int:
        return len(self.close)

    def head(self, end: int) -> Bars:
        return Bars(*(a[:end] for a in self.columns()))

    def columns(self) -> tuple[Arr, Arr, Arr, Arr, Arr]:
        return self.open, self.high, self.low, self.close, self.volume

    def as_dict(self) -> dict[str, Arr]:
        return dict(zip(("open", "high", "low", "close", "volume"), self.columns(), strict=True))


def candles(rows: list[tuple[float, float, float, float]], volume: float = 100.0) -> Bars:
    """Bars from explicit (open, high, low, close) rows."""
    a = np.array(rows, dtype=np.float64)
    return Bars(
        a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy(), a[:, 3].copy(), np.full(len(a), volume)
    )


PLAIN = (100.0, 101.5, 99.5, 101.0)  # white body 1, range 2: triggers none of the patterns


def warmed(rows: list[tuple[float, float, float, float]], warmup: int = 15) -> Bars:
    """``warmup`` identical plain candles, then ``rows`` (TA-Lib averages need history)."""
    return candles([PLAIN] * warmup + rows)


def random_walk(seed: int, n: int, vol: float = 0.01) -> Bars:
    """A seeded geometric random walk with consistent OHLC and positive volume."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    open_ = np.empty(n)
    open_[0] = 100.0
    open_[1:] = close[:-1] * (1.0 + rng.normal(0.0, vol / 5, n - 1))
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, vol / 2, n)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, vol / 2, n)))
    volume = rng.lognormal(5.0, 0.6, n)
    return Bars(open_, high, low, close, volume)


def with_new_tail(bars: Bars, t: int, seed: int) -> Bars:
    """``bars`` with every bar after ``t`` replaced by a different random walk."""
    n = len(bars)
    if t >= n - 1:
        return bars
    other = random_walk(seed, n, vol=0.02)
    scale = bars.close[t] / other.close[t]
    cols = []
    for a, b in zip(bars.columns(), other.columns(), strict=True):
        out = a.copy()
        out[t + 1 :] = b[t + 1 :] * (1.0 if a is bars.volume else scale)
        cols.append(out)
    return Bars(*cols)
