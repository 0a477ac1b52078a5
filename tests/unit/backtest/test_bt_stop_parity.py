"""Parity: a backtest with ``BacktestConfig.stop_policy`` moves stops exactly as a live
session driving the risk engine's Python API (``risk.stops``: ``initial_stop``,
``stop_triggered``, ``on_bar``, ``time_stop``) bar by bar over the same bars and ATR.

For random markets, entry signals and policies (hypothesis), every trade's per-close stop
levels, exit bar, exit price and exit reason must be equal, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import (
    BacktestConfig,
    BacktestResult,
    Direction,
    ExitReason,
    FillMode,
    Intents,
    MarketData,
    run_backtest,
)
from tradegraph.backtest.engine import fast_path_applies
from tradegraph.indicators import atr, donchian
from tradegraph.model import Direction as Side
from tradegraph.risk.stops import (
    StopPolicy,
    StopState,
    TrailingKind,
    initial_stop,
    on_bar,
    stop_triggered,
    time_stop,
)

N = 80
F64 = np.ndarray


def _market(rng: np.random.Generator, vol: float) -> MarketData:
    close = 100 * np.exp(np.cumsum(rng.normal(0, vol, N)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, vol / 2, N - 1))])
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, vol, N))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, vol, N))
    return MarketData.from_arrays(open_, high, low, close)


@dataclass(frozen=True)
class Live:
    """What the live session saw for one trade."""

    initial: float
    exit_bar: int
    exit_price: float
    reason: ExitReason | None  # None: still open at the end
    stops: dict[int, float]  # bar -> stop held at that bar's close


def _open(side: Side, entry: float, stop: float) -> StopState:
    if math.isfinite(stop) and (stop < entry if side is Side.LONG else stop > entry):
        return StopState.open(side, entry, stop)
    # no stop yet (ATR warm-up) or already through it: a live session would alert; the
    # state is the same numbers
    return StopState(side, entry, stop, stop, entry)


def _live_trade(  # noqa: PLR0917 - a test driver
    policy: StopPolicy,
    market: MarketData,
    fill: FillMode,
    side: Side,
    entry_bar: int,
    entry_price: float,
    other_stop: float,
    inputs: tuple[F64, F64, F64],
) -> Live:
    o, h, lo, c = (a[:, 0] for a in (market.open, market.high, market.low, market.close))
    atr_, hh, ll = inputs
    at_open = fill is FillMode.NEXT_OPEN
    known_atr = (atr_[entry_bar - 1] if entry_bar > 0 else math.nan) if at_open else atr_[entry_bar]
    initial = initial_stop(policy, side, entry_price, known_atr, other_stop)
    state = _open(side, entry_price, initial)
    stops: dict[int, float] = {}
    first = entry_bar if at_open else entry_bar + 1
    if not at_open:
        stops[entry_bar] = state.stop
    for bar in range(first, N):
        # during the bar: the stop set at the previous close (a gap fills at the open)
        moved = state.stop != state.initial_stop
        reason = ExitReason.TRAILING_STOP if moved else ExitReason.STOP_LOSS
        if stop_triggered(state, high=o[bar], low=o[bar]):
            return Live(initial, bar, float(o[bar]), reason, stops)
        if stop_triggered(state, high=h[bar], low=lo[bar]):
            return Live(initial, bar, state.stop, reason, stops)
        # at the close: the stop for the next bar, then the time stop
        state = on_bar(
            policy,
            state,
            high=h[bar],
            low=lo[bar],
            atr=atr_[bar],
            highest_high=hh[bar],
            lowest_low=ll[bar],
        )
        if time_stop(policy, state, float(c[bar])):
            if not at_open:
                return Live(initial, bar, float(c[bar]), ExitReason.TIME_STOP, stops)
            stops[bar] = state.stop
            if bar + 1 < N:
                return Live(initial, bar + 1, float(o[bar + 1]), ExitReason.TIME_STOP, stops)
            return Live(initial, bar, float(c[bar]), None, stops)
        stops[bar] = state.stop
    return Live(initial, N - 1, float(c[-1]), None, stops)


def _inputs(market: MarketData, policy: StopPolicy) -> tuple[F64, F64, F64]:
    """The live session's indicator values at each close (computed independently)."""
    h, lo, c = market.high[:, 0], market.low[:, 0], market.close[:, 0]
    channel = donchian(h, lo, policy.chandelier_period)
    return atr(h, lo, c, policy.atr_period), channel.upper, channel.lower


def _assert_parity(result: BacktestResult, policy: StopPolicy, intent_stop: F64) -> int:
    """Replay every trade live; return how many trades the stops ended."""
    cfg = result.config
    market = result.market
    inputs = _inputs(market, policy)
    expected = np.full(N, np.nan)
    stopped = 0
    assert result.stop_values is not None
    for row in result.trades.itertuples():
        side = Side.LONG if row.direction == "long" else Side.SHORT
        entry_bar, entry_price = int(row.entry_bar), float(row.entry_price)
        signal_bar = entry_bar - 1 if cfg.fill is FillMode.NEXT_OPEN else entry_bar
        other = float(intent_stop[signal_bar])
        if math.isnan(other) and cfg.stop_loss_pct > 0:
            other = entry_price * (1 - side.sign * cfg.stop_loss_pct)
        live = _live_trade(policy, market, cfg.fill, side, entry_bar, entry_price, other, inputs)
        np.testing.assert_array_equal(row.initial_stop, live.initial)
        assert row.exit_bar == live.exit_bar, (row, live)
        if live.reason is None:
            assert row.exit_reason == "open"
        else:
            assert row.exit_reason == live.reason.name.lower(), (row, live)
            assert row.exit_price == live.exit_price, (row, live)
            stopped += 1
        for bar, stop in live.stops.items():
            expected[bar] = stop
    np.testing.assert_array_equal(result.stop_values[:, 0], expected)
    return stopped


