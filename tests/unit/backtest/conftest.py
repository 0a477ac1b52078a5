"""Helpers for hand-built backtest cases: bars written as (open, high, low, close).

Tests run with ``--import-mode=importlib``, so they get these through the ``bt`` fixture.
"""

from __future__ import annotations

import types
from collections.abc import Sequence

import numpy as np
import pytest

from tradegraph.backtest import MarketData

Bar = tuple[float, float, float, float]


def build_market(rows: Sequence[Bar] | Sequence[Sequence[Bar]]) -> MarketData:
    """One instrument from a list of bars, or several from a list of bar lists."""
    arr = np.asarray(rows, dtype=np.float64)
    # one instrument: bars x 4; several: instruments x bars x 4 -> bars x instruments x 4
    arr = arr[:, None, :] if arr.ndim == 2 else arr.transpose(1, 0, 2)
    return MarketData.from_arrays(arr[..., 0], arr[..., 1], arr[..., 2], arr[..., 3])


def flags(n: int, *bars: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(bars)] = True
    return out


def at(n: int, values: dict[int, float]) -> np.ndarray:
    out = np.full(n, np.nan)
    for bar, value in values.items():
        out[bar] = value
    return out


def flat(n: int, price: float = 100.0) -> list[Bar]:
    return [(price, price + 1, price - 1, price)] * n


@pytest.fixture
def bt() -> types.SimpleNamespace:
    return types.SimpleNamespace(build_market=build_market, flags=flags, at=at, flat=flat)
