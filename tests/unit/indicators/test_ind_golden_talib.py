"""Golden tests: every TA-Lib-backed indicator equals TA-Lib to 1e-9 on synthetic data.

Each indicator is called through tradegraph with pandas / list / int inputs and
non-default parameters, and compared with a direct TA-Lib call, so the argument mapping
(order, names, MA types) and the input coercion are what is under test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
import talib

from tradegraph import indicators as ti

if TYPE_CHECKING:
    from conftest import Bars

TOL = 1e-9


def _same(actual: np.ndarray, expected: np.ndarray) -> None:
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0.0, atol=TOL, equal_nan=True)
    assert np.array_equal(np.isnan(actual), np.isnan(expected))


CASES: list[tuple[str, Callable[[Bars], Any], Callable[[Bars], Any]]] = [
    ("sma", lambda b: ti.sma(b.close, 7), lambda b: talib.SMA(b.close, 7)),
    ("ema", lambda b: ti.ema(b.close, 9), lambda b: talib.EMA(b.close, 9)),
    ("wma", lambda b: ti.wma(b.close, 5), lambda b: talib.WMA(b.close, 5)),
    ("rsi", lambda b: ti.rsi(b.close), lambda b: talib.RSI(b.close, 14)),
    ("rsi_5", lambda b: ti.rsi(b.close, 5), lambda b: talib.RSI(b.close, 5)),
    ("macd", lambda b: ti.macd(b.close), lambda b: talib.MACD(b.close, 12, 26, 9)),
    ("macd_5_13_4", lambda b: ti.macd(b.close, 5, 13, 4), lambda b: talib.MACD(b.close, 5, 13, 4)),
    (
        "bollinger",
        lambda b: ti.bollinger(b.close, 10, 1.5),
        lambda b: talib.BBANDS(b.close, 10, 1.5, 1.5, 0),
    ),
    ("atr", lambda b: ti.atr(b.high, b.low, b.close), lambda b: talib.ATR(b.high, b.low, b.close)),
    (
        "true_range",
        lambda b: ti.true_range(b.high, b.low, b.close),
        lambda b: talib.TRANGE(b.high, b.low, b.close),
    ),
    (
        "stoch_fast",
        lambda b: ti.stoch_fast(b.high, b.low, b.close, 9, 4),
        lambda b: talib.STOCHF(b.high, b.low, b.close, 9, 4, 0),
    ),
    (
        "stoch_slow",
        lambda b: ti.stoch_slow(b.high, b.low, b.close, 9, k_smooth=4, d_period=2),
        lambda b: talib.STOCH(b.high, b.low, b.close, 9, 4, 0, 2, 0),
    ),
    (
        "cci",
        lambda b: ti.cci(b.high, b.low, b.close, 11),
        lambda b: talib.CCI(b.high, b.low, b.close, 11),
    ),
    (
        "mfi",
        lambda b: ti.mfi(b.high, b.low, b.close, b.volume, 10),
        lambda b: talib.MFI(b.high, b.low, b.close, b.volume, 10),
    ),
    (
        "adx",
        lambda b: ti.adx(b.high, b.low, b.close, 10),
        lambda b: (
            talib.ADX(b.high, b.low, b.close, 10),
            talib.PLUS_DI(b.high, b.low, b.close, 10),
            talib.MINUS_DI(b.high, b.low, b.close, 10),
        ),
    ),
    ("obv", lambda b: ti.obv(b.close, b.volume), lambda b: talib.OBV(b.close, b.volume)),
    (
        "donchian",
        lambda b: ti.donchian(b.high, b.low, 15)[::2],
        lambda b: (talib.MAX(b.high, 15), talib.MIN(b.low, 15)),
    ),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_equals_talib(bars: Bars, name: str, ours: Callable[[Bars], Any], theirs: Any) -> None:
    actual = ours(bars)
    expected = theirs(bars)
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _same(a, e)
    else:
        _same(actual, expected)


def test_pandas_and_list_inputs_give_the_same_arrays(bars: Bars) -> None:
    index = pd.date_range("2024-01-01", periods=len(bars.close), freq="h")
    series = pd.Series(bars.close, index=index)
    _same(ti.ema(series, 10), talib.EMA(bars.close, 10))
    _same(ti.rsi(list(bars.close), 7), talib.RSI(bars.close, 7))
    high, low, close = (pd.Series(x, index=index) for x in (bars.high, bars.low, bars.close))
    _same(ti.atr(high, low, close, 5), talib.ATR(bars.high, bars.low, bars.close, 5))


def test_integer_and_strided_inputs_are_coerced(bars: Bars) -> None:
    ints = np.arange(1, 60, dtype=np.int32)
    _same(ti.sma(ints, 4), talib.SMA(ints.astype(np.float64), 4))
    strided = np.repeat(bars.close, 2)[::2]
    assert not strided.flags["C_CONTIGUOUS"]
    _same(ti.wma(strided, 6), talib.WMA(np.ascontiguousarray(strided), 6))


def test_multi_output_results_are_named(bars: Bars) -> None:
    result = ti.macd(bars.close)
    assert isinstance(result, ti.MacdResult)
    line, signal, hist = result
    assert hist is result.hist
    _same(hist, line - signal)
    assert ti.bollinger(bars.close)._fields == ("upper", "middle", "lower")
    assert ti.adx(bars.high, bars.low, bars.close)._fields == ("adx", "plus_di", "minus_di")
    assert ti.stoch_slow(bars.high, bars.low, bars.close)._fields == ("k", "d")
