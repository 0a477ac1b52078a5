"""Synthetic OHLCV bars for the indicator tests: a seeded geometric random walk.

Tests run with ``--import-mode=importlib``, so they cannot import this module; they get
the data through the ``bars`` / ``make_bars`` fixtures and import ``Bars`` for typing only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

HOUR_NS = 3_600_000_000_000


@dataclass(frozen=True)
class Bars:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    timestamp: np.ndarray

    def columns(self) -> dict[str, np.ndarray]:
        return {
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "volume": self.volume,
            "timestamp": self.timestamp,
        }


def make_bars(n: int, seed: int) -> Bars:
    """Random-walk bars with consistent OHLC (low <= open, close <= high) and positive volume."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.empty(n)
    open_[0] = 100.0
    open_[1:] = close[:-1]
    span = np.abs(rng.normal(0.0, 0.006, n)) * close
    high = np.maximum(open_, close) + span * rng.random(n)
    low = np.minimum(open_, close) - span * rng.random(n)
    volume = rng.lognormal(8.0, 0.7, n)
    timestamp = np.int64(1_700_000_000) * 1_000_000_000 + np.arange(n, dtype=np.int64) * HOUR_NS
    return Bars(open_, high, low, close, volume, timestamp)


@pytest.fixture(scope="session")
def bars() -> Bars:
    return make_bars(600, seed=42)


@pytest.fixture(scope="session", name="make_bars")
def make_bars_fixture() -> Callable[[int, int], Bars]:
    return make_bars
