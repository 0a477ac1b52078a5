"""SuperTrend's fused kernel against a plain-Python statement of its definition.

The kernel works in blocks (a vectorised pass, then the serial one) and checks for NaN
results only in blocks with a non-finite input, so the reference below is deliberately
naive: one bar at a time, TA-Lib's ATR with an exactly rounded ``fma`` (Python
``fractions``), the TradingView band and flip rules, and "NaN where ``upper band + close``
is NaN". Python's ``max`` treats NaN as numba's does (a NaN after the first argument is
skipped), so NaN inputs are covered too, at every position relative to block edges.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import talib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit

from tradegraph import indicators as ti
from tradegraph.indicators.jit import fma

if TYPE_CHECKING:
    from conftest import Bars

NAN = math.nan
BLOCK = 128  # the kernel's block length; NaNs are planted around its edges


def _fma(x: float, y: float, z: float) -> float:
    """``x * y + z`` rounded once (correctly rounded via exact rationals)."""
    if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
        return x * y + z
    return float(Fraction(x) * Fraction(y) + Fraction(z))


def _first_valid(values: np.ndarray) -> int:
    valid = np.flatnonzero(~np.isnan(values))
    return int(valid[0]) if valid.size else len(values)


def _reference(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int, multiplier: float
) -> tuple[np.ndarray, np.ndarray]:
    n = len(close)
    line = np.full(n, NAN)
    direction = np.full(n, NAN)
    begin = max(_first_valid(high), _first_valid(low), _first_valid(close))
    decay = (period - 1) / period
    gain = 1.0 - decay
    atr = 0.0
    lower = upper = trend = NAN
    for i in range(begin + 1, n):
        h, lo, prev_close, c = float(high[i]), float(low[i]), float(close[i - 1]), float(close[i])
        tr = max(h - lo, abs(prev_close - h), abs(prev_close - lo))
        if i < begin + period:
            atr += tr
            continue
        atr = (atr + tr) / period if i == begin + period else _fma(atr, decay, tr * gain)
        raw_upper = 0.5 * (h + lo) + multiplier * atr
        raw_lower = 0.5 * (h + lo) - multiplier * atr
        if i == begin + period:
            upper, lower, trend = raw_upper, raw_lower, -1.0
        else:
            if not (raw_lower <= lower and prev_close >= lower):
                lower = raw_lower
            if not (raw_upper >= upper and prev_close <= upper):
                upper = raw_upper
            if trend < 0.0 and c > upper:
                trend = 1.0
            elif trend > 0.0 and c < lower:
                trend = -1.0
        if not math.isnan(raw_upper + c):
            direction[i] = trend
            line[i] = lower if trend > 0.0 else upper
    return line, direction


def test_fma_rounds_once() -> None:
    @njit
    def call(x: float, y: float, z: float) -> float:
        return fma(x, y, z)

    x = 1.0 + 2.0**-30
    # x*x = 1 + 2^-29 + 2^-60: the 2^-60 is lost if the product is rounded first.
    assert call(x, x, -(1.0 + 2.0**-29)) == 2.0**-60
    assert x * x - (1.0 + 2.0**-29) == 0.0


def test_supertrend_matches_reference_on_long_series(bars: Bars) -> None:
    for period, multiplier in ((10, 3.0), (1, 1.0), (7, 0.5)):
        line, direction = _reference(bars.high, bars.low, bars.close, period, multiplier)
        result = ti.supertrend(bars.high, bars.low, bars.close, period, multiplier)
        np.testing.assert_array_equal(result.line, line)
        np.testing.assert_array_equal(result.direction, direction)


def test_supertrend_bands_use_talibs_atr(bars: Bars) -> None:
    # Where the line sits on a band fresh from this bar, it is hl2 ± m * TA-Lib's ATR.
    result = ti.supertrend(bars.high, bars.low, bars.close, 14, 2.0)
    atr = talib.ATR(bars.high, bars.low, bars.close, 14)
    mid = 0.5 * (bars.high + bars.low)
    raw = np.where(result.direction > 0.0, mid - 2.0 * atr, mid + 2.0 * atr)
    fresh = np.isclose(result.line, raw, rtol=1e-12, atol=0.0)
    assert fresh.sum() > len(bars.close) // 4
    np.testing.assert_allclose(result.line[fresh], raw[fresh], rtol=1e-12)


_POSITIONS = st.sampled_from([0, 1, 2, 9, 10, 11, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 299])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    period=st.integers(1, 12),
    multiplier=st.floats(0.25, 4.0),
    holes=st.lists(st.tuples(st.sampled_from(["high", "low", "close"]), _POSITIONS), max_size=4),
    leading=st.integers(0, 3),
)
def test_supertrend_nan_handling_matches_reference(
    bars: Bars, period: int, multiplier: float, holes: list[tuple[str, int]], leading: int
) -> None:
    columns = {"high": bars.high[:300].copy(), "low": bars.low[:300].copy()}
    columns["close"] = bars.close[:300].copy()
    columns["close"][:leading] = NAN
    for name, position in holes:
        columns[name][position] = NAN
    high, low, close = columns["high"], columns["low"], columns["close"]
    line, direction = _reference(high, low, close, period, multiplier)
    result = ti.supertrend(high, low, close, period, multiplier)
    np.testing.assert_array_equal(result.line, line)
    np.testing.assert_array_equal(result.direction, direction)


def test_supertrend_infinite_inputs_match_reference(bars: Bars) -> None:
    high, low, close = bars.high[:400].copy(), bars.low[:400].copy(), bars.close[:400].copy()
    high[[150, 260]] = np.inf
    low[200] = -np.inf
    close[300] = 1e308
    line, direction = _reference(high, low, close, 5, 2.0)
    result = ti.supertrend(high, low, close, 5, 2.0)
    np.testing.assert_array_equal(result.line, line)
    np.testing.assert_array_equal(result.direction, direction)
