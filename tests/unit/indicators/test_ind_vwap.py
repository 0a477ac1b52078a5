"""VWAP (session, rolling, anchored) against hand-computed cases and the definition."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from tradegraph import indicators as ti
from tradegraph.core.errors import ValidationError

if TYPE_CHECKING:
    from conftest import Bars

NAN = np.nan
HOUR_NS = 3_600_000_000_000
DAY_NS = 24 * HOUR_NS


def _flat(prices: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bars whose high = low = close, so the typical price is the price itself."""
    p = np.array(prices)
    return p, p.copy(), p.copy()


def test_session_vwap_restarts_each_day() -> None:
    high, low, close = _flat([10.0, 20.0, 30.0, 40.0, 50.0])
    volume = np.array([1.0, 3.0, 0.0, 2.0, 2.0])
    day = int(pd.Timestamp("2024-03-04", tz="UTC").value)
    ts = np.array([day, day + 23 * HOUR_NS, day + DAY_NS, day + DAY_NS + HOUR_NS, day + 2 * DAY_NS])
    result = ti.vwap_session(high, low, close, volume, ts)
    # day 1: 10, (10*1 + 20*3)/4 = 17.5; day 2: no volume yet → NaN, then 40; day 3: 50
    np.testing.assert_array_equal(result, [10.0, 17.5, NAN, 40.0, 50.0])


def test_session_vwap_uses_typical_price() -> None:
    high = np.array([12.0, 15.0])
    low = np.array([9.0, 9.0])
    close = np.array([9.0, 12.0])
    volume = np.array([1.0, 1.0])
    ts = np.array([0, HOUR_NS])
    # typical prices 10 and 12 → 10, 11
    np.testing.assert_allclose(ti.vwap_session(high, low, close, volume, ts), [10.0, 11.0])


def test_weekly_sessions_start_on_monday_and_offset_shifts_boundaries() -> None:
    high, low, close = _flat([1.0, 3.0, 5.0])
    volume = np.ones(3)
    sunday = pd.Timestamp("2024-03-03 12:00", tz="UTC").value
    monday = pd.Timestamp("2024-03-04 00:00", tz="UTC").value
    tuesday = pd.Timestamp("2024-03-05 00:00", tz="UTC").value
    ts = np.array([sunday, monday, tuesday])
    np.testing.assert_array_equal(
        ti.vwap_session(high, low, close, volume, ts, "1w"), [1.0, 3.0, 4.0]
    )
    # Daily sessions opening at 13:00 UTC: Sunday 12:00 belongs to Saturday's session,
    # Monday 00:00 and Tuesday 00:00 to the Sunday 13:00 and Monday 13:00 sessions.
    shifted = ti.vwap_session(high, low, close, volume, ts, "1d", offset_ns=13 * HOUR_NS)
    np.testing.assert_array_equal(shifted, [1.0, 3.0, 5.0])


def test_session_vwap_accepts_datetime_index_with_timezone(bars: Bars) -> None:
    index = pd.DatetimeIndex(bars.timestamp).tz_localize("UTC").tz_convert("America/New_York")
    from_index = ti.vwap_session(bars.high, bars.low, bars.close, bars.volume, index)
    from_ints = ti.vwap_session(bars.high, bars.low, bars.close, bars.volume, bars.timestamp)
    np.testing.assert_array_equal(from_index, from_ints)


def test_session_vwap_matches_groupby_definition(bars: Bars) -> None:
    frame = pd.DataFrame(
        {
            "tp": (bars.high + bars.low + bars.close) / 3,
            "v": bars.volume,
            "day": pd.DatetimeIndex(bars.timestamp).floor("D"),
        }
    )
    pv = (frame.tp * frame.v).groupby(frame.day).cumsum()
    vol = frame.v.groupby(frame.day).cumsum()
    expected = (pv / vol).to_numpy()
    actual = ti.vwap_session(bars.high, bars.low, bars.close, bars.volume, bars.timestamp, "1d")
    np.testing.assert_allclose(actual, expected, rtol=1e-12)


def test_session_vwap_rejects_unsorted_timestamps(bars: Bars) -> None:
    ts = bars.timestamp.copy()
    ts[[10, 11]] = ts[[11, 10]]
    with pytest.raises(ValidationError, match="index 11"):
        ti.vwap_session(bars.high, bars.low, bars.close, bars.volume, ts)
    with pytest.raises(ValidationError, match="timeframe"):
        ti.vwap_session(bars.high, bars.low, bars.close, bars.volume, bars.timestamp, "7m")


def test_rolling_vwap_hand_computed() -> None:
    high, low, close = _flat([10.0, 20.0, 30.0, 40.0])
    volume = np.array([1.0, 1.0, 2.0, 0.0])
    result = ti.vwap_rolling(high, low, close, volume, window=2)
    # (10+20)/2 = 15, (20+60)/3 = 80/3, (60+0)/2 = 30
    np.testing.assert_allclose(result, [NAN, 15.0, 80 / 3, 30.0], equal_nan=True)


def test_rolling_vwap_matches_rolling_sums(bars: Bars) -> None:
    tp = (bars.high + bars.low + bars.close) / 3
    for window in (1, 7, 50):
        pv = pd.Series(tp * bars.volume).rolling(window).sum()
        vol = pd.Series(bars.volume).rolling(window).sum()
        actual = ti.vwap_rolling(bars.high, bars.low, bars.close, bars.volume, window)
        np.testing.assert_allclose(actual, (pv / vol).to_numpy(), rtol=1e-10, equal_nan=True)


def test_rolling_vwap_with_zero_volume_window_is_nan_not_garbage() -> None:
    high, low, close = _flat([10.0, 11.0, 12.0, 13.0, 14.0, 15.0])
    volume = np.array([1e12, 1.0, 0.0, 0.0, 0.0, 3.0])
    result = ti.vwap_rolling(high, low, close, volume, window=2)
    assert np.isnan(result[3])
    assert np.isnan(result[4])
    np.testing.assert_allclose(result[5], 15.0)


def test_anchored_vwap_hand_computed() -> None:
    high, low, close = _flat([5.0, 10.0, 20.0, 40.0])
    volume = np.array([9.0, 1.0, 1.0, 2.0])
    result = ti.vwap_anchored(high, low, close, volume, anchor_index=1)
    np.testing.assert_allclose(result, [NAN, 10.0, 15.0, 110 / 4], equal_nan=True)


def test_anchored_vwap_rejects_out_of_range_anchor(bars: Bars) -> None:
    with pytest.raises(ValidationError, match="anchor_index"):
        ti.vwap_anchored(bars.high, bars.low, bars.close, bars.volume, len(bars.close))
    with pytest.raises(ValidationError, match="anchor_index"):
        ti.vwap_anchored(bars.high, bars.low, bars.close, bars.volume, -1)


def test_nan_bars_are_skipped_by_vwap() -> None:
    high, low, close = _flat([10.0, NAN, 30.0])
    volume = np.array([1.0, 5.0, 1.0])
    np.testing.assert_allclose(
        ti.vwap_anchored(high, low, close, volume, 0), [10.0, NAN, 20.0], equal_nan=True
    )


def test_typical_price() -> None:
    np.testing.assert_allclose(ti.typical_price([12.0, 3.0], [6.0, 1.0], [9.0, 2.0]), [9.0, 2.0])
