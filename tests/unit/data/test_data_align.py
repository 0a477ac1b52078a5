"""Multi-timeframe alignment: a higher bar is visible only once it has closed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradegraph.data.align import align_to, multi_timeframe
from tradegraph.data.contract import from_arrays
from tradegraph.model.timeframe import Timeframe

TF = Timeframe.parse
PAIRS = [("1m", "5m"), ("1m", "15m"), ("5m", "1h"), ("15m", "4h"), ("1h", "1d"), ("4h", "1w")]


def test_hand_example_fifteen_minutes_over_one_hour(bars) -> None:
    base = bars([(1, 1, 1, 1, 1)] * 12, start="2024-01-01T09:00Z", freq="15min")
    hourly = pd.DataFrame(
        {"close": [100.0, 200.0, 300.0]},
        index=pd.DatetimeIndex(
            ["2024-01-01T09:00Z", "2024-01-01T10:00Z", "2024-01-01T11:00Z"]
        ).as_unit("ns"),
    )
    aligned = align_to(pd.DatetimeIndex(base.index), hourly, TF("1h"))
    # 09:00-09:45 see nothing: the 09:00 hour closes at 10:00.
    assert aligned["close"].iloc[:4].isna().all()
    # 10:00-10:45 see the 09:00 hour; 11:00-11:45 the 10:00 hour.
    assert aligned["close"].iloc[4:8].tolist() == [100.0] * 4
    assert aligned["close"].iloc[8:12].tolist() == [200.0] * 4
    # The 11:00 hour closes at 12:00, after the last base bar: never visible here.
    assert 300.0 not in aligned["close"].tolist()


def test_series_input_and_gaps_in_base(bars) -> None:
    base_times = ["2024-01-01T09:50Z", "2024-01-01T12:10Z"]
    base = bars([(1, 1, 1, 1, 1)] * 2, times=base_times)
    hourly = pd.Series(
        [1.0, 2.0, 3.0],
        index=pd.DatetimeIndex(["2024-01-01T09:00Z", "2024-01-01T10:00Z", "2024-01-01T11:00Z"]),
        name="x",
    )
    aligned = align_to(pd.DatetimeIndex(base.index), hourly, TF("1h"))
    assert np.isnan(aligned["x"].iloc[0])
    assert aligned["x"].iloc[1] == 3.0  # the 11:00 hour closed at 12:00 <= 12:10


def test_multi_timeframe_columns_and_values(bars) -> None:
    rows = [(float(i), float(i) + 2, float(i) - 1, float(i) + 1, 1.0) for i in range(12)]
    base = bars(rows, start="2024-01-01T00:00Z", freq="5min")
    frame = multi_timeframe(base, TF("5m"), [TF("15m")])
    assert list(frame.columns) == [
        "open", "high", "low", "close", "volume",
        "open_15m", "high_15m", "low_15m", "close_15m", "volume_15m",
    ]  # fmt: skip
    # The 00:00 15m bar (base bars 0-2) closes at 00:15: first visible on base bar 3.
    assert frame["close_15m"].iloc[:3].isna().all()
    assert frame.iloc[3][["open_15m", "high_15m", "low_15m", "close_15m", "volume_15m"]].tolist() == [
        0.0, 4.0, -1.0, 3.0, 3.0,
    ]  # fmt: skip
    assert frame["close_15m"].iloc[6] == 6.0  # 00:15 bar = base bars 3-5, close of bar 5


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[Timeframe, Timeframe, pd.DataFrame, int, pd.DataFrame]:
    base_code, higher_code = draw(st.sampled_from(PAIRS))
    base_tf, higher_tf = TF(base_code), TF(higher_code)
    ratio = higher_tf.seconds // base_tf.seconds
    gap = st.integers(min_value=1, max_value=ratio + 2)  # gaps of any size, even whole bars
    steps = np.asarray(draw(st.lists(gap, min_size=1, max_size=120)), dtype=np.int64)
    offset = draw(st.integers(min_value=0, max_value=3 * ratio))
    start = pd.Timestamp("2024-01-01T00:00Z").value + offset * base_tf.nanoseconds
    times = start + (np.cumsum(steps) - steps[0]) * base_tf.nanoseconds
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    frame = _random_bars(times, rng)
    cut = draw(st.integers(min_value=0, max_value=len(times) - 1))
    # New values, and a different number and spacing of bars, for everything after `cut`.
    later = np.asarray(draw(st.lists(gap, min_size=0, max_size=40)), dtype=np.int64)
    later_times = times[cut] + np.cumsum(later) * base_tf.nanoseconds
    changed = pd.concat([frame.iloc[: cut + 1], _random_bars(later_times, rng)])
    return base_tf, higher_tf, frame, cut, changed


def _random_bars(times: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    closes = rng.uniform(1.0, 1000.0, len(times))
    opens = closes * rng.uniform(0.97, 1.03, len(times))
    highs = np.maximum(opens, closes) * rng.uniform(1.0, 1.02, len(times))
    lows = np.minimum(opens, closes) * rng.uniform(0.98, 1.0, len(times))
    volumes = rng.uniform(0.0, 100.0, len(times))
    return from_arrays(times, (opens, highs, lows, closes, volumes))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_no_look_ahead_property(scenario) -> None:
    """Changing base bars after t never changes any aligned value at or before t."""
    base_tf, higher_tf, original, cut, changed = scenario
    before = multi_timeframe(original, base_tf, [higher_tf]).iloc[: cut + 1]
    after = multi_timeframe(changed, base_tf, [higher_tf]).iloc[: cut + 1]
    pd.testing.assert_frame_equal(before, after)
    # And every aligned higher value visible at a row had closed by that row's open time.
    resampled_close = before[f"close_{higher_tf.code}"]
    visible = resampled_close.notna().to_numpy()
    if visible.any():
        first_row = int(np.flatnonzero(visible)[0])
        first_higher_close = (
            original.index[0].floor(pd.Timedelta(seconds=higher_tf.seconds))
            if higher_tf.code != "1w"
            else original.index[0].normalize() - pd.Timedelta(days=original.index[0].weekday())
        ) + pd.Timedelta(seconds=higher_tf.seconds)
        assert before.index[first_row] >= first_higher_close
