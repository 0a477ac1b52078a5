"""Resampling rules, the bar grid and incomplete trailing bars."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.data.contract import to_ohlcv
from tradegraph.data.grid import floor_ns, on_grid
from tradegraph.data.resample import resample_ohlcv
from tradegraph.data.sources.synthetic import SyntheticConfig, generate_ohlcv
from tradegraph.model.timeframe import Timeframe

TF = Timeframe.parse


def _ns(text: str) -> int:
    return int(pd.Timestamp(text).value)


def test_grid_weeks_open_on_monday_and_hours_on_the_epoch_grid() -> None:
    wednesday = _ns("2024-01-03T15:20Z")
    assert floor_ns(np.array([wednesday]), TF("1w"))[0] == _ns("2024-01-01T00:00Z")  # Monday
    assert floor_ns(np.array([wednesday]), TF("4h"))[0] == _ns("2024-01-03T12:00Z")
    assert floor_ns(np.array([wednesday]), TF("1d"))[0] == _ns("2024-01-03T00:00Z")
    assert floor_ns(np.array([wednesday]), TF("15m"))[0] == _ns("2024-01-03T15:15Z")
    assert on_grid(np.array([_ns("2024-01-08T00:00Z"), wednesday]), TF("1w")).tolist() == [
        True,
        False,
    ]


def test_hand_computed_five_minute_bars(bars) -> None:
    rows = [
        (10, 12, 9, 11, 1),  # 00:00
        (11, 15, 10, 14, 2),
        (14, 14, 8, 9, 3),
        (9, 10, 9, 10, 4),
        (10, 11, 10, 10.5, 5),  # 00:04
        (10.5, 13, 10, 12, 6),  # 00:05
        (12, 12, 7, 8, 7),  # 00:06
    ]
    result = resample_ohlcv(bars(rows), TF("1m"), TF("5m"))
    assert result.bars.index.tolist() == [
        pd.Timestamp("2024-01-01T00:00Z"),
        pd.Timestamp("2024-01-01T00:05Z"),
    ]
    assert result.bars.iloc[0].tolist() == [10, 15, 8, 10.5, 15]
    assert result.bars.iloc[1].tolist() == [10.5, 13, 7, 8, 13]
    assert result.counts.tolist() == [5, 2]
    assert result.complete.tolist() == [True, False]  # 00:05 bar has only 2 of 5 minutes
    assert result.has_incomplete_tail
    assert len(result.complete_bars()) == 1


def test_trailing_bar_is_complete_when_its_last_minute_is_there(bars) -> None:
    result = resample_ohlcv(bars([(1, 1, 1, 1, 1)] * 10), TF("1m"), TF("5m"))
    assert result.complete.tolist() == [True, True]
    assert not result.has_incomplete_tail


def test_interior_gap_bar_is_complete_and_counts_show_the_gap(bars) -> None:
    times = ["2024-01-01T00:00Z", "2024-01-01T00:01Z", "2024-01-01T00:07Z", "2024-01-01T00:09Z"]
    result = resample_ohlcv(bars([(1, 2, 0.5, 1.5, 1)] * 4, times=times), TF("1m"), TF("5m"))
    assert result.counts.tolist() == [2, 2]
    assert result.complete.tolist() == [True, True]


def test_nan_bars_are_left_out(bars) -> None:
    rows = [(10, 12, 9, 11, 1), (float("nan"), 99, 1, 50, 100), (11, 13, 10, 12, float("nan"))]
    result = resample_ohlcv(bars(rows, freq="1min"), TF("1m"), TF("3m"))
    assert result.bars.iloc[0].tolist() == [10, 13, 9, 12, 1]
    assert result.counts.tolist() == [2]


def _pandas_oracle(frame: pd.DataFrame, target: Timeframe) -> pd.DataFrame:
    rules = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    if target.code == "1w":
        grouped = frame.resample("W-MON", label="left", closed="left")
    elif target.code == "1d":
        grouped = frame.resample("1D", label="left", closed="left")
    else:
        grouped = frame.resample(target.pandas_freq, label="left", closed="left", origin="epoch")
    expected = grouped.agg(rules)
    counts = grouped["close"].count()
    expected = expected[counts > 0]
    return to_ohlcv(expected)


@pytest.mark.parametrize(
    ("source", "target"),
    [("1m", "5m"), ("1m", "15m"), ("1m", "1h"), ("5m", "4h"), ("1h", "1d"), ("1h", "1w")],
)
def test_matches_pandas_resample_on_gappy_data(source: str, target: str) -> None:
    config = SyntheticConfig(
        timeframe=TF(source),
        bars=6000,
        seed=3,
        start=datetime(2024, 1, 3, 7, tzinfo=UTC),  # a Wednesday, off the coarse grids
        missing_bar_probability=0.2,
    )
    frame = generate_ohlcv(config)
    result = resample_ohlcv(frame, TF(source), TF(target))
    expected = _pandas_oracle(frame, TF(target))
    pd.testing.assert_frame_equal(result.bars, expected, check_freq=False)


def test_invalid_pairs_are_refused(bars) -> None:
    frame = bars([(1, 1, 1, 1, 1)] * 3)
    for source, target in (("1h", "1m"), ("1h", "1h"), ("3m", "5m")):
        with pytest.raises(ValidationError, match=f"Cannot resample {source} bars into {target}"):
            resample_ohlcv(frame, TF(source), TF(target))


def test_empty_input(bars) -> None:
    result = resample_ohlcv(bars([]), TF("1m"), TF("1h"))
    assert len(result.bars) == 0
    assert not result.has_incomplete_tail
