"""Sweeps give the same numbers as one backtest per combination, on 1 or 2 threads."""

from __future__ import annotations

import numpy as np
import pytest

from tradegraph.backtest import BacktestConfig, MarketData, run_backtest
from tradegraph.backtest.strategies import SmaCrossParams, get_strategy, sma_cross
from tradegraph.backtest.sweep import run_sweep
from tradegraph.core.errors import ValidationError


def _market() -> MarketData:
    rng = np.random.default_rng(11)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 3_000)))
    open_ = np.concatenate([[100.0], close[:-1]])
    return MarketData.from_arrays(
        open_, np.maximum(open_, close) * 1.002, np.minimum(open_, close) * 0.998, close
    )


def test_sweep_matches_individual_runs_and_ranks() -> None:
    market = _market()
    cfg = BacktestConfig(commission_pct=0.001)
    combos = [{"fast": f, "slow": s} for f in (5, 10) for s in (20, 30, 40)]
    one = run_sweep(market, get_strategy("sma_cross"), combos, cfg, workers=1)
    two = run_sweep(market, get_strategy("sma_cross"), combos, cfg, workers=2)
    assert one.table.drop(columns="engine_s").equals(two.table.drop(columns="engine_s"))
    for row in one.table.itertuples():
        single = run_backtest(market, sma_cross(market, SmaCrossParams(row.fast, row.slow)), cfg)
        assert row.final_equity == pytest.approx(single.final_equity, rel=1e-12)
        assert row.trades == single.stats.trades.trades
    best = one.table["sharpe"].max()
    assert one.best["sharpe"] == best
    heat = one.heatmap()
    assert heat.shape == (3, 2)  # rows slow, columns fast
    assert heat.loc[30, 10] == pytest.approx(
        one.table.query("fast == 10 and slow == 30")["sharpe"].item()
    )


def test_sweep_rejects_bad_input() -> None:
    market = _market()
    with pytest.raises(ValidationError, match="objective"):
        run_sweep(market, get_strategy("sma_cross"), [{"fast": 5, "slow": 9}], objective="x")
    with pytest.raises(ValidationError, match="empty"):
        run_sweep(market, get_strategy("sma_cross"), [])
    with pytest.raises(ValidationError, match="fast < slow"):
        run_sweep(market, get_strategy("sma_cross"), [{"fast": 9, "slow": 5}])