_POLICIES = st.builds(
    StopPolicy,
    atr_multiple=st.sampled_from([0.5, 1.0, 2.0, 3.0]),
    atr_period=st.sampled_from([3, 7, 14]),
    breakeven_r=st.sampled_from([None, 0.5, 1.0]),
    breakeven_offset_r=st.sampled_from([0.0, 0.1]),
    trailing=st.sampled_from(list(TrailingKind)),
    trail_multiple=st.sampled_from([1.0, 2.5]),
    trail_fraction=st.sampled_from([0.01, 0.04]),
    chandelier_period=st.sampled_from([3, 10]),
    max_bars=st.sampled_from([None, 4, 12]),
    time_stop_min_r=st.sampled_from([math.inf, 0.5]),
)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    policy=_POLICIES,
    fill=st.sampled_from(list(FillMode)),
    short=st.booleans(),
    stop_loss_pct=st.sampled_from([0.0, 0.0, 0.03]),
    vol=st.sampled_from([0.005, 0.015]),
)
def test_backtest_stops_equal_the_live_stop_api(  # noqa: PLR0917 - hypothesis arguments
    seed: int, policy: StopPolicy, fill: FillMode, short: bool, stop_loss_pct: float, vol: float
) -> None:
    rng = np.random.default_rng(seed)
    market = _market(rng, vol)
    close = market.close[:, 0]
    sign = -1 if short else 1
    entries = rng.random(N) < 0.25
    intent_stop = np.where(rng.random(N) < 0.3, close * (1 - sign * 0.02), np.nan)
    intents = Intents(
        entry_long=None if short else entries,
        entry_short=entries if short else None,
        stop_loss=intent_stop,
    )
    config = BacktestConfig(
        fill=fill,
        direction=Direction.SHORT if short else Direction.LONG,
        size=0.5,
        stop_loss_pct=stop_loss_pct,
        stop_policy=policy,
    )
    result = run_backtest(market, intents, config)
    assert "liquidation" not in set(result.trades["exit_reason"])
    _assert_parity(result, policy, intent_stop)


def test_the_parity_cases_exercise_every_stop_kind() -> None:
    """Over a fixed batch, the generator's trades end by stop loss, moved stop, time stop
    and at the end of data, for every trailing kind and both sides (not vacuous)."""
    seen: set[tuple[TrailingKind, str, str]] = set()
    for seed in range(24):
        rng = np.random.default_rng(seed)
        market = _market(rng, 0.015)
        short = seed % 2 == 1
        kind = list(TrailingKind)[seed // 2 % 4]
        policy = StopPolicy(
            atr_multiple=2.0,
            atr_period=5,
            trailing=kind,
            trail_multiple=2.0,
            trail_fraction=0.06,
            chandelier_period=5,
            max_bars=10,
        )
        entries = rng.random(N) < 0.25
        intents = Intents(
            entry_long=None if short else entries, entry_short=entries if short else None
        )
        fill = list(FillMode)[seed // 8 % 2]
        config = BacktestConfig(
            fill=fill, direction=Direction.SHORT if short else Direction.LONG, stop_policy=policy
        )
        result = run_backtest(market, intents, config)
        stopped = _assert_parity(result, policy, np.full(N, np.nan))
        assert stopped >= 2
        for reason in set(result.trades["exit_reason"]):
            seen.add((kind, "short" if short else "long", reason))
    for kind in TrailingKind:
        for side in ("long", "short"):
            assert any((kind, side, r) in seen for r in ("stop_loss", "time_stop"))
            if kind is not TrailingKind.NONE:
                assert (kind, side, "trailing_stop") in seen
    assert {reason for *_, reason in seen} >= {"stop_loss", "trailing_stop", "time_stop", "open"}


def test_a_stop_policy_never_takes_the_fast_path() -> None:
    market = _market(np.random.default_rng(3), 0.01)
    intents = Intents(entry_long=np.arange(N) % 9 == 0)
    arrays = intents.to_kernel(N, 1)
    assert fast_path_applies(1, arrays, BacktestConfig())
    assert not fast_path_applies(1, arrays, BacktestConfig(stop_policy=StopPolicy()))
    plain = run_backtest(market, intents, BacktestConfig())
    assert plain.stop_values is None
    assert plain.stops is None
    managed = run_backtest(market, intents, BacktestConfig(stop_policy=StopPolicy()))
    assert managed.stop_values is not None
    assert managed.stop_values.shape == (N, 1)
    assert managed.stops is not None
    assert list(managed.stops.columns) == list(market.symbols)
    # no per-bar stop record in sweeps (record_positions=False)
    swept = run_backtest(
        market, intents, BacktestConfig(stop_policy=StopPolicy()), record_positions=False
    )
    assert swept.stop_values is None
    np.testing.assert_array_equal(swept.trade_records, managed.trade_records)
