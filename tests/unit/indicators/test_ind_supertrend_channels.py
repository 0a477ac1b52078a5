"""SuperTrend, Donchian and Keltner against hand-computed cases and their definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
import talib

from tradegraph import indicators as ti

if TYPE_CHECKING:
    from conftest import Bars

NAN = np.nan


def test_supertrend_hand_computed() -> None:
    # period=1 → ATR = true range from bar 1. Worked by hand, multiplier 1:
    # bar1 hl2=10 tr=2 → bands 12/8, first bar: down, line 12
    # bar2 hl2=11 tr=2 → raw 13/9: lower ratchets to 9, upper stays 12; 11.5 < 12 → down
    # bar3 hl2=13 tr=2.5 → raw 15.5/10.5: lower 10.5, upper stays 12; 13.5 > 12 → up, line 10.5
    # bar4 hl2=11 tr=4.5 → raw 15.5/6.5: lower stays 10.5; prev close 13.5 > 12 → upper 15.5;
    #      9.5 < 10.5 → down, line 15.5
    high = np.array([10.0, 11.0, 12.0, 14.0, 13.0])
    low = np.array([8.0, 9.0, 10.0, 12.0, 9.0])
    close = np.array([9.0, 10.0, 11.5, 13.5, 9.5])
    result = ti.supertrend(high, low, close, period=1, multiplier=1.0)
    np.testing.assert_array_equal(result.line, [NAN, 12.0, 12.0, 10.5, 15.5])
    np.testing.assert_array_equal(result.direction, [NAN, -1.0, -1.0, 1.0, -1.0])


def _pine_supertrend(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int, factor: float
) -> tuple[np.ndarray, np.ndarray]:
    """A line-by-line transcription of TradingView's ``ta.supertrend`` Pine source.

    Pine direction is -1 for up and +1 for down; returned here as +1 up / -1 down.
    """
    n = len(close)
    tr = np.full(n, NAN)
    tr[1:] = np.maximum(high[1:], close[:-1]) - np.minimum(low[1:], close[:-1])
    atr = np.full(n, NAN)
    atr[period] = tr[1 : period + 1].mean()
    for i in range(period + 1, n):
        atr[i] = (atr[i - 1] * (period - 1) + tr[i]) / period
    line = np.full(n, NAN)
    direction = np.full(n, NAN)
    upper_band = np.full(n, NAN)
    lower_band = np.full(n, NAN)
    for i in range(period, n):
        src = (high[i] + low[i]) / 2
        upper = src + factor * atr[i]
        lower = src - factor * atr[i]
        prev_lower = 0.0 if np.isnan(lower_band[i - 1]) else lower_band[i - 1]
        prev_upper = 0.0 if np.isnan(upper_band[i - 1]) else upper_band[i - 1]
        lower = lower if (lower > prev_lower or close[i - 1] < prev_lower) else prev_lower
        upper = upper if (upper < prev_upper or close[i - 1] > prev_upper) else prev_upper
        lower_band[i] = lower
        upper_band[i] = upper
        if np.isnan(atr[i - 1]):
            pine_dir = 1
        elif line[i - 1] == prev_upper:
            pine_dir = -1 if close[i] > upper else 1
        else:
            pine_dir = 1 if close[i] < lower else -1
        line[i] = lower if pine_dir == -1 else upper
        direction[i] = -pine_dir
    return line, direction


def test_supertrend_matches_tradingview_definition(bars: Bars) -> None:
    for period, factor in ((10, 3.0), (7, 1.5), (3, 0.5)):
        line, direction = _pine_supertrend(bars.high, bars.low, bars.close, period, factor)
        result = ti.supertrend(bars.high, bars.low, bars.close, period, factor)
        np.testing.assert_allclose(result.line, line, rtol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(result.direction, direction)
        assert set(np.unique(direction[period:])) == {-1.0, 1.0}


def test_supertrend_line_is_on_the_correct_side(bars: Bars) -> None:
    result = ti.supertrend(bars.high, bars.low, bars.close, 10, 3.0)
    up = result.direction == 1.0
    down = result.direction == -1.0
    assert np.all(result.line[up] <= bars.close[up])
    assert np.all(result.line[down] >= bars.close[down])


def test_supertrend_nan_bar_restarts_the_state(bars: Bars) -> None:
    high = bars.high.copy()
    high[100] = NAN
    result = ti.supertrend(high, bars.low, bars.close, 5, 2.0)
    # TA-Lib's ATR turns NaN from the NaN bar on, so the SuperTrend does too.
    assert np.isnan(result.line[100:]).all()
    assert not np.isnan(result.line[5:100]).any()


def test_donchian_definition(bars: Bars) -> None:
    result = ti.donchian(bars.high, bars.low, 12)
    upper = pd.Series(bars.high).rolling(12).max().to_numpy()
    lower = pd.Series(bars.low).rolling(12).min().to_numpy()
    np.testing.assert_array_equal(result.upper, upper)
    np.testing.assert_array_equal(result.lower, lower)
    np.testing.assert_allclose(result.middle, (upper + lower) / 2, equal_nan=True)


def test_donchian_period_one_is_the_bar_itself(bars: Bars) -> None:
    result = ti.donchian(bars.high, bars.low, 1)
    np.testing.assert_array_equal(result.upper, bars.high)
    np.testing.assert_array_equal(result.lower, bars.low)
    assert result.upper is not bars.high


def test_keltner_is_ema_plus_minus_atr(bars: Bars) -> None:
    result = ti.keltner(bars.high, bars.low, bars.close, 20, 1.5, atr_period=10)
    mid = talib.EMA(bars.close, 20)
    band = 1.5 * talib.ATR(bars.high, bars.low, bars.close, 10)
    np.testing.assert_allclose(result.middle, mid, rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(result.upper, mid + band, rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(result.lower, mid - band, rtol=0, atol=1e-9, equal_nan=True)
    assert np.isnan(result.upper[:19]).all()
    assert not np.isnan(result.upper[19:]).any()


def test_supertrend_skips_leading_nans_like_talib(bars: Bars) -> None:
    pad = np.full(7, NAN)
    high, low, close = (np.concatenate([pad, x[:200]]) for x in (bars.high, bars.low, bars.close))
    close[:9] = NAN  # close starts two bars later than high and low
    padded = ti.supertrend(high, low, close, 10, 3.0)
    trimmed = ti.supertrend(high[9:], low[9:], close[9:], 10, 3.0)
    np.testing.assert_array_equal(padded.line[9:], trimmed.line)
    np.testing.assert_array_equal(padded.direction[9:], trimmed.direction)
    assert np.isnan(padded.line[: 9 + 10]).all()
    # The bands are built on TA-Lib's ATR, which skips the same leading NaNs.
    atr = talib.ATR(high, low, close, 10)
    first = 9 + 10
    mid = (high[first] + low[first]) / 2
    assert padded.line[first] == pytest.approx(mid + 3.0 * atr[first], rel=1e-12)
