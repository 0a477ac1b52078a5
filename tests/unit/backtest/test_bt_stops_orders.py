"""Hand-computed cases: stop-loss, take-profit, trailing stops, limit/stop/stop-limit
entries, the same-bar rule, leverage and liquidation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tradegraph.backtest import (
    BacktestConfig,
    BacktestResult,
    Direction,
    Intents,
    SameBarRule,
    run_backtest,
)

FLAT = (100.0, 101.0, 99.0, 100.0)


def _long(
    bt: SimpleNamespace, third: tuple[float, ...], config: BacktestConfig | None = None, **kw: float
) -> BacktestResult:
    """Long signal on bar 1 (fills at bar 2's open 100), then ``third`` as bar 3."""
    bars = [FLAT, FLAT, FLAT, third, FLAT]
    extra = {k: bt.at(5, {1: v}) for k, v in kw.items()}
    return run_backtest(bt.build_market(bars), Intents(entry_long=bt.flags(5, 1), **extra), config)


def test_stop_loss_fills_at_the_stop_inside_the_bar(bt: SimpleNamespace) -> None:
    t = _long(bt, (99, 100, 94, 96), stop_loss=95).trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, 95.0, "stop_loss")
    assert t.pnl == pytest.approx(99 * -5)
    assert t.r_multiple == pytest.approx(-1.0)


def test_gap_through_the_stop_fills_at_the_open(bt: SimpleNamespace) -> None:
    t = _long(bt, (93, 94, 90, 92), stop_loss=95).trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (93.0, "stop_loss")


def test_take_profit_at_the_target_and_gap_at_the_open(bt: SimpleNamespace) -> None:
    t = _long(bt, (101, 106, 100, 104), take_profit=105).trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (105.0, "take_profit")
    t = _long(bt, (107, 108, 106, 107), take_profit=105).trades.iloc[0]
    assert t.exit_price == 107.0


def test_stop_and_target_in_one_bar_the_stop_wins_by_default(bt: SimpleNamespace) -> None:
    wide = (100, 106, 94, 100)
    t = _long(bt, wide, stop_loss=95, take_profit=105).trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (95.0, "stop_loss")
    optimistic = BacktestConfig(same_bar=SameBarRule.TARGET_FIRST)
    t = _long(bt, wide, optimistic, stop_loss=95, take_profit=105).trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (105.0, "take_profit")


def test_stop_is_checked_on_the_entry_bar_of_an_open_fill(bt: SimpleNamespace) -> None:
    bars = [FLAT, FLAT, (100, 101, 94, 99), FLAT]
    res = run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(4, 1), stop_loss=bt.at(4, {1: 95.0})),
    )
    t = res.trades.iloc[0]
    assert (t.entry_bar, t.exit_bar, t.exit_price) == (2, 2, 95.0)


def test_percent_stops_from_config_are_relative_to_the_fill(bt: SimpleNamespace) -> None:
    t = _long(bt, (99, 100, 94, 96), BacktestConfig(stop_loss_pct=0.03)).trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (97.0, "stop_loss")


def test_trailing_stop_follows_the_highest_high(bt: SimpleNamespace) -> None:
    bars = [
        FLAT,
        FLAT,
        (100, 103, 99, 102),  # entry at 100; level 95; then ref 103
        (102, 108, 101, 107),  # level 98 not hit; ref 108
        (107, 107, 102, 103),  # level 103 hit
        FLAT,
    ]
    res = run_backtest(bt.build_market(bars), Intents(entry_long=bt.flags(6, 1), trailing=5.0))
    t = res.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (4, 103.0, "trailing_stop")
    assert t.pnl == pytest.approx(99 * 3)


def test_short_stop_loss(bt: SimpleNamespace) -> None:
    bars = [FLAT, FLAT, FLAT, (101, 106, 100, 102), FLAT]
    res = run_backtest(
        bt.build_market(bars),
        Intents(entry_short=bt.flags(5, 1), stop_loss=bt.at(5, {1: 105.0})),
        BacktestConfig(direction=Direction.SHORT),
    )
    t = res.trades.iloc[0]
    assert (t.direction, t.exit_price, t.exit_reason) == ("short", 105.0, "stop_loss")
    assert t.pnl == pytest.approx(-99 * 5)


def _entry_order(
    bt: SimpleNamespace, bars: list[tuple[float, ...]], ttl: int = 1, **kw: float
) -> BacktestResult:
    n = len(bars)
    extra = {k: bt.at(n, {1: v}) for k, v in kw.items()}
    return run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(n, 1), **extra),
        BacktestConfig(order_ttl=ttl),
    )


