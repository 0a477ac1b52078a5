"""Equity statistics of long curves (many of the metrics pass's 1,024-bar blocks, flat
stretches, drawdowns longer than a block) agree with an independent pandas computation,
and a backtest's ``stats`` are those of its own equity curve and trades."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import BacktestConfig, Direction, Intents, MarketData, run_backtest
from tradegraph.portfolio import equity_stats


def _curve(seed: int, n: int) -> np.ndarray:
    """A random walk with flat stretches (no position) and a long slide."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0002, 0.01, n)
    flat = rng.random(n) < 0.4
    steps[flat] = 0.0
    start = int(rng.integers(0, n // 2))
    steps[start : start + int(rng.integers(1_100, n // 2))] = -0.0004  # keeps half random
    return 1_000 * np.exp(np.cumsum(steps))


def _reference(equity: np.ndarray, initial: float, ppy: float) -> dict[str, float]:
    curve = pd.Series(np.concatenate([[initial], equity]))
    r = curve.pct_change().dropna().to_numpy()
    peak = curve.cummax()
    below = (curve < peak).astype(int)
    runs = below.groupby((below == 0).cumsum()).cumsum()
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    std = float(np.std(r, ddof=1))
    return {
        "volatility": std * math.sqrt(ppy),
        "sharpe": float(np.mean(r)) / std * math.sqrt(ppy),
        "sortino": float(np.mean(r)) / downside * math.sqrt(ppy),
        "max_drawdown": float((1 - curve / peak).max()),
        "max_drawdown_bars": int(runs.max()),
    }


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2_400, 9_000))
def test_long_equity_curves_match_pandas(seed: int, n: int) -> None:
    equity = _curve(seed, n)
    got = equity_stats(equity, 1_000.0, 252.0)
    for name, expected in _reference(equity, 1_000.0, 252.0).items():
        assert getattr(got, name) == pytest.approx(expected, rel=1e-9), name


def test_a_drawdown_spanning_many_blocks_is_measured_by_hand() -> None:
    # up to 2,000 at bar 99, down to 500 at bar 5,099, recovering to 1,990 at bar 5,999
    # (5,900 bars below the peak), a new high at bar 6,000
    up = np.linspace(1_010.0, 2_000.0, 100)
    down = np.linspace(1_999.0, 500.0, 5_000)
    back = np.concatenate([np.linspace(510.0, 1_990.0, 900), [2_100.0]])
    equity = np.concatenate([up, down, back])
    s = equity_stats(equity, 1_000.0, 252.0)
    assert s.max_drawdown == pytest.approx(0.75)
    assert s.max_drawdown_bars == 5_900


def test_backtest_stats_are_those_of_its_equity_and_trades() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    market = MarketData.from_arrays(
        open_, np.maximum(open_, close) * 1.001, np.minimum(open_, close) * 0.999, close
    )
    intents = Intents(entry_long=rng.random(n) < 0.01, entry_short=rng.random(n) < 0.01)
    result = run_backtest(
        market, intents, BacktestConfig(commission_pct=0.001, direction=Direction.BOTH)
    )
    ref = _reference(result.equity_values, 10_000.0, result.periods_per_year)
    for name, expected in ref.items():
        assert getattr(result.stats.equity, name) == pytest.approx(expected, rel=1e-9), name
    closed = result.trades[result.trades["exit_reason"] != "open"]
    assert result.stats.trades.trades == len(closed) > 50
    assert result.stats.trades.win_rate == pytest.approx((closed["pnl"] > 0).mean())
