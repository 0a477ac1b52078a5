"""``BacktestConfig.stop_policy`` semantics on hand-built bars: ATR initial stop, breakeven,
time stop, ATR / percent / chandelier trailing (tighten-only, exits at the level or at the
open on a gap), intrabar entries, RISK sizing from the policy stop, several instruments,
and configuration errors.

Flat bars (open = close = 100, high 101, low 99) have a true range of 2, so with
``atr_period=3`` the ATR is exactly 2 from bar 3 on.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from tradegraph.backtest import (
    BacktestConfig,
    BacktestResult,
    Direction,
    FillMode,
    Intents,
    MarketData,
    Sizing,
    run_backtest,
)
from tradegraph.core.errors import ValidationError
from tradegraph.indicators import atr, donchian
from tradegraph.risk.stops import StopPolicy, TrailingKind

Bar = tuple[float, float, float, float]
NAN = math.nan


def _policy(**overrides: object) -> StopPolicy:
    base: dict[str, object] = {"atr_multiple": 2.0, "atr_period": 3, "breakeven_r": None}
    base.update(overrides)
    return StopPolicy(**base)  # type: ignore[arg-type]  # test helper


def _run(
    bt: types.SimpleNamespace, bars: list[Bar], entry_bar: int, policy: StopPolicy, **cfg: object
) -> BacktestResult:
    n = len(bars)
    short = cfg.pop("short", False)
    signal = bt.flags(n, entry_bar)
    intents = Intents(entry_short=signal) if short else Intents(entry_long=signal)
    direction = Direction.SHORT if short else Direction.LONG
    config = BacktestConfig(direction=direction, stop_policy=policy, **cfg)  # type: ignore[arg-type]
    return run_backtest(bt.build_market(bars), intents, config)


def _stops(result: BacktestResult) -> np.ndarray:
    """The recorded stop at each close (a stop-policy run records them)."""
    assert result.stop_values is not None
    return result.stop_values


def test_breakeven_after_one_r_exits_at_the_entry_not_the_initial_stop(
    bt: types.SimpleNamespace,
) -> None:
    # entry at bar 5's open (100), ATR 2 -> initial stop 96, R = 4
    up_then_back = [
        (100.0, 105.0, 99.0, 101.0),  # +1.25 R at the high (the stop moves at the close)
        (101.0, 102.0, 97.0, 98.0),  # back below the entry: breakeven stop hit at 100
        (98.0, 99.0, 95.0, 96.0),  # the initial stop would only be hit here
    ]
    bars = bt.flat(5) + up_then_back
    res = _run(bt, bars, 4, _policy(breakeven_r=1.0))
    trade = res.trades.iloc[0]
    assert trade.initial_stop == 96.0
    assert (trade.exit_bar, trade.exit_price) == (6, 100.0)
    assert trade.exit_reason == "trailing_stop"  # a stop moved since entry
    assert trade.pnl == 0.0
    np.testing.assert_array_equal(_stops(res)[:, 0], [NAN] * 5 + [100.0, NAN, NAN])
    # without breakeven the initial stop holds until bar 7
    plain = _run(bt, bars, 4, _policy()).trades.iloc[0]
    assert (plain.exit_bar, plain.exit_price, plain.exit_reason) == (7, 96.0, "stop_loss")
    assert plain.r_multiple == -1.0
    # a short mirrors it: stop 104, +1 R at 96, back to the entry at 100
    mirrored = [(200 - o, 200 - lo, 200 - h, 200 - c) for o, h, lo, c in up_then_back]
    short = _run(bt, bt.flat(5) + mirrored, 4, _policy(breakeven_r=1.0), short=True)
    assert (short.trades.iloc[0].exit_bar, short.trades.iloc[0].exit_price) == (6, 100.0)
    # with an offset the breakeven stop sits 0.25 R (1.0) beyond the entry
    offset = _run(bt, bars, 4, _policy(breakeven_r=1.0, breakeven_offset_r=0.25))
    assert offset.trades.iloc[0].exit_price == 101.0


def test_a_same_bar_high_does_not_move_the_stop_before_the_close(
    bt: types.SimpleNamespace,
) -> None:
    # +1.25 R and back through the initial stop in one bar: the stop set at the last close
    # (96) is what this bar is tested against (no look-ahead inside the bar)
    bars = [*bt.flat(5), (100.0, 105.0, 95.0, 99.0)]
    trade = _run(bt, bars, 4, _policy(breakeven_r=1.0)).trades.iloc[0]
    assert (trade.exit_bar, trade.exit_price, trade.exit_reason) == (5, 96.0, "stop_loss")


def test_time_stop_exits_a_trade_that_goes_nowhere(bt: types.SimpleNamespace) -> None:
    bars = bt.flat(12)
    res = _run(bt, bars, 4, _policy(max_bars=3))
    trade = res.trades.iloc[0]
    # held over bars 5, 6, 7; the time stop at bar 7's close fills at bar 8's open
    assert (trade.entry_bar, trade.exit_bar, trade.exit_price) == (5, 8, 100.0)
    assert trade.exit_reason == "time_stop"
    assert res.fills.iloc[-1].reason == "time_stop"
    # in CLOSE mode: entered at bar 4's close, out at bar 7's close
    at_close = _run(bt, bars, 4, _policy(max_bars=3), fill=FillMode.CLOSE).trades.iloc[0]
    assert (at_close.entry_bar, at_close.exit_bar, at_close.exit_reason) == (4, 7, "time_stop")
    # a trade at least time_stop_min_r in profit is kept (0.5 R = 2.0 above the entry)
    rising = bt.flat(5) + [(100.0 + i, 101.0 + i, 99.0 + i, 101.0 + i) for i in range(7)]
    kept = _run(bt, rising, 4, _policy(max_bars=3, time_stop_min_r=0.5)).trades.iloc[0]
    assert kept.exit_reason == "open"
    # a time stop is an exit even in REVERSE mode (where exit signals are ignored)
    rev = run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(12, 4)),
        BacktestConfig(direction=Direction.REVERSE, stop_policy=_policy(max_bars=3)),
    )
    assert list(rev.trades.exit_reason) == ["time_stop"]


def _trend(n_up: int, n_down: int, short: bool) -> list[Bar]:
    """Flat, then a steady trend in the trade's favour, then a sharp reversal."""
    closes = [100.0] * 5 + [100.0 * 1.01**i for i in range(1, n_up + 1)]
    closes += [closes[-1] * 0.97**i for i in range(1, n_down + 1)]
    bars = []
    previous = 100.0
    for c in closes:
        o = previous
        bars.append((o, max(o, c) * 1.004, min(o, c) * 0.996, c))
        previous = c
    if short:  # mirror around 100 (prices stay positive)
        bars = [(200 - o, 200 - lo, 200 - h, 200 - c) for o, h, lo, c in bars]
    return bars


