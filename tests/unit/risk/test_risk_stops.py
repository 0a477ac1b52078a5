"""Stop management: hand-computed levels, tighten-only, per-bar updates, time stop, and the
Python wrappers agreeing with the compiled kernels (called from a compiled caller too)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from tradegraph.core.errors import ValidationError
from tradegraph.model import Direction
from tradegraph.risk import (
    StopPolicy,
    StopState,
    TrailingKind,
    atr_stop,
    on_bar,
    percent_stop,
    round_stop,
    stop_triggered,
    stops,
    time_stop,
)
from tradegraph.risk import kernels as k
from tradegraph.testing.risk import make_instrument

D = Decimal

LONG, SHORT = Direction.LONG, Direction.SHORT


def test_initial_stops() -> None:
    assert atr_stop(LONG, 100.0, 2.5, 2.0) == 95.0
    assert atr_stop(SHORT, 100.0, 2.5, 2.0) == 105.0
    assert percent_stop(LONG, 200.0, 0.05) == pytest.approx(190.0)
    assert percent_stop(SHORT, 200.0, 0.05) == pytest.approx(210.0)
    with pytest.raises(ValidationError):
        atr_stop(Direction.FLAT, 100.0, 1.0, 2.0)
    with pytest.raises(ValidationError):
        atr_stop(LONG, 100.0, math.nan, 2.0)


def test_policy_initial_stop_keeps_the_most_protective() -> None:
    policy = StopPolicy(atr_multiple=2.0)
    assert stops.initial_stop(policy, LONG, 100.0, 2.5) == 95.0
    assert stops.initial_stop(policy, LONG, 100.0, 2.5, other=97.0) == 97.0  # tighter wins
    assert stops.initial_stop(policy, LONG, 100.0, 2.5, other=90.0) == 95.0
    assert stops.initial_stop(policy, SHORT, 100.0, 2.5, other=103.0) == 103.0
    assert stops.initial_stop(policy, SHORT, 100.0, 2.5, other=110.0) == 105.0
    # no usable ATR (warm-up, or a market that never moved): only the other stop counts
    assert stops.initial_stop(policy, LONG, 100.0, math.nan, other=97.0) == 97.0
    assert stops.initial_stop(policy, LONG, 100.0, 0.0, other=97.0) == 97.0
    assert math.isnan(stops.initial_stop(policy, LONG, 100.0, math.nan))
    assert k.initial_stop(100.0, 2.5, 2.0, math.nan, 1) == 95.0  # the compiled twin


def test_breakeven_after_one_r() -> None:
    state = StopState.open(LONG, 100.0, 95.0)  # R = 5
    assert stops.breakeven_stop(StopState(LONG, 100.0, 95.0, 95.0, 104.99)) == 95.0
    moved = StopState(LONG, 100.0, 95.0, 95.0, 105.0)
    assert stops.breakeven_stop(moved) == 100.0
    assert stops.breakeven_stop(moved, offset_r=0.2) == 101.0
    short = StopState(SHORT, 100.0, 104.0, 104.0, 96.0)  # R = 4, best 1R
    assert stops.breakeven_stop(short) == 100.0
    assert state.r_multiple(110.0) == 2.0


def test_trailing_stops_only_tighten() -> None:
    s = StopState(LONG, 100.0, 95.0, 95.0, 120.0)
    assert stops.atr_trailing_stop(s, atr=2.0, multiple=3.0) == 114.0
    assert stops.percent_trailing_stop(s, 0.1) == pytest.approx(108.0)
    assert (
        stops.chandelier_stop(s, highest_high=118.0, lowest_low=90.0, atr=2.0, multiple=3.0)
        == 112.0
    )
    tight = StopState(LONG, 100.0, 95.0, 116.0, 120.0)
    assert stops.atr_trailing_stop(tight, atr=2.0, multiple=3.0) == 116.0  # never loosens
    short = StopState(SHORT, 100.0, 105.0, 105.0, 80.0)
    assert stops.atr_trailing_stop(short, atr=2.0, multiple=3.0) == 86.0
    assert (
        stops.chandelier_stop(short, highest_high=110.0, lowest_low=82.0, atr=2.0, multiple=3.0)
        == 88.0
    )
    assert stops.atr_trailing_stop(short, atr=math.nan, multiple=3.0) == 105.0  # no ATR yet


def test_on_bar_walks_a_long_trade() -> None:
    policy = StopPolicy(breakeven_r=1.0, trailing=TrailingKind.ATR, trail_multiple=2.0)
    state = StopState.open(LONG, 100.0, 96.0)  # R = 4
    bars = [(102.0, 99.0, 1.0), (104.5, 101.0, 1.0), (108.0, 103.0, 1.0), (107.0, 106.5, 1.0)]
    expected_stops = [
        100.0,  # best 102: no breakeven yet (needs 104); trail 102 - 2 = 100 > 96
        102.5,  # best 104.5: breakeven 100, trail 102.5
        106.0,  # best 108: trail 106
        106.0,  # best still 108
    ]
    for (high, low, atr), stop in zip(bars, expected_stops, strict=True):
        assert not stop_triggered(state, high=high, low=low)
        state = on_bar(policy, state, high=high, low=low, atr=atr)
        assert state.stop == stop
    assert state.best_price == 108.0
    assert state.bars_held == 4
    assert stop_triggered(state, high=107.0, low=105.9)


def test_time_stop() -> None:
    policy = StopPolicy(max_bars=3, time_stop_min_r=1.0)
    state = StopState(LONG, 100.0, 95.0, 95.0, 101.0, bars_held=3)
    assert time_stop(policy, state, price=102.0)  # 0.4 R after 3 bars: exit
    assert not time_stop(policy, state, price=106.0)  # 1.2 R: keep
    assert not time_stop(
        policy, StopState(LONG, 100.0, 95.0, 95.0, 101.0, bars_held=2), price=100.0
    )
    assert not time_stop(StopPolicy(), state, price=90.0)  # no time stop configured


def test_round_stop_rounds_away_from_entry() -> None:
    inst = make_instrument(tick_size="0.5")
    assert round_stop(inst, 95.3, LONG) == D("95.0")
    assert round_stop(inst, 104.2, SHORT) == D("104.5")


def test_policy_validation() -> None:
    with pytest.raises(ValidationError):
        StopPolicy(trail_fraction=1.5)
    with pytest.raises(ValidationError):
        StopPolicy(max_bars=0)
    assert math.isnan(StopPolicy(breakeven_r=None).kernel_args()[0])  # breakeven off
    assert StopPolicy(trailing=TrailingKind.CHANDELIER).kernel_args()[2] == k.TRAIL_CHANDELIER


@njit(cache=False)
def _compiled_walk(highs: np.ndarray, lows: np.ndarray, atr: float) -> float:
    """A compiled caller, as the backtest kernel will be."""
    stop = k.atr_stop(100.0, atr, 2.0, 1)
    best = 100.0
    for i in range(highs.shape[0]):
        if k.stop_hit(stop, lows[i], highs[i], 1):
            return -stop
        best = max(best, highs[i])
        stop = k.next_stop(
            1, 100.0, 96.0, stop, best, math.nan, math.nan, atr, 1.0, 0.0, k.TRAIL_ATR, 2.0, 0.05
        )
    return stop


def test_kernels_are_callable_from_compiled_code_and_agree_with_wrappers() -> None:
    highs = np.array([102.0, 104.5, 108.0, 107.0])
    lows = np.array([99.0, 101.0, 103.0, 106.5])
    policy = StopPolicy(breakeven_r=1.0, trailing=TrailingKind.ATR, trail_multiple=2.0)
    state = StopState.open(LONG, 100.0, 96.0)
    for h, lo in zip(highs, lows, strict=True):
        state = on_bar(policy, state, high=float(h), low=float(lo), atr=2.0)
    assert _compiled_walk(highs, lows, 2.0) == state.stop


@settings(max_examples=200, deadline=None)
@given(
    sign=st.sampled_from([1, -1]),
    entry=st.floats(1, 1e5),
    risk=st.floats(0.001, 0.2),
    path=st.lists(st.floats(-0.05, 0.05), min_size=1, max_size=30),
    kind=st.sampled_from(list(TrailingKind)),
    be=st.sampled_from([None, 0.5, 1.0, 2.0]),
)
def test_stops_never_loosen_and_stay_behind_the_best_price(
    *, sign: int, entry: float, risk: float, path: list[float], kind: TrailingKind, be: float | None
) -> None:
    direction = LONG if sign > 0 else SHORT
    state = StopState.open(direction, entry, entry * (1 - sign * risk))
    policy = StopPolicy(breakeven_r=be, trailing=kind, trail_fraction=0.03, trail_multiple=1.5)
    price = entry
    for step in path:
        price *= 1 + step
        high, low = price * 1.01, price * 0.99
        previous = state.stop
        state = on_bar(
            policy, state, high=high, low=low, atr=entry * 0.01, highest_high=high, lowest_low=low
        )
        assert sign * (state.stop - previous) >= 0  # tighten only
        # Every rule places the stop behind the best price (or the lookback extreme).
        best = max(state.best_price, high) if sign > 0 else min(state.best_price, low)
        assert sign * (best - state.stop) >= -1e-9 * entry
