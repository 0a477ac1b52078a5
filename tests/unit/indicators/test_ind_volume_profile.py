"""Volume profile: hand-computed cases and an independent brute-force definition."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph import indicators as ti
from tradegraph.core.errors import ValidationError

if TYPE_CHECKING:
    from conftest import Bars


def test_range_profile_hand_computed() -> None:
    # Bar A spans [0, 10] with volume 10 → 1 per row of width 1. Bar B is a point at 2.5
    # with volume 5 → row 2 gets 5 more. Rows: [1, 1, 6, 1, 1, 1, 1, 1, 1, 1], total 15.
    # POC row 2 (centre 2.5). Value area 70% → 10.5: start 6; tie 1/1 adds rows 1 and 3
    # (8); tie adds rows 0 and 4 (10); only "up" is left: row 5 (11 ≥ 10.5).
    high = np.array([10.0, 2.5])
    low = np.array([0.0, 2.5])
    close = np.array([5.0, 2.5])
    volume = np.array([10.0, 5.0])
    profile = ti.volume_profile_range(high, low, close, volume, 0, 2, bins=10)
    np.testing.assert_allclose(profile.volumes, [1, 1, 6, 1, 1, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(profile.edges, np.arange(11.0))
    assert profile.poc == pytest.approx(2.5)
    assert profile.val == pytest.approx(0.0)
    assert profile.vah == pytest.approx(6.0)


def test_close_distribution_puts_volume_at_the_close() -> None:
    high = np.array([4.0, 4.0, 4.0])
    low = np.array([0.0, 0.0, 0.0])
    close = np.array([0.5, 3.5, 3.9])
    volume = np.array([1.0, 2.0, 3.0])
    profile = ti.volume_profile_range(
        high, low, close, volume, 0, 3, bins=4, value_area=0.8, distribution="close"
    )
    np.testing.assert_allclose(profile.volumes, [1.0, 0.0, 0.0, 5.0])
    # POC row 3 (centre 3.5); 5/6 ≥ 0.8 already, so the value area is row 3 only.
    assert (profile.poc, profile.val, profile.vah) == pytest.approx((3.5, 3.0, 4.0))


def _brute_rows(h: np.ndarray, lo: np.ndarray, v: np.ndarray, bins: int) -> np.ndarray:
    """Row volumes by explicit overlap of each bar's range with each row."""
    edges = np.linspace(lo.min(), h.max(), bins + 1)
    rows = np.zeros(bins)
    for hi_j, lo_j, v_j in zip(h, lo, v, strict=True):
        overlap = np.clip(np.minimum(hi_j, edges[1:]) - np.maximum(lo_j, edges[:-1]), 0, None)
        rows += v_j * overlap / (hi_j - lo_j)
    return rows


def _brute_value_area(rows: np.ndarray, fraction: float) -> tuple[int, int, int]:
    poc = int(np.argmax(rows))
    members = {poc}
    while rows[sorted(members)].sum() < fraction * rows.sum() and len(members) < len(rows):
        lo, hi = min(members), max(members)
        up = rows[hi + 1] if hi + 1 < len(rows) else -1.0
        down = rows[lo - 1] if lo > 0 else -1.0
        if up >= down:
            members.add(hi + 1)
        if down >= up:
            members.add(lo - 1)
    return poc, min(members), max(members)


def test_rolling_profile_matches_brute_force(bars: Bars) -> None:
    window, bins, fraction = 30, 12, 0.7
    result = ti.volume_profile(bars.high, bars.low, bars.close, bars.volume, window, bins, fraction)
    assert np.isnan(result.poc[: window - 1]).all()
    for t in range(window - 1, 200, 7):
        sl = slice(t - window + 1, t + 1)
        h, lo, v = bars.high[sl], bars.low[sl], bars.volume[sl]
        rows = _brute_rows(h, lo, v, bins)
        assert rows.sum() == pytest.approx(v.sum())
        poc, low_row, high_row = _brute_value_area(rows, fraction)
        width = (h.max() - lo.min()) / bins
        assert result.poc[t] == pytest.approx(lo.min() + (poc + 0.5) * width)
        assert result.val[t] == pytest.approx(lo.min() + low_row * width)
        assert result.vah[t] == pytest.approx(lo.min() + (high_row + 1) * width)
        profile = ti.volume_profile_range(
            bars.high, bars.low, bars.close, bars.volume, t - window + 1, t + 1, bins, fraction
        )
        np.testing.assert_allclose(profile.volumes, rows, rtol=1e-9)
        assert profile.poc == result.poc[t]