@pytest.mark.parametrize("kind", [TrailingKind.ATR, TrailingKind.PERCENT, TrailingKind.CHANDELIER])
@pytest.mark.parametrize("short", [False, True])
def test_trailing_stops_ratchet_only_in_the_favourable_direction(
    bt: types.SimpleNamespace, kind: TrailingKind, short: bool
) -> None:
    bars = _trend(15, 10, short)
    policy = _policy(trailing=kind, trail_multiple=2.0, trail_fraction=0.04, chandelier_period=4)
    res = _run(bt, bars, 4, policy, short=short)
    trade = res.trades.iloc[0]
    sign = -1 if short else 1
    o, h, lo, c = (np.array(x) for x in zip(*bars, strict=True))
    a = atr(h, lo, c, 3)
    # expected levels, from the formulas: candidate at each close from data up to it,
    # then the running tightest (NaN candidates ignored)
    entry = o[5]
    initial = entry - sign * 2.0 * a[4]
    best = np.maximum.accumulate(h[5:]) if sign > 0 else np.minimum.accumulate(lo[5:])
    best = np.maximum(best, entry) if sign > 0 else np.minimum(best, entry)
    if kind is TrailingKind.ATR:
        candidate = best - sign * 2.0 * a[5:]
    elif kind is TrailingKind.PERCENT:
        candidate = best * (1.0 - sign * 0.04)
    else:
        channel = donchian(h, lo, 4)
        extreme = channel.upper if sign > 0 else channel.lower
        candidate = extreme[5:] - sign * 2.0 * a[5:]
    ratchet = np.fmax.accumulate if sign > 0 else np.fmin.accumulate
    expected = ratchet(np.concatenate([[initial], candidate]))[1:]
    # the exit: the first bar whose range reaches the stop set at the previous close
    stop_in_force = np.concatenate([[initial], expected[:-1]])
    touched = (lo[5:] <= stop_in_force) if sign > 0 else (h[5:] >= stop_in_force)
    exit_bar = 5 + int(np.argmax(touched))
    assert touched.any()
    level = stop_in_force[exit_bar - 5]
    gap = (o[exit_bar] - level) * sign <= 0
    assert trade.exit_bar == exit_bar
    assert trade.exit_price == (o[exit_bar] if gap else level)
    assert trade.exit_reason == "trailing_stop"
    assert trade.pnl > 0  # the trailing stop locked in part of the trend
    recorded = _stops(res)[5:exit_bar, 0]
    np.testing.assert_array_equal(recorded, expected[: exit_bar - 5])
    steps = np.diff(np.concatenate([[initial], recorded])) * sign
    assert (steps >= 0).all()  # tighten only
    assert (steps > 0).sum() >= 5  # and it did ratchet with the trend
    assert np.isnan(_stops(res)[exit_bar:, 0]).all()


