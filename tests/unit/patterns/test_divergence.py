"""Constructed regular and hidden divergences against a hand-made oscillator."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from patterns._bars import random_walk
from tradegraph.core.errors import ValidationError
from tradegraph.patterns import DivergenceConfig, divergence, divergence_with
from tradegraph.patterns.divergence import HIDDEN, REGULAR

# two troughs in the lows: bar 4 (8.0) and bar 12 (set per case); one top at bar 8
LOW = np.array(
    [10, 9.5, 9, 8.5, 8, 8.5, 9, 9.5, 10, 9.5, 9, 8.5, 7.5, 8.5, 9, 9.5, 10, 10.5, 11, 11.5]
)
CFG = DivergenceConfig(pivot_left=3, pivot_right=2, match_window=1, min_bars=3, max_bars=30)
CONFIRM = 12 + 2


def oscillator(at4: float, at12: float, base: float = 50.0) -> np.ndarray:
    osc = np.full(len(LOW), base)
    osc[4], osc[12] = at4, at12
    return osc


def test_regular_bullish_lower_price_low_higher_oscillator_low() -> None:
    r = divergence_with(LOW + 1, LOW, oscillator(30.0, 35.0), CFG)
    assert np.flatnonzero(r.direction).tolist() == [CONFIRM]
    assert r.direction[CONFIRM] == 1
    assert r.kind[CONFIRM] == REGULAR
    assert (r.first_index[CONFIRM], r.second_index[CONFIRM]) == (4, 12)
    # |35 − 30| over the oscillator's range 30..50 on bars 3..14
    assert r.confidence[CONFIRM] == pytest.approx(5 / 20)


def test_hidden_bullish_higher_price_low_lower_oscillator_low() -> None:
    low = LOW.copy()
    low[12] = 8.2
    r = divergence_with(low + 1, low, oscillator(30.0, 25.0), CFG)
    assert np.flatnonzero(r.direction).tolist() == [CONFIRM]
    assert (r.direction[CONFIRM], r.kind[CONFIRM]) == (1, HIDDEN)
    assert r.confidence[CONFIRM] == pytest.approx(5 / 25)
    only_regular = DivergenceConfig(**{**CFG.to_params(), "hidden": False})
    assert not divergence_with(low + 1, low, oscillator(30.0, 25.0), only_regular).detected.any()


def test_bearish_regular_and_hidden_mirror_the_lows() -> None:
    high = 20.0 - LOW  # tops at bars 4 (12.0) and 12 (12.5: a higher high)
    r = divergence_with(high, high - 1, 100 - oscillator(30.0, 35.0), CFG)  # osc 70 → 65
    assert np.flatnonzero(r.direction).tolist() == [CONFIRM]
    assert (r.direction[CONFIRM], r.kind[CONFIRM]) == (-1, REGULAR)
    assert r.confidence[CONFIRM] == pytest.approx(0.25)

    high[12] = 11.8  # lower high with a higher oscillator high: hidden bearish
    r = divergence_with(high, high - 1, 100 - oscillator(30.0, 25.0), CFG)
    assert (r.direction[CONFIRM], r.kind[CONFIRM]) == (-1, HIDDEN)


def test_no_divergence_when_price_and_oscillator_agree_or_pivots_too_close() -> None:
    assert not divergence_with(LOW + 1, LOW, oscillator(30.0, 25.0), CFG).detected.any()
    far = DivergenceConfig(**{**CFG.to_params(), "min_bars": 9})  # pivots are 8 bars apart
    assert not divergence_with(LOW + 1, LOW, oscillator(30.0, 35.0), far).detected.any()


def test_oscillator_extreme_is_taken_within_the_match_window() -> None:
    osc = oscillator(50.0, 35.0)
    osc[5] = 30.0  # the oscillator bottoms one bar after the price pivot
    r = divergence_with(LOW + 1, LOW, osc, CFG)
    assert r.direction[CONFIRM] == 1
    no_window = DivergenceConfig(**{**CFG.to_params(), "match_window": 0})
    # at the pivot bar itself the oscillator reads 50 > 35: a lower low, no divergence
    assert not divergence_with(LOW + 1, LOW, osc, no_window).detected.any()


def test_oscillator_warm_up_nan_skips_the_pair() -> None:
    osc = oscillator(30.0, 35.0)
    osc[:5] = np.nan
    assert not divergence_with(LOW + 1, LOW, osc, CFG).detected.any()


def test_match_window_beyond_confirmation_is_rejected_as_look_ahead() -> None:
    with pytest.raises(ValidationError, match="look-ahead"):
        DivergenceConfig(pivot_right=2, match_window=3)


@pytest.mark.parametrize("source", ["rsi", "macd", "macd_hist"])
def test_builtin_oscillators_match_talib_reference(source: str) -> None:
    bars = random_walk(7, 600)
    cfg = DivergenceConfig(oscillator=source, pivot_left=3, pivot_right=2)  # type: ignore[arg-type]
    got = divergence(bars.high, bars.low, bars.close, cfg)
    if source == "rsi":
        ref = talib.RSI(bars.close, 14)
    else:
        line, _, hist = talib.MACD(bars.close, 12, 26, 9)
        ref = line if source == "macd" else hist
    want = divergence_with(bars.high, bars.low, ref, cfg)
    assert got.detected.sum() > 0
    np.testing.assert_array_equal(got.direction, want.direction)
    np.testing.assert_allclose(got.confidence, want.confidence, atol=1e-9)
