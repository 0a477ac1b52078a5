"""Backtests under the drawdown guard: after SAFE_MODE trips, no new trade opens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegraph.backtest import BacktestConfig, Intents, MarketData, run_backtest
from tradegraph.backtest.config import Direction, Sizing
from tradegraph.backtest.guard import GuardLimits, first_halt, run_guarded_backtest
from tradegraph.core.errors import ValidationError
from tradegraph.risk import RiskConfig
from tradegraph.risk.kernels import risk_quantity

HOUR = 3_600 * 10**9
T0 = int(pd.Timestamp("2024-01-01", tz="UTC").value)


def market_from(close: np.ndarray) -> MarketData:
    times = T0 + np.arange(len(close), dtype=np.int64) * HOUR
    return MarketData.from_arrays(close, close * 1.001, close * 0.999, close, index_ns=times)


def test_first_halt_by_hand() -> None:
    times = T0 + np.arange(6, dtype=np.int64) * HOUR
    equity = np.array([100.0, 99.0, 95.0, 93.0, 91.0, 120.0])
    # daily limit 8% of the day's start (100): 92 or below trips, first at bar 4 (91)
    assert first_halt(equity, times, GuardLimits(daily_loss=0.08)) == 4
    assert first_halt(equity, times, GuardLimits(daily_loss=0.10)) is None
    # max drawdown 5% from the peak (100): 95 trips at bar 2
    assert first_halt(equity, times, GuardLimits(daily_loss=0.5, max_drawdown=0.05)) == 2


def test_daily_baseline_resets_at_midnight() -> None:
    times = T0 + np.array([0, 23, 24, 25], dtype=np.int64) * HOUR  # day 1, day 1, day 2, day 2
    equity = np.array([100.0, 93.0, 92.0, 86.0])
    # day 1 loses 7% (no trip at 8%); day 2 starts at 93 and 86 is a 7.5% loss: no trip
    assert first_halt(equity, times, GuardLimits(daily_loss=0.08)) is None
    assert first_halt(equity, times, GuardLimits(daily_loss=0.065)) == 1  # 7 >= 6.5 on day 1
    assert first_halt(equity, times, GuardLimits(daily_loss=0.076)) is None  # day 2: 7/93 = 7.53%
    assert first_halt(equity, times, GuardLimits(daily_loss=0.075)) == 3


def test_no_trade_opens_after_the_guard_trips_and_earlier_ones_are_unchanged() -> None:
    # a falling market with a long entry signal every 10 bars and an exit 5 bars later
    n = 400
    close = 100.0 * np.exp(np.cumsum(np.full(n, -0.004)))
    entries = np.zeros(n, dtype=bool)
    exits = np.zeros(n, dtype=bool)
    entries[::10] = True
    exits[5::10] = True
    market = market_from(close)
    intents = Intents(entry_long=entries, exit=exits)
    config = BacktestConfig(cash=10_000.0)
    plain = run_backtest(market, intents, config)
    guarded = run_guarded_backtest(market, intents, config, GuardLimits(daily_loss=0.03))
    assert guarded.halted_at is not None
    halted = guarded.halted_at
    trades = guarded.result.trades
    entry_bars = trades["entry_bar"].to_numpy() if "entry_bar" in trades else None
    times = market.times()
    entered = pd.to_datetime(trades["entry_time"], utc=True)
    assert (entered <= times[halted]).all()  # nothing opened after the trip bar's close
    assert len(trades) < len(plain.trades)
    # everything up to the trip is exactly the unguarded run (no look-ahead)
    np.testing.assert_array_equal(
        guarded.result.equity_values[: halted + 1], plain.equity_values[: halted + 1]
    )
    assert entry_bars is None or (entry_bars <= halted).all()
    # flat after the last pre-halt trade: equity is constant from then on
    tail = guarded.result.equity_values[halted + 10 :]
    assert np.all(tail == tail[0])


def test_limits_come_from_the_strategy_risk_config() -> None:
    limits = GuardLimits.from_risk_config(RiskConfig())
    assert limits.daily_loss == pytest.approx(0.08)
    assert limits.monthly_loss == pytest.approx(0.20)
    with pytest.raises(ValidationError, match="daily_loss"):
        GuardLimits(daily_loss=8.0)


def test_reverse_mode_is_refused() -> None:
    market = market_from(np.linspace(100, 90, 50))
    with pytest.raises(ValidationError, match="reverse"):
        run_guarded_backtest(
            market,
            Intents(entry_long=np.ones(50, bool)),
            BacktestConfig(direction=Direction.REVERSE),
        )


def test_risk_sizing_is_the_risk_engine_kernel() -> None:
    """sizing=RISK sizes entries with tradegraph.risk.kernels.risk_quantity (as live does)."""
    close = np.full(30, 100.0)
    market = market_from(close)
    entries = np.zeros(30, dtype=bool)
    entries[5] = True
    stop = np.full(30, 97.0)  # 3.0 below the fill at the next open (100.0)
    config = BacktestConfig(cash=10_000.0, sizing=Sizing.RISK, size=0.01, lot_size=0.5)
    result = run_backtest(market, Intents(entry_long=entries, stop_loss=stop), config)
    qty = float(result.trades["quantity"].iloc[0])
    expected = risk_quantity(10_000.0, 0.01, 100.0, 97.0, 1.0, 0.5)
    assert qty == expected == 33.0  # 100 at risk / 3.0 a unit = 33.33 -> 33.0 in 0.5 lots