def test_an_intrabar_entry_counts_only_the_close_of_its_bar(bt: types.SimpleNamespace) -> None:
    # a buy limit at 99 fills inside bar 5; the high of 110 may have come before the fill,
    # so the percent trail starts from max(fill, close) = 101, not from 110
    bars = [*bt.flat(5), (100.0, 110.0, 98.0, 101.0), (101.0, 102.0, 100.0, 101.0)]
    n = len(bars)
    res = run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(n, 4), limit=bt.at(n, {4: 99.0})),
        BacktestConfig(stop_policy=_policy(trailing=TrailingKind.PERCENT, trail_fraction=0.05)),
    )
    trade = res.trades.iloc[0]
    assert (trade.entry_price, trade.initial_stop) == (99.0, 95.0)
    assert _stops(res)[5, 0] == pytest.approx(101.0 * 0.95)
    market = run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(n, 4)),
        BacktestConfig(stop_policy=_policy(trailing=TrailingKind.PERCENT, trail_fraction=0.05)),
    )
    assert _stops(market)[5, 0] == pytest.approx(110.0 * 0.95)  # whole bar after the open


def test_the_most_protective_initial_stop_wins(bt: types.SimpleNamespace) -> None:
    bars = bt.flat(10)
    n = len(bars)
    entry = bt.flags(n, 4)
    market = bt.build_market(bars)
    config = BacktestConfig(stop_policy=_policy())  # ATR stop 96
    tighter = run_backtest(market, Intents(entry_long=entry, stop_loss=bt.at(n, {4: 97.5})), config)
    wider = run_backtest(market, Intents(entry_long=entry, stop_loss=bt.at(n, {4: 90.0})), config)
    pct = run_backtest(
        market, Intents(entry_long=entry), BacktestConfig(stop_loss_pct=0.01, stop_policy=_policy())
    )
    assert tighter.trades.iloc[0].initial_stop == 97.5
    assert wider.trades.iloc[0].initial_stop == 96.0
    assert pct.trades.iloc[0].initial_stop == 99.0
    # before the ATR exists (warm-up) only an explicit stop counts; none at all: no stop
    warm_up = BacktestConfig(stop_policy=_policy(atr_period=5))
    early = run_backtest(market, Intents(entry_long=bt.flags(n, 0)), warm_up)
    assert math.isnan(early.trades.iloc[0].initial_stop)
    assert np.isnan(_stops(early)[1:5, 0]).all()


def test_risk_sizing_uses_the_policy_stop(bt: types.SimpleNamespace) -> None:
    bars = bt.flat(10)
    res = run_backtest(
        bt.build_market(bars),
        Intents(entry_long=bt.flags(10, 4)),
        BacktestConfig(sizing=Sizing.RISK, size=0.01, stop_policy=_policy()),
    )
    # 1% of 10,000 at risk over an ATR stop 4.0 away: 25 units
    assert res.trades.iloc[0].quantity == 25.0
    assert res.rejected_orders == 0


def test_each_instrument_gets_its_own_stops(bt: types.SimpleNamespace) -> None:
    a = _trend(12, 8, short=False)
    b = [(o * 2, h * 2, lo * 2, c * 2) for o, h, lo, c in _trend(6, 14, short=False)]
    policy = _policy(trailing=TrailingKind.CHANDELIER, chandelier_period=4, max_bars=15)
    config = BacktestConfig(sizing=Sizing.FIXED, size=1.0, cash=1e6, stop_policy=policy)
    n = len(a)
    columns = zip(zip(*a, strict=True), zip(*b, strict=True), strict=True)
    both = run_backtest(
        MarketData.from_arrays(*(np.column_stack(x) for x in columns)),
        Intents(entry_long=bt.flags(n, 4, 10)),
        config,
    )
    for j, bars in enumerate((a, b)):
        alone = run_backtest(bt.build_market(bars), Intents(entry_long=bt.flags(n, 4, 10)), config)
        np.testing.assert_array_equal(_stops(both)[:, j], _stops(alone)[:, 0])
        mine = both.trade_records[both.trade_records[:, 0] == j]
        np.testing.assert_array_equal(mine[:, 1:], alone.trade_records[:, 1:])


def test_configuration_errors_name_the_conflict(bt: types.SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="trailing_pct") as err:
        BacktestConfig(trailing_pct=0.05, stop_policy=StopPolicy())
    assert "TrailingKind.PERCENT" in (err.value.hint or "")
    with pytest.raises(ValidationError, match="stop_policy"):
        BacktestConfig(stop_policy="atr")  # type: ignore[arg-type]  # wrong type on purpose
    with pytest.raises(ValidationError, match="atr_period"):
        StopPolicy(atr_period=0)
    n = 10
    with pytest.raises(ValidationError, match=r"Intents\.trailing"):
        run_backtest(
            bt.build_market(bt.flat(n)),
            Intents(entry_long=bt.flags(n, 2), trailing=2.0),
            BacktestConfig(stop_policy=StopPolicy()),
        )