def test_value_area_brackets_the_poc(bars: Bars) -> None:
    result = ti.volume_profile(
        bars.high, bars.low, bars.close, bars.volume, 40, distribution="typical"
    )
    ok = ~np.isnan(result.poc)
    assert ok.sum() == len(bars.close) - 39
    assert np.all(result.val[ok] < result.poc[ok])
    assert np.all(result.poc[ok] < result.vah[ok])
    lowest = np.array([bars.low[max(0, t - 39) : t + 1].min() for t in range(len(bars.low))])
    assert np.all(result.val[ok] >= lowest[ok] - 1e-9)


def test_flat_and_empty_windows() -> None:
    price = np.full(4, 7.0)
    result = ti.volume_profile(price, price, price, np.array([0.0, 0.0, 1.0, 1.0]), 2, bins=5)
    np.testing.assert_array_equal(result.poc, [np.nan, np.nan, 7.0, 7.0])
    np.testing.assert_array_equal(result.vah, [np.nan, np.nan, 7.0, 7.0])


def test_bad_profile_parameters(bars: Bars) -> None:
    args = (bars.high, bars.low, bars.close, bars.volume)
    with pytest.raises(ValidationError, match="value_area"):
        ti.volume_profile(*args, 10, 24, 0.0)
    with pytest.raises(ValidationError, match="distribution"):
        ti.volume_profile(*args, 10, distribution="median")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="stop"):
        ti.volume_profile_range(*args, 5, 5)


@pytest.mark.parametrize("distribution", ["range", "close", "typical"])
def test_rolling_equals_range_profile_at_every_bar(distribution: str) -> None:
    # Bars inside [1, 9] plus a wide [0, 10] bar every 25 bars: with window 30 the
    # window's range rarely changes, so most steps take the incremental add/remove path.
    rng = np.random.default_rng(5)
    n, window = 400, 30
    mid = 1.5 + 6.0 * rng.random(n)
    high = mid + 1.5 * rng.random(n)
    low = mid - 0.5 * rng.random(n)
    high[::25] = 10.0
    low[::25] = 0.0
    close = low + (high - low) * rng.random(n)
    volume = rng.lognormal(3.0, 1.0, n)
    volume[rng.random(n) < 0.05] = 0.0
    high[[50, 51, 200]] = np.nan
    result = ti.volume_profile(
        high, low, close, volume, window, 16, 0.68, distribution=distribution
    )
    for t in range(window - 1, n):
        profile = ti.volume_profile_range(
            high, low, close, volume, t - window + 1, t + 1, 16, 0.68, distribution=distribution
        )
        assert (result.poc[t], result.vah[t], result.val[t]) == pytest.approx(
            (profile.poc, profile.vah, profile.val), rel=1e-12
        ), f"bar {t}"
    assert not np.isnan(result.poc[window - 1 :]).any()


