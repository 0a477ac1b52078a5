"""Walk-forward: window planning, parameter choice per window, stitched OOS equity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import BacktestConfig, Intents, MarketData, run_backtest
from tradegraph.backtest.optimize import OptimizeSettings, SearchMethod, optimize
from tradegraph.backtest.space import ParameterSpace
from tradegraph.backtest.strategies import SmaCrossParams, get_strategy, sma_cross
from tradegraph.backtest.walkforward import (
    WalkForwardConfig,
    Window,
    plan_windows,
    slice_market,
    walk_forward,
)
from tradegraph.core.errors import ValidationError
from tradegraph.data import synthetic_ohlcv

CONFIG = BacktestConfig(commission_pct=0.001)
SPACE = ParameterSpace.parse(["fast=5:20:5", "slow=20:60:10"], ["fast < slow"])
SETTINGS = OptimizeSettings(objective="return", workers=1)


def test_rolling_windows_by_hand() -> None:
    windows = plan_windows(20, WalkForwardConfig(train=8, test=4))
    assert windows == (
        Window(0, 0, 8, 8, 12),
        Window(1, 4, 12, 12, 16),
        Window(2, 8, 16, 16, 20),
    )


def test_anchored_windows_by_hand() -> None:
    windows = plan_windows(19, WalkForwardConfig(train=8, test=4, anchored=True))
    assert windows == (Window(0, 0, 8, 8, 12), Window(1, 0, 12, 12, 16))  # 3 bars unused


def test_too_few_bars_and_bad_sizes() -> None:
    with pytest.raises(ValidationError, match="too few"):
        plan_windows(11, WalkForwardConfig(train=8, test=4))
    with pytest.raises(ValidationError, match="at least 2"):
        WalkForwardConfig(train=1, test=4)


@settings(max_examples=200, deadline=None)
@given(
    bars=st.integers(4, 3_000),
    train=st.integers(2, 800),
    test=st.integers(2, 400),
    anchored=st.booleans(),
)
def test_window_invariants(*, bars: int, train: int, test: int, anchored: bool) -> None:
    config = WalkForwardConfig(train=train, test=test, anchored=anchored)
    if bars < train + test:
        with pytest.raises(ValidationError):
            plan_windows(bars, config)
        return
    windows = plan_windows(bars, config)
    assert len(windows) == (bars - train) // test
    assert windows[0].test_start == train
    for k, w in enumerate(windows):
        assert w.index == k
        assert w.train_end == w.test_start  # train precedes test, adjacent
        assert w.test_bars == test
        assert 0 <= w.train_start < w.train_end
        assert w.test_end <= bars
        if anchored:
            assert w.train_start == 0
        else:
            assert w.train_bars == train
        if k:
            assert windows[k - 1].test_end == w.test_start  # contiguous, no overlap
    assert bars - windows[-1].test_end < test  # no further full test window fits


def _market(seed: int = 3, bars: int = 3_000) -> MarketData:
    return MarketData.from_frame(synthetic_ohlcv("1h", bars, seed=seed), symbol="SYN")


def test_oos_equity_stitches_and_matches_independent_runs() -> None:
    market = _market()
    wf = WalkForwardConfig(train=1_000, test=500)
    result = walk_forward(market, get_strategy("sma_cross"), SPACE, CONFIG, wf, settings=SETTINGS)
    assert [w.window.test_start for w in result.windows] == [1_000, 1_500, 2_000, 2_500]
    assert result.unused_bars == 0
    cash = CONFIG.cash
    pieces = []
    for w in result.windows:
        win = w.window
        # the parameters are the training optimum found independently
        train = slice_market(market, win.train_start, win.train_end)
        found = optimize(train, get_strategy("sma_cross"), SPACE, CONFIG, SETTINGS)
        assert w.params == found.best_params
        assert w.in_sample["total_return"] == pytest.approx(found.best_score)
        # the OOS run: signals computed with the train bars as history, traded on test bars
        history = slice_market(market, win.train_start, win.test_end)
        signals = sma_cross(history, SmaCrossParams(int(w.params["fast"]), int(w.params["slow"])))
        offset = win.test_start - win.train_start
        intents = Intents(
            entry_long=np.asarray(signals.entry_long)[offset:],
            entry_short=np.asarray(signals.entry_short)[offset:],
        )
        cfg = BacktestConfig(commission_pct=0.001, cash=cash, close_at_end=True)
        alone = run_backtest(slice_market(market, win.test_start, win.test_end), intents, cfg)
        assert w.start_equity == cash  # continues from the previous window's end
        np.testing.assert_array_equal(w.oos.equity_values, alone.equity_values)
        cash = alone.final_equity
        pieces.append(alone.equity_values)
    stitched = np.concatenate(pieces)
    np.testing.assert_array_equal(result.equity.to_numpy(), stitched)
    assert result.equity.index.equals(market.times()[1_000:3_000])
    # continuity: total return is the product of the windows' returns
    growth = np.prod([w.final_equity / w.start_equity for w in result.windows])
    assert result.stats.final_equity == pytest.approx(CONFIG.cash * growth, rel=1e-12)
    assert result.stats.equity.total_return == pytest.approx(growth - 1, rel=1e-9)
    assert result.stats.trades.trades == sum(w.oos.stats.trades.trades for w in result.windows)
    trades = result.trades
    assert (trades["entry_bar"] >= 1_000).all()
    assert trades.groupby("window")["entry_bar"].min().is_monotonic_increasing
    table = result.window_table()
    assert list(table["window"]) == [0, 1, 2, 3]
    assert {"fast", "slow", "is_total_return", "oos_total_return"} <= set(table.columns)


def test_future_bars_do_not_change_earlier_windows() -> None:
    market = _market(seed=9)
    wf = WalkForwardConfig(train=800, test=400, anchored=True)
    base = walk_forward(market, get_strategy("sma_cross"), SPACE, CONFIG, wf, settings=SETTINGS)
    cut = base.windows[1].window.test_end
    scale = np.ones((market.bars, 1))
    scale[cut:] = np.linspace(1.0, 3.0, market.bars - cut).reshape(-1, 1)
    changed = MarketData.from_arrays(
        market.open * scale,
        market.high * scale,
        market.low * scale,
        market.close * scale,
        index_ns=market.index_ns,
        symbols=market.symbols,
    )
    other = walk_forward(changed, get_strategy("sma_cross"), SPACE, CONFIG, wf, settings=SETTINGS)
    for k in (0, 1):
        assert other.windows[k].params == base.windows[k].params
        np.testing.assert_array_equal(
            other.windows[k].oos.equity_values, base.windows[k].oos.equity_values
        )
        assert other.windows[k].window.train_start == 0  # anchored


def test_progress_and_random_search() -> None:
    market = _market(bars=2_000)
    seen: list[tuple[int, int]] = []
    settings_ = OptimizeSettings(method=SearchMethod.RANDOM, trials=5, seed=1, workers=2)
    result = walk_forward(
        market,
        get_strategy("sma_cross"),
        SPACE,
        CONFIG,
        WalkForwardConfig(train=1_000, test=300),
        settings=settings_,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(result.windows) == 3
    assert result.unused_bars == 100
    assert all(w.evaluations == 5 for w in result.windows)
    assert seen[-1] == (15, 15)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
