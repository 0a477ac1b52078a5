"""Constructed trends, ranges and volatility shifts."""

from __future__ import annotations

import numpy as np
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.patterns import RegimeConfig, Trend, Volatility, regime
from tradegraph.patterns.regime import _hold

N = 220
T = np.arange(N, dtype=float)
WIGGLE = np.where(np.arange(N) % 2 == 0, 0.2, -0.2)


def hlc(close: np.ndarray, half_range: float | np.ndarray = 0.5) -> tuple[np.ndarray, ...]:
    return close + half_range, close - half_range, close


def test_steady_rise_is_bull_and_steady_fall_is_bear() -> None:
    up = regime(*hlc(100 + 0.5 * T + WIGGLE))
    assert (up.trend[100:] == Trend.BULL).all()
    assert (up.trend_score[100:] >= 0.5).all()
    down = regime(*hlc(300 - 0.5 * T + WIGGLE))
    assert (down.trend[100:] == Trend.BEAR).all()
    # the same absolute ranges are a growing share of a falling price: relative vol rises
    assert down.at(N - 1) == (Trend.BEAR, Volatility.HIGH)
    assert up.at(N - 1) == (Trend.BULL, Volatility.LOW)


def test_back_and_forth_is_sideways() -> None:
    r = regime(*hlc(100 + np.where(np.arange(N) % 2 == 0, 0.5, -0.5), 1.0))
    assert (r.trend[r.valid] == Trend.SIDEWAYS).all()
    assert r.valid[150:].all()


def test_adx_threshold_gates_the_trend_call() -> None:
    bumpy = 100 + 0.5 * T + 2.5 * WIGGLE  # pullbacks on down bars keep ADX below 100
    free = regime(*hlc(bumpy), RegimeConfig(adx_threshold=0.0))
    gated = regime(*hlc(bumpy), RegimeConfig(adx_threshold=60.0))
    weak = gated.adx < 60.0
    assert weak[100:].any() and (free.trend[100:][weak[100:]] == Trend.BULL).all()
    assert (gated.trend[weak] == Trend.SIDEWAYS).all()
    assert (gated.trend[~weak & gated.valid] == free.trend[~weak & gated.valid]).all()


def test_volatility_turns_high_when_ranges_widen() -> None:
    close = 100 + WIGGLE
    half = np.where(np.arange(N) < 160, 0.5, 2.0)
    r = regime(*hlc(close, half), RegimeConfig(vol_threshold=1.2))
    assert (r.volatility[120:160] == Volatility.LOW).all()
    assert (r.volatility[175:] == Volatility.HIGH).all()
    assert r.volatility_ratio[-1] > 1.2


def test_warm_up_bars_are_invalid_sideways_low() -> None:
    r = regime(*hlc(100 + 0.5 * T + WIGGLE))
    # slow EMA(50) from bar 49, its 10-bar slope from bar 59; ATR ratio baseline from 113
    assert not r.trend[:59].any()
    assert r.trend[59] == Trend.BULL
    assert np.isnan(r.volatility_ratio[:113]).all()
    assert not r.volatility[:113].any()
    assert np.flatnonzero(r.valid)[0] == 113


def test_hold_switches_only_after_k_bars_in_a_row() -> None:
    raw = np.array([0, 1, 1, 0, 1, 1, 1, -1, -1, -1], dtype=np.int8)
    assert _hold(raw, 3).tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, -1]
    assert _hold(raw, 1).tolist() == raw.tolist()


def test_confirm_bars_delay_the_first_bull_call() -> None:
    close = 100 + 0.5 * T + WIGGLE
    fast = regime(*hlc(close))
    slow = regime(*hlc(close), RegimeConfig(confirm_bars=5))
    first = int(np.argmax(fast.trend == 1))
    assert int(np.argmax(slow.trend == 1)) == first + 4


def test_config_errors_are_explicit() -> None:
    with pytest.raises(ValidationError, match=r"fast_period.*below slow_period"):
        RegimeConfig(fast_period=50, slow_period=20)
    with pytest.raises(ValidationError, match=r"ma_kind must be one of \['sma', 'ema'\]"):
        RegimeConfig(ma_kind="wma")  # type: ignore[arg-type]
