"""The OHLCV contract: what to_ohlcv accepts, what it produces, what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.errors import DataFormatError
from tradegraph.data.contract import (
    OHLCV_COLUMNS,
    empty_ohlcv,
    epoch_to_ns,
    is_ohlcv,
    normalize_ohlcv,
    times_ns,
    to_ohlcv,
    validate_ohlcv,
)

JAN1_NS = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z


def _assert_contract(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns) == OHLCV_COLUMNS
    assert all(frame[c].dtype == np.float64 for c in OHLCV_COLUMNS)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.index.name == "time"
    assert frame.index.is_monotonic_increasing
    assert frame.index.is_unique
    assert is_ohlcv(frame)


def test_frame_with_any_case_columns_and_time_column() -> None:
    raw = pd.DataFrame(
        {
            "Date": ["2024-01-01", "2024-01-02"],
            "OPEN": [1, 2],
            "High": [3, 4],
            "low": [0.5, 1.5],
            "Close": [2, 3],
            "Volume": [10, 20],
            "Adj Close": [9, 9],
        }
    )
    frame = to_ohlcv(raw)
    _assert_contract(frame)
    assert list(frame.index) == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-02", tz="UTC"),
    ]
    assert frame["open"].tolist() == [1.0, 2.0]
    assert frame["high"].tolist() == [3.0, 4.0]
    assert frame["volume"].tolist() == [10.0, 20.0]


def test_naive_index_is_utc_and_other_zones_are_converted() -> None:
    naive = pd.DataFrame(
        {"open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]},
        index=pd.DatetimeIndex([datetime(2024, 1, 1, 12)]),
    )
    assert to_ohlcv(naive).index[0] == pd.Timestamp("2024-01-01T12:00Z")
    eastern = naive.copy()
    eastern.index = pd.DatetimeIndex([pd.Timestamp("2024-01-01T07:00", tz="America/New_York")])
    assert to_ohlcv(eastern).index[0] == pd.Timestamp("2024-01-01T12:00Z")


def test_ccxt_rows_with_epoch_milliseconds() -> None:
    rows = [
        [1_704_067_200_000, 42283.58, 42298.62, 42261.02, 42298.61, 35.9],
        [1_704_067_260_000, 42298.62, 42320.0, 42298.61, 42320.0, 21.9],
    ]
    frame = to_ohlcv(rows)
    _assert_contract(frame)
    assert times_ns(frame).tolist() == [JAN1_NS, JAN1_NS + 60 * 10**9]
    assert frame.iloc[1].tolist() == [42298.62, 42320.0, 42298.61, 42320.0, 21.9]


@pytest.mark.parametrize(
    "value",
    [1_704_067_200, 1_704_067_200_000, 1_704_067_200_000_000, 1_704_067_200_000_000_000],
    ids=["seconds", "milliseconds", "microseconds", "nanoseconds"],
)
def test_epoch_unit_is_inferred_from_magnitude(value: int) -> None:
    assert epoch_to_ns([value]).tolist() == [JAN1_NS]


def test_unsorted_input_is_refused_unless_sort_is_asked() -> None:
    rows = [[JAN1_NS + 60 * 10**9, 1, 1, 1, 1, 1], [JAN1_NS, 2, 2, 2, 2, 2]]
    with pytest.raises(DataFormatError, match="not in increasing order") as info:
        to_ohlcv(rows)
    assert info.value.hint and "sort=True" in info.value.hint
    frame = to_ohlcv(rows, sort=True)
    assert frame["open"].tolist() == [2.0, 1.0]


def test_duplicate_policies() -> None:
    same = [[JAN1_NS, 1, 1, 1, 1, 1], [JAN1_NS, 1, 1, 1, 1, 1]]
    conflicting = [[JAN1_NS, 1, 1, 1, 1, 1], [JAN1_NS, 2, 2, 2, 2, 2]]
    with pytest.raises(DataFormatError, match="duplicate bar time"):
        to_ohlcv(same)
    assert len(to_ohlcv(same, duplicates="drop_identical")) == 1
    with pytest.raises(DataFormatError, match="two different bars"):
        to_ohlcv(conflicting, duplicates="drop_identical")
    assert to_ohlcv(conflicting, duplicates="keep_last")["open"].tolist() == [2.0]


def test_missing_column_error_names_it() -> None:
    raw = pd.DataFrame({"time": [JAN1_NS], "open": [1], "high": [1], "close": [1], "volume": [1]})
    with pytest.raises(DataFormatError, match="'low'") as info:
        to_ohlcv(raw, what="my bars")
    assert "my bars" in str(info.value)
    filled = to_ohlcv(raw.assign(low=1).drop(columns="volume"), fill_missing_volume=True)
    assert filled["volume"].tolist() == [0.0]


def test_non_numeric_value_error_names_column_and_row() -> None:
    raw = pd.DataFrame(
        {
            "time": [JAN1_NS, JAN1_NS + 1],
            "open": ["1", "x"],
            "high": [1, 1],
            "low": [1, 1],
            "close": [1, 1],
            "volume": [1, 1],
        }
    )
    with pytest.raises(DataFormatError, match=r"column 'open' row 1 holds 'x'"):
        to_ohlcv(raw)


def test_no_time_anywhere_is_refused() -> None:
    with pytest.raises(DataFormatError, match="no bar time"):
        to_ohlcv(pd.DataFrame({"open": [1], "high": [1], "low": [1], "close": [1], "volume": [1]}))


def test_unreadable_input_type() -> None:
    with pytest.raises(DataFormatError, match="cannot make OHLCV bars from a int"):
        to_ohlcv(5)
    with pytest.raises(DataFormatError, match="rows must be"):
        to_ohlcv([[1, 2, 3]])


def test_normalize_keeps_order_problems_for_the_quality_check() -> None:
    rows = [[JAN1_NS, 1, 1, 1, 1, 1], [JAN1_NS, 1, 1, 1, 1, 1], [JAN1_NS - 1, 1, 1, 1, 1, 1]]
    frame = normalize_ohlcv(rows)
    assert len(frame) == 3
    assert not frame.index.is_monotonic_increasing


def test_validate_ohlcv_lists_every_problem() -> None:
    bad = pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex([datetime(2024, 1, 1, tzinfo=UTC)]))
    with pytest.raises(DataFormatError, match="columns are") as info:
        validate_ohlcv(bad)
    assert "datetime64[ns, UTC]" in str(info.value)  # the index is in us, not ns
    assert not is_ohlcv(bad)
    assert not is_ohlcv("not a frame")


def test_empty_frame_is_a_contract_frame() -> None:
    _assert_contract(empty_ohlcv())
    _assert_contract(to_ohlcv([]))