def test_limit_entry_fills_at_the_limit_or_a_better_open(bt: SimpleNamespace) -> None:
    res = _entry_order(bt, [FLAT, FLAT, (100, 101, 97, 99), FLAT], limit=98)
    assert res.trades.iloc[0].entry_price == 98.0
    assert res.orders.iloc[0].kind == "limit"
    res = _entry_order(bt, [FLAT, FLAT, (96, 97, 95, 96), FLAT], limit=98)
    assert res.trades.iloc[0].entry_price == 96.0


def test_unfilled_limit_expires_after_its_ttl(bt: SimpleNamespace) -> None:
    res = _entry_order(bt, [FLAT, FLAT, FLAT, (97, 98, 96, 97)], limit=98)
    assert len(res.trades) == 0
    assert res.orders.iloc[0].status == "expired"
    res = _entry_order(bt, [FLAT, FLAT, FLAT, (97, 98, 96, 97)], ttl=2, limit=98)
    assert res.trades.iloc[0].entry_price == 97.0


def test_stop_entry_fills_at_the_stop_or_a_gap_open(bt: SimpleNamespace) -> None:
    res = _entry_order(bt, [FLAT, FLAT, (100, 103, 99, 101), FLAT], stop_entry=102)
    assert res.trades.iloc[0].entry_price == 102.0
    assert res.orders.iloc[0].kind == "stop"
    res = _entry_order(bt, [FLAT, FLAT, (104, 105, 103, 104), FLAT], stop_entry=102)
    assert res.trades.iloc[0].entry_price == 104.0


def test_stop_limit_entry(bt: SimpleNamespace) -> None:
    trigger_bar = (100, 104, 99, 101)
    res = _entry_order(bt, [FLAT, FLAT, trigger_bar, FLAT], stop_entry=102, limit=103)
    assert res.trades.iloc[0].entry_price == 102.0  # limit above the trigger: fills there
    # limit below the trigger: not in the trigger bar (order unknown), rests as a limit
    res = _entry_order(
        bt,
        [FLAT, FLAT, trigger_bar, (101, 102, 100, 101), FLAT],
        ttl=2,
        stop_entry=102,
        limit=101.5,
    )
    t = res.trades.iloc[0]
    assert (t.entry_bar, t.entry_price) == (3, 101.0)
    # gap above the limit at the open: triggered but not filled
    res = _entry_order(bt, [FLAT, FLAT, (105, 106, 104, 105), FLAT], stop_entry=102, limit=103)
    assert len(res.trades) == 0


def test_intrabar_entry_bar_checks_the_stop_but_not_the_target(bt: SimpleNamespace) -> None:
    res = _entry_order(
        bt, [FLAT, FLAT, (100, 101, 96, 99), FLAT], limit=98, stop_loss=97, take_profit=100.5
    )
    t = res.trades.iloc[0]
    assert (t.entry_price, t.exit_bar, t.exit_price) == (98.0, 2, 97.0)
    res = _entry_order(
        bt,
        [FLAT, FLAT, (100, 101, 97.5, 99), (99.5, 100, 99, 99.5), FLAT],
        limit=98,
        take_profit=99,
    )
    t = res.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, 99.5, "take_profit")


def test_leveraged_long_is_liquidated_at_the_maintenance_price(bt: SimpleNamespace) -> None:
    cfg = BacktestConfig(leverage=2, maintenance_margin=0.25)
    res = _long(bt, (90, 91, 60, 70), cfg)
    t = res.trades.iloc[0]
    # cash after entry = 10_000 - 199 * 100; equity = 0.25 * notional at p
    p = 9_900 / (199 * 0.75)
    assert (t.exit_reason, t.exit_price) == ("liquidation", pytest.approx(p))
    assert res.final_equity == pytest.approx(0.25 * 199 * p)
    res = _long(bt, (60, 61, 55, 58), cfg)
    assert res.trades.iloc[0].exit_price == 60.0  # gap below the liquidation price


def test_short_blowup_ends_the_backtest(bt: SimpleNamespace) -> None:
    bars = [FLAT, FLAT, FLAT, (150, 250, 149, 240), FLAT, FLAT]
    res = run_backtest(
        bt.build_market(bars),
        Intents(entry_short=bt.flags(6, 1, 4)),
        BacktestConfig(direction=Direction.SHORT),
    )
    assert len(res.trades) == 1
    t = res.trades.iloc[0]
    assert t.exit_reason == "liquidation"
    assert t.exit_price == pytest.approx(19_900 / 99)
    assert res.final_equity == pytest.approx(0.0, abs=1e-6)
