"""Hand-computed cases: fill timing, fees, slippage, rounding, sizing, direction modes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import talib

from tradegraph.backtest import (
    BacktestConfig,
    Direction,
    FillMode,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.core.errors import ValidationError

STEPS = [
    (100.0, 101.0, 99.0, 100.0),
    (100.0, 101.0, 99.0, 100.0),
    (102.0, 103.0, 101.0, 102.0),
    (104.0, 105.0, 103.0, 104.0),
    (106.0, 107.0, 105.0, 106.0),
    (106.0, 107.0, 105.0, 106.0),
]


def _long_1_exit_3(bt: SimpleNamespace, **cfg: object) -> tuple[object, object]:
    m = bt.build_market(STEPS)
    res = run_backtest(
        m, Intents(entry_long=bt.flags(6, 1), exit=bt.flags(6, 3)), BacktestConfig(**cfg)
    )
    return res, res.trades


def test_signal_fills_at_next_open_by_default(bt: SimpleNamespace) -> None:
    res, trades = _long_1_exit_3(bt)
    assert len(trades) == 1
    t = trades.iloc[0]
    assert (t.entry_bar, t.exit_bar) == (2, 4)
    assert (t.entry_price, t.exit_price) == (102.0, 106.0)
    assert t.quantity == 98  # floor(10_000 * 0.9999 / 102)
    assert t.pnl == pytest.approx(98 * 4)
    assert res.equity_values.tolist() == pytest.approx(
        [10_000, 10_000, 10_000, 4 + 98 * 104, 10_392, 10_392]
    )
    assert t.exit_reason == "signal"


def test_close_fill_mode_fills_on_the_signal_bar_close(bt: SimpleNamespace) -> None:
    res, trades = _long_1_exit_3(bt, fill=FillMode.CLOSE)
    t = trades.iloc[0]
    assert (t.entry_bar, t.exit_bar, t.entry_price, t.exit_price) == (1, 3, 100.0, 104.0)
    assert t.quantity == 99
    assert res.final_equity == pytest.approx(100 + 99 * 104)


def test_percent_and_fixed_commission(bt: SimpleNamespace) -> None:
    res, trades = _long_1_exit_3(bt, commission_pct=0.01, commission_fixed=1.0)
    t = trades.iloc[0]
    assert t.quantity == 97  # (9999 - 1) // (102 * 1.01)
    assert t.entry_fee == pytest.approx(0.01 * 97 * 102 + 1)
    assert t.exit_fee == pytest.approx(0.01 * 97 * 106 + 1)
    assert t.pnl == pytest.approx(97 * 4 - 99.94 - 103.82)
    assert res.final_equity == pytest.approx(10_184.24)
    assert res.fills["fee"].sum() == pytest.approx(99.94 + 103.82)


def test_slippage_in_basis_points_is_adverse_on_both_sides(bt: SimpleNamespace) -> None:
    _, trades = _long_1_exit_3(bt, slippage_bps=50)
    t = trades.iloc[0]
    assert t.entry_price == pytest.approx(102 * 1.005)
    assert t.exit_price == pytest.approx(106 * 0.995)
    assert t.quantity == 97


def test_slippage_as_atr_fraction_uses_the_previous_bars_atr(bt: SimpleNamespace) -> None:
    rng = np.random.default_rng(3)
    close = 100 + np.cumsum(rng.normal(0, 1, 40))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) + rng.uniform(0.1, 1, 40)
    low = np.minimum(open_, close) - rng.uniform(0.1, 1, 40)
    m = MarketData.from_arrays(open_, high, low, close)
    res = run_backtest(
        m,
        Intents(entry_long=bt.flags(40, 20), exit=bt.flags(40, 30)),
        BacktestConfig(slippage_atr=0.5, atr_period=5),
    )
    atr = talib.ATR(high, low, close, timeperiod=5)
    t = res.trades.iloc[0]
    assert t.entry_price == pytest.approx(open_[21] + 0.5 * atr[20])
    assert t.exit_price == pytest.approx(open_[31] - 0.5 * atr[30])


def test_tick_rounding_is_adverse_for_market_fills(bt: SimpleNamespace) -> None:
    _, trades = _long_1_exit_3(bt, slippage_bps=10, tick_size=0.25)
    t = trades.iloc[0]
    assert t.entry_price == 102.25  # 102.102 rounded up
    assert t.exit_price == 105.75  # 105.894 rounded down


def test_lot_rounding_floors_the_quantity(bt: SimpleNamespace) -> None:
    _, trades = _long_1_exit_3(bt, lot_size=0.01)
    assert trades.iloc[0].quantity == pytest.approx(98.02)
    _, trades = _long_1_exit_3(bt, lot_size=5)
    assert trades.iloc[0].quantity == 95


def test_fixed_quantity_and_rejection_when_unaffordable(bt: SimpleNamespace) -> None:
    _, trades = _long_1_exit_3(bt, sizing=Sizing.FIXED, size=10)
    assert trades.iloc[0].quantity == 10
    res, trades = _long_1_exit_3(bt, sizing=Sizing.FIXED, size=1000)
    assert len(trades) == 0
    assert res.rejected_orders == 1
    assert res.orders.iloc[0].status == "rejected"


def test_risk_sizing_from_stop_distance(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(6))
    res = run_backtest(
        m,
        Intents(entry_long=bt.flags(6, 1), stop_loss=bt.at(6, {1: 95.0})),
        BacktestConfig(sizing=Sizing.RISK, size=0.01),
    )
    assert res.trades.iloc[0].quantity == 20  # 10_000 * 1% / (100 - 95)


def test_size_intent_overrides_config_fraction(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(6))
    res = run_backtest(m, Intents(entry_long=bt.flags(6, 1), size=bt.at(6, {1: 0.5})))
    assert res.trades.iloc[0].quantity == 50


def test_leverage_multiplies_buying_power(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(6))
    res = run_backtest(m, Intents(entry_long=bt.flags(6, 1)), BacktestConfig(leverage=2))
    assert res.trades.iloc[0].quantity == 199  # floor(20_000 * 0.9999 / 100)
    assert res.positions.iloc[-1, 0] == 199


OPEN_PLUS_BAR = [(100.0 + b, 100.5 + b, 99.5 + b, 100.0 + b) for b in range(8)]


def _modes(bt: SimpleNamespace, direction: Direction) -> list[tuple[str, int, int, str]]:
    m = bt.build_market(OPEN_PLUS_BAR)
    res = run_backtest(
        m,
        Intents(entry_long=bt.flags(8, 1), entry_short=bt.flags(8, 3), exit=bt.flags(8, 5)),
        BacktestConfig(direction=direction),
    )
    return [(t.direction, t.entry_bar, t.exit_bar, t.exit_reason) for t in res.trades.itertuples()]


def test_direction_modes(bt: SimpleNamespace) -> None:
    assert _modes(bt, Direction.LONG) == [("long", 2, 4, "signal")]
    assert _modes(bt, Direction.SHORT) == [("short", 4, 6, "signal")]
    assert _modes(bt, Direction.BOTH) == [("long", 2, 4, "reverse"), ("short", 4, 6, "signal")]
    assert _modes(bt, Direction.REVERSE) == [("long", 2, 4, "reverse"), ("short", 4, 7, "open")]


def test_short_trade_profit_and_equity(bt: SimpleNamespace) -> None:
    m = bt.build_market([*bt.flat(3), (95, 96, 94, 95), (90, 91, 89, 90), (90, 91, 89, 90)])
    res = run_backtest(
        m,
        Intents(entry_short=bt.flags(6, 1), exit=bt.flags(6, 3)),
        BacktestConfig(direction=Direction.BOTH),
    )
    t = res.trades.iloc[0]
    assert (t.direction, t.quantity, t.entry_price, t.exit_price) == ("short", 99, 100, 90)
    assert t.pnl == pytest.approx(990)
    assert res.equity_values[3] == pytest.approx(10_000 + 99 * 5)
    assert res.final_equity == pytest.approx(10_990)


def test_conflicting_entries_on_one_bar_are_ignored(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(5))
    res = run_backtest(
        m,
        Intents(entry_long=bt.flags(5, 1), entry_short=bt.flags(5, 1)),
        BacktestConfig(direction=Direction.BOTH),
    )
    assert len(res.trades) == 0
    assert len(res.orders) == 0


def test_close_at_end_charges_the_exit(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(5))
    res = run_backtest(
        m,
        Intents(entry_long=bt.flags(5, 1)),
        BacktestConfig(close_at_end=True, commission_pct=0.001),
    )
    t = res.trades.iloc[0]
    assert t.exit_reason == "end_of_data"
    assert t.exit_fee == pytest.approx(0.001 * t.quantity * 100)
    assert res.final_equity == pytest.approx(10_000 - t.entry_fee - t.exit_fee)


def test_portfolio_shares_one_cash_balance(bt: SimpleNamespace) -> None:
    a = bt.flat(5, 100.0)
    b = bt.flat(5, 50.0)
    m = bt.build_market([a, b])
    entries = np.zeros((5, 2), dtype=bool)
    entries[1, :] = True
    res = run_backtest(m, Intents(entry_long=entries, size=0.5))
    qty = res.positions.iloc[-1].tolist()
    assert qty == [50, 100]  # half of 10_000 equity each
    assert res.final_equity == pytest.approx(10_000)
    assert res.trades["symbol"].tolist() == ["I0", "I1"]


def test_helpful_errors(bt: SimpleNamespace) -> None:
    m = bt.build_market(bt.flat(5))
    with pytest.raises(ValidationError, match="no entry signal"):
        run_backtest(m, Intents(exit=bt.flags(5, 1)))
    with pytest.raises(ValidationError, match="shape"):
        run_backtest(m, Intents(entry_long=np.zeros(4, dtype=bool)))
    with pytest.raises(ValidationError, match="commission_pct"):
        BacktestConfig(commission_pct=0.2)
    with pytest.raises(ValidationError, match="size"):
        BacktestConfig(size=2.0)
