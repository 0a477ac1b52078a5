"""Metrics checked against independent pandas/numpy computations and hand examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import ValidationError
from tradegraph.portfolio import (
    buy_and_hold_return,
    equity_stats,
    infer_periods_per_year,
    trade_stats,
)


def _reference(equity: np.ndarray, initial: float, ppy: float) -> dict[str, float]:
    curve = pd.Series(np.concatenate([[initial], equity]))
    r = curve.pct_change().dropna()
    peak = curve.cummax()
    dd = 1 - curve / peak
    below = (curve < peak).astype(int)
    runs = below.groupby((below == 0).cumsum()).cumsum()
    years = len(equity) / ppy
    cagr = (equity[-1] / initial) ** (1 / years) - 1
    downside = math.sqrt(float((np.minimum(r, 0) ** 2).mean()))
    return {
        "total_return": equity[-1] / initial - 1,
        "cagr": cagr,
        "volatility": r.std(ddof=1) * math.sqrt(ppy),
        "sharpe": r.mean() / r.std(ddof=1) * math.sqrt(ppy),
        # undefined ratios (no losing bar, no drawdown) are NaN by convention
        "sortino": r.mean() / downside * math.sqrt(ppy) if downside > 0 else math.nan,
        "max_drawdown": dd.max(),
        "max_drawdown_bars": int(runs.max()),
        "calmar": cagr / dd.max() if dd.max() > 0 else math.nan,
    }


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 400))
def test_equity_stats_match_pandas(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    equity = 1000 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, n)))
    ref = _reference(equity, 1000.0, 252.0)
    got = equity_stats(equity, 1000.0, 252.0)
    for name, expected in ref.items():
        value = getattr(got, name)
        if math.isnan(expected):
            assert math.isnan(value), name
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), name


def test_drawdown_by_hand() -> None:
    # peak 120 at bar 1, trough 90 (25% down), recovers at bar 5: 3 bars below the peak
    equity = np.array([110.0, 120.0, 100.0, 90.0, 115.0, 125.0, 124.0])
    s = equity_stats(equity, 100.0, 252.0)
    assert s.max_drawdown == pytest.approx(0.25)
    assert s.max_drawdown_bars == 3
    assert s.total_return == pytest.approx(0.24)


def test_trade_stats_by_hand() -> None:
    pnl = np.array([100.0, -50.0, 30.0, -20.0])
    returns = np.array([0.1, -0.05, 0.03, -0.02])
    r = np.array([2.0, -1.0, np.nan, -0.4])
    held = np.array([3.0, 1.0, 2.0, 2.0])
    s = trade_stats(pnl, returns, r, held)
    assert s.trades == 4
    assert s.win_rate == 0.5
    assert s.profit_factor == pytest.approx(130 / 70)
    assert s.expectancy == pytest.approx(15.0)
    assert s.avg_r == pytest.approx(0.2)
    assert s.sqn == pytest.approx(2 * 15.0 / np.std(pnl, ddof=1))
    assert s.avg_bars_held == 2.0
    assert (s.best_trade, s.worst_trade) == (0.1, -0.05)


def test_trade_stats_edge_cases() -> None:
    empty = np.array([])
    assert trade_stats(empty, empty, empty, empty).trades == 0
    one = np.array([5.0])
    s = trade_stats(one, one, np.array([np.nan]), one)
    assert s.profit_factor == math.inf
    assert math.isnan(s.avg_r)
    assert math.isnan(s.sqn)


def test_periods_per_year_and_buy_and_hold() -> None:
    hours = np.arange(0, 48, dtype=np.int64) * 3_600 * 10**9
    assert infer_periods_per_year(hours) == pytest.approx(365.25 * 24)
    assert buy_and_hold_return(np.array([100.0, 50.0, 150.0])) == pytest.approx(0.5)
    two = np.array([[100.0, 10.0], [110.0, 5.0]])
    assert buy_and_hold_return(two) == pytest.approx((0.1 - 0.5) / 2)


def test_invalid_inputs_are_named() -> None:
    with pytest.raises(ValidationError, match="equity"):
        equity_stats(np.array([]), 100.0, 252.0)
    with pytest.raises(ValidationError, match="periods_per_year"):
        equity_stats(np.array([1.0]), 100.0, 0.0)
