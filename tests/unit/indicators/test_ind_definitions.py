"""The TA-Lib-backed indicators follow their published definitions and TA-Lib's seeding.

Each expectation here is computed from the textbook definition in plain Python/numpy,
independently of TA-Lib, so a change of TA-Lib conventions (or of our wrappers) shows up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradegraph import indicators as ti

if TYPE_CHECKING:
    from conftest import Bars

TOL = 1e-9


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-11, atol=TOL, equal_nan=True)


def _ema_ref(values: np.ndarray, period: int, start: int = 0) -> np.ndarray:
    """EMA seeded with the SMA of values[start : start + period]."""
    out = np.full(len(values), np.nan)
    alpha = 2.0 / (period + 1)
    seed_at = start + period - 1
    out[seed_at] = values[start : seed_at + 1].mean()
    for i in range(seed_at + 1, len(values)):
        out[i] = alpha * values[i] + (1 - alpha) * out[i - 1]
    return out


def _wilder_ref(values: np.ndarray, period: int, first: int) -> np.ndarray:
    """Wilder smoothing seeded with the mean of values[first : first + period]."""
    out = np.full(len(values), np.nan)
    seed_at = first + period - 1
    out[seed_at] = values[first : seed_at + 1].mean()
    for i in range(seed_at + 1, len(values)):
        out[i] = (out[i - 1] * (period - 1) + values[i]) / period
    return out


def test_sma_is_the_rolling_mean(bars: Bars) -> None:
    expected = pd.Series(bars.close).rolling(8).mean().to_numpy()
    _close(ti.sma(bars.close, 8), expected)


def test_ema_is_sma_seeded(bars: Bars) -> None:
    _close(ti.ema(bars.close, 10), _ema_ref(bars.close, 10))


def test_wma_weights_newest_heaviest() -> None:
    values = np.array([1.0, 2.0, 4.0, 8.0])
    # (1*1 + 2*2 + 3*4) / 6 = 17/6 and (1*2 + 2*4 + 3*8) / 6 = 34/6
    _close(ti.wma(values, 3), np.array([np.nan, np.nan, 17 / 6, 34 / 6]))


def test_rsi_is_wilder(bars: Bars) -> None:
    period = 14
    change = np.diff(bars.close)
    gain = _wilder_ref(np.clip(change, 0, None), period, 0)
    loss = _wilder_ref(np.clip(-change, 0, None), period, 0)
    expected = np.concatenate([[np.nan], 100 * gain / (gain + loss)])
    _close(ti.rsi(bars.close, period), expected)


def test_atr_is_wilder_of_true_range_from_bar_one(bars: Bars) -> None:
    prev = bars.close[:-1]
    tr = np.maximum(bars.high[1:], prev) - np.minimum(bars.low[1:], prev)
    expected = np.concatenate([[np.nan], _wilder_ref(tr, 5, 0)])
    _close(ti.atr(bars.high, bars.low, bars.close, 5), expected)
    _close(ti.true_range(bars.high, bars.low, bars.close)[1:], tr)


def test_macd_seeds_both_emas_on_the_slow_seed_bar(bars: Bars) -> None:
    fast, slow, signal = 5, 13, 4
    fast_ema = _ema_ref(bars.close, fast, start=slow - fast)
    slow_ema = _ema_ref(bars.close, slow)
    line = fast_ema - slow_ema
    sig = _ema_ref(line, signal, start=slow - 1)
    first = slow - 1 + signal - 1
    line[:first] = np.nan
    result = ti.macd(bars.close, fast, slow, signal)
    _close(result.line, line)
    _close(result.signal, sig)
    _close(result.hist, line - sig)


def test_bollinger_uses_population_deviation(bars: Bars) -> None:
    rolling = pd.Series(bars.close).rolling(20)
    mid = rolling.mean().to_numpy()
    std = rolling.std(ddof=0).to_numpy()
    result = ti.bollinger(bars.close, 20, 2.5)
    np.testing.assert_allclose(result.middle, mid, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(result.upper, mid + 2.5 * std, rtol=1e-8, equal_nan=True)
    np.testing.assert_allclose(result.lower, mid - 2.5 * std, rtol=1e-8, equal_nan=True)


def test_stochastics(bars: Bars) -> None:
    hh = pd.Series(bars.high).rolling(9).max()
    ll = pd.Series(bars.low).rolling(9).min()
    raw_k = 100 * (pd.Series(bars.close) - ll) / (hh - ll)
    fast = ti.stoch_fast(bars.high, bars.low, bars.close, 9, 3)
    _close(fast.k[10:], raw_k.to_numpy()[10:])
    _close(fast.d[10:], raw_k.rolling(3).mean().to_numpy()[10:])
    slow = ti.stoch_slow(bars.high, bars.low, bars.close, 9, k_smooth=3, d_period=3)
    smooth_k = raw_k.rolling(3).mean()
    _close(slow.k[12:], smooth_k.to_numpy()[12:])
    _close(slow.d[12:], smooth_k.rolling(3).mean().to_numpy()[12:])


def test_cci_definition(bars: Bars) -> None:
    tp = (bars.high + bars.low + bars.close) / 3
    period = 20
    expected = np.full(len(tp), np.nan)
    for i in range(period - 1, len(tp)):
        window = tp[i - period + 1 : i + 1]
        mad = np.abs(window - window.mean()).mean()
        expected[i] = (tp[i] - window.mean()) / (0.015 * mad)
    np.testing.assert_allclose(
        ti.cci(bars.high, bars.low, bars.close), expected, rtol=1e-8, equal_nan=True
    )


def test_mfi_definition(bars: Bars) -> None:
    tp = (bars.high + bars.low + bars.close) / 3
    flow = tp * bars.volume
    period = 14
    expected = np.full(len(tp), np.nan)
    for i in range(period, len(tp)):
        idx = np.arange(i - period + 1, i + 1)
        up = flow[idx][tp[idx] > tp[idx - 1]].sum()
        down = flow[idx][tp[idx] < tp[idx - 1]].sum()
        expected[i] = 100 * up / (up + down)
    np.testing.assert_allclose(
        ti.mfi(bars.high, bars.low, bars.close, bars.volume), expected, rtol=1e-8, equal_nan=True
    )


def test_obv_starts_at_first_volume() -> None:
    close = np.array([10.0, 11.0, 11.0, 9.0, 12.0])
    volume = np.array([5.0, 2.0, 7.0, 3.0, 4.0])
    _close(ti.obv(close, volume), np.array([5.0, 7.0, 7.0, 4.0, 8.0]))


def test_adx_directional_lines_stay_in_range(bars: Bars) -> None:
    result = ti.adx(bars.high, bars.low, bars.close, 14)
    for line in result:
        finite = line[~np.isnan(line)]
        assert finite.size > 0
        assert np.all((finite >= 0) & (finite <= 100))
    dx = 100 * np.abs(result.plus_di - result.minus_di) / (result.plus_di + result.minus_di)
    # ADX is Wilder's average of DX, seeded by the mean of the first `period` DX values.
    _close(result.adx, _wilder_ref(dx, 14, 14))