def test_nan_bars_are_left_out_of_the_profile() -> None:
    high = np.array([10.0, np.nan, 4.0])
    low = np.array([0.0, 0.0, 2.0])
    close = np.array([5.0, 1.0, 3.0])
    volume = np.array([10.0, 99.0, 4.0])
    with_nan = ti.volume_profile_range(high, low, close, volume, 0, 3, bins=5)
    without = ti.volume_profile_range(
        high[[0, 2]], low[[0, 2]], close[[0, 2]], volume[[0, 2]], 0, 2, bins=5
    )
    np.testing.assert_array_equal(with_nan.volumes, without.volumes)
    # rows of width 2: bar 0 puts 2 in each; bar 2 ([2, 4]) puts all 4 in row 1
    np.testing.assert_allclose(with_nan.volumes, [2.0, 6.0, 2.0, 2.0, 2.0])
    assert with_nan.poc == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("low", "high"), [(0.0, 24.0), (13.777385181, 13.777391879), (1e4, 1e4 + 1e-3)]
)
def test_a_single_bar_ties_on_every_row_at_any_price_level(low: float, high: float) -> None:
    # One bar spread over 24 equal rows: every row holds exactly volume / 24 in exact
    # arithmetic, so all rows tie, the POC is the lowest row and the 70% value area the
    # 17 lowest rows (17/24 >= 0.7 > 16/24) — also when the range is a few ulps of the
    # price wide, where edge differences carry rounding of the price level.
    h, lo, c, v = np.array([high]), np.array([low]), np.array([low]), np.array([500.0])
    profile = ti.volume_profile_range(h, lo, c, v, 0, 1, bins=24)
    assert len(set(profile.volumes.tolist())) == 1
    assert profile.volumes.sum() == pytest.approx(500.0, rel=1e-12)
    width = (high - low) / 24
    assert profile.poc == low + 0.5 * width
    assert profile.val == low
    assert profile.vah == low + 17 * width
    rolling = ti.volume_profile(
        np.repeat(h, 3), np.repeat(lo, 3), np.repeat(c, 3), np.repeat(v, 3), 1
    )
    np.testing.assert_array_equal(rolling.poc, [profile.poc] * 3)
    np.testing.assert_array_equal(rolling.vah, [profile.vah] * 3)
    np.testing.assert_array_equal(rolling.val, [profile.val] * 3)


@st.composite
def _ticks(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """Bars on a tick grid (shared extremes, equal rows and exact ties are common)."""
    n = draw(st.integers(1, 60))
    mid = np.cumsum(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))) + 100
    up = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    down = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    volume = np.array(draw(st.lists(st.integers(0, 5_000), min_size=n, max_size=n)), float)
    high, low = (mid + up) * 0.25, (mid - down) * 0.25
    close = np.clip(mid * 0.25, low, high)
    return high, low, close, volume


@settings(max_examples=40, deadline=None)
@given(
    bars=_ticks(),
    window=st.integers(1, 20),
    bins=st.integers(1, 30),
    fraction=st.sampled_from([0.5, 0.7, 1.0]),
    distribution=st.sampled_from(["range", "close", "typical"]),
)
def test_rolling_profile_is_the_range_profile_of_each_window(
    bars: tuple[np.ndarray, ...], window: int, bins: int, fraction: float, distribution: str
) -> None:
    high, low, close, volume = bars
    result = ti.volume_profile(
        high, low, close, volume, window, bins, fraction, distribution=distribution
    )
    assert np.isnan(result.poc[: window - 1]).all()
    for t in range(window - 1, len(close)):
        profile = ti.volume_profile_range(
            high, low, close, volume, t - window + 1, t + 1, bins, fraction,
            distribution=distribution,
        )  # fmt: skip
        expected = (profile.poc, profile.vah, profile.val)
        got = (result.poc[t], result.vah[t], result.val[t])
        assert got == pytest.approx(expected, rel=1e-12, nan_ok=True), f"bar {t}"
        if volume[t - window + 1 : t + 1].sum() > 0:
            assert profile.val <= profile.poc <= profile.vah


def test_range_profile_without_volume_is_nan() -> None:
    high = np.array([3.0, 4.0, np.nan])
    low = np.array([1.0, 2.0, 0.0])
    close = np.array([2.0, 3.0, 1.0])
    volume = np.array([0.0, 0.0, 7.0])  # the only volume sits on a NaN bar
    profile = ti.volume_profile_range(high, low, close, volume, 0, 3, bins=4)
    np.testing.assert_array_equal(profile.volumes, np.zeros(4))
    assert np.isnan(profile.edges).all()
    assert np.isnan([profile.poc, profile.vah, profile.val]).all()
