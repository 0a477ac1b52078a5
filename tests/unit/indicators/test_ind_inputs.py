"""Input coercion and error messages: they name the argument and suggest a fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from tradegraph import indicators as ti
from tradegraph.core.errors import ValidationError
from tradegraph.indicators.inputs import as_float_array, as_int64_array

if TYPE_CHECKING:
    from conftest import Bars


def test_contiguous_float64_passes_through_without_copy() -> None:
    values = np.arange(5.0)
    assert as_float_array("close", values) is values


def test_series_and_lists_are_coerced() -> None:
    out = as_float_array("close", pd.Series([1, 2, 3]))
    assert out.dtype == np.float64
    assert out.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(as_float_array("close", [1, 2.5]), [1.0, 2.5])


def test_two_dimensional_input_names_the_argument() -> None:
    with pytest.raises(ValidationError, match="'close' must be one-dimensional") as info:
        ti.sma(np.ones((5, 2)), 2)
    assert info.value.hint is not None


def test_non_numeric_input_is_rejected() -> None:
    with pytest.raises(ValidationError, match="'close' must be numeric"):
        ti.ema(np.array(["a", "b"]), 2)
    with pytest.raises(ValidationError, match="'close' could not be read"):
        ti.ema([1.0, [2.0, 3.0]], 2)  # type: ignore[list-item]


def test_mismatched_lengths_list_every_argument(bars: Bars) -> None:
    with pytest.raises(ValidationError, match=r"high=600, low=599, close=600"):
        ti.atr(bars.high, bars.low[:-1], bars.close)
    with pytest.raises(ValidationError, match="volume=10"):
        ti.mfi(bars.high, bars.low, bars.close, bars.volume[:10])


@pytest.mark.parametrize("bad", [0, -3])
def test_periods_below_one_name_the_parameter(bars: Bars, bad: int) -> None:
    with pytest.raises(ValidationError, match="'period' must be >= 1"):
        ti.sma(bars.close, bad)
    with pytest.raises(ValidationError, match="'window' must be >= 1"):
        ti.vwap_rolling(bars.high, bars.low, bars.close, bars.volume, bad)


def test_non_integer_periods_are_rejected(bars: Bars) -> None:
    with pytest.raises(ValidationError, match="'period' must be an integer"):
        ti.sma(bars.close, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'period' must be an integer"):
        ti.sma(bars.close, True)


def test_talib_minimums_are_enforced_with_our_error(bars: Bars) -> None:
    with pytest.raises(ValidationError, match="'period' must be >= 2"):
        ti.rsi(bars.close, 1)
    with pytest.raises(ValidationError, match="fast < slow"):
        ti.macd(bars.close, 26, 12)
    with pytest.raises(ValidationError, match="'multiplier' must be > 0"):
        ti.supertrend(bars.high, bars.low, bars.close, 10, 0.0)
    with pytest.raises(ValidationError, match="'nbdev' must be finite"):
        ti.bollinger(bars.close, 20, float("nan"))


def test_short_and_empty_inputs_give_all_nan() -> None:
    assert np.isnan(ti.sma([1.0, 2.0], 5)).all()
    assert ti.ema(np.array([]), 3).shape == (0,)
    assert np.isnan(ti.volume_profile([1.0], [1.0], [1.0], [1.0], 3).poc).all()
    assert np.isnan(ti.supertrend([2.0, 3.0], [1.0, 2.0], [1.5, 2.5], 5).line).all()


def test_leading_nans_shift_the_warm_up() -> None:
    values = np.concatenate([[np.nan] * 3, np.arange(1.0, 8.0)])
    result = ti.sma(values, 2)
    assert np.isnan(result[:4]).all()
    np.testing.assert_allclose(result[4:], np.arange(1.5, 7.0))


def test_timestamps_coercion() -> None:
    stamps = np.array(["2024-01-01T00:00", "2024-01-01T01:00"], dtype="datetime64[m]")
    np.testing.assert_array_equal(
        as_int64_array("timestamps_ns", stamps), stamps.astype("datetime64[ns]").view(np.int64)
    )
    with pytest.raises(ValidationError, match="'timestamps_ns' must hold integer"):
        as_int64_array("timestamps_ns", np.array([1.5, 2.5]))
    with pytest.raises(ValidationError, match="'timestamps_ns' must be one-dimensional"):
        as_int64_array("timestamps_ns", np.zeros((2, 2), dtype=np.int64))


def test_inputs_are_never_modified(bars: Bars) -> None:
    copies = {name: column.copy() for name, column in bars.columns().items()}
    for spec in ti.REGISTRY.values():
        params = {p.name: 5 for p in spec.params if p.required}
        spec.compute(bars.columns(), params)
    for name, column in bars.columns().items():
        np.testing.assert_array_equal(column, copies[name])
