"""Constructed zigzags with known pivots, confirmation bars and levels."""

from __future__ import annotations

import numpy as np
import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.patterns import (
    LevelConfig,
    LevelKind,
    PivotConfig,
    levels_as_of,
    support_resistance,
    swing_pivots,
)

# closes zigzag 10 → 12 → 10 ...; highs/lows 0.1 either side; the second top is 12.15
CLOSE = np.array([10, 11, 12, 11, 10, 11, 12.05, 11, 10, 11, 12, 11, 10, 11, 12], dtype=float)
HIGH = CLOSE + 0.1
LOW = CLOSE - 0.1
CFG = LevelConfig(pivot_left=2, pivot_right=2, tolerance_pct=0.005, min_touches=2)


def test_pivots_and_their_confirmation_bars() -> None:
    piv = swing_pivots(HIGH, LOW, PivotConfig(left=2, right=2))
    assert piv.index.tolist() == [2, 4, 6, 8, 10, 12]
    assert piv.kind.tolist() == [1, -1, 1, -1, 1, -1]
    assert piv.price.tolist() == pytest.approx([12.1, 9.9, 12.15, 9.9, 12.1, 9.9])
    assert piv.confirmed_index.tolist() == [4, 6, 8, 10, 12, 14]
    assert piv.known_by(9).index.tolist() == [2, 4, 6]
    assert piv.highs().index.tolist() == [2, 6, 10]


def test_plateau_pivot_is_its_first_bar_and_ties_on_the_left_disqualify() -> None:
    high = np.array([1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 0.5])
    piv = swing_pivots(high, high - 5, PivotConfig(left=2, right=2)).highs()
    assert piv.index.tolist() == [2]


def test_nearest_levels_appear_only_once_confirmed() -> None:
    near = support_resistance(HIGH, LOW, CLOSE, CFG)
    nan = np.nan
    # resistance: 2nd top (bar 6) is confirmed at bar 8 → level mean(12.1, 12.15)
    r1 = (12.1 + 12.15) / 2
    r2 = (12.1 + 12.15 + 12.1) / 3  # third top at bar 10, confirmed at 12
    expected_res = [nan] * 8 + [r1] * 4 + [r2] * 3
    np.testing.assert_allclose(near.resistance, expected_res)
    assert near.resistance_touches.tolist() == [0] * 8 + [2] * 4 + [3] * 3
    # support: bottoms at 4 and 8 (9.9), the second confirmed at bar 10
    np.testing.assert_allclose(near.support, [nan] * 10 + [9.9] * 5)
    assert near.support_touches.tolist() == [0] * 10 + [2] * 4 + [3]  # bottom 12 known at 14
    np.testing.assert_allclose(near.support_strength[10:], [0.4, 0.4, 0.4, 0.4, 0.6])
    np.testing.assert_allclose(near.resistance_strength[12:], [0.6, 0.6, 0.6])


def test_half_life_decays_strength_by_idle_bars() -> None:
    cfg = LevelConfig(pivot_left=2, pivot_right=2, min_touches=2, half_life_bars=4)
    near = support_resistance(HIGH, LOW, CLOSE, cfg)
    # at bar 9 the resistance was last touched at bar 6: 0.4 × 0.5 ** (3 / 4)
    assert near.resistance_strength[9] == pytest.approx(0.4 * 0.5**0.75)


def test_level_list_as_of_a_bar_uses_only_pivots_known_then() -> None:
    levels = levels_as_of(HIGH, LOW, CLOSE, CFG, as_of=9)
    assert len(levels) == 1
    (res,) = levels
    assert res.price == pytest.approx((12.1 + 12.15) / 2)
    assert res.kind is LevelKind.RESISTANCE
    assert (res.touches, res.first_index, res.last_index, res.confirmed_index) == (2, 2, 6, 8)
    assert res.strength == pytest.approx(2 / 5)

    single = levels_as_of(
        HIGH, LOW, CLOSE, LevelConfig(pivot_left=2, pivot_right=2, min_touches=1), as_of=9
    )
    assert [(lv.kind, lv.touches) for lv in single] == [
        (LevelKind.SUPPORT, 1),
        (LevelKind.RESISTANCE, 2),
    ]

    final = levels_as_of(HIGH, LOW, CLOSE, CFG)
    assert [lv.kind for lv in final] == [LevelKind.SUPPORT, LevelKind.RESISTANCE]
    assert [lv.touches for lv in final] == [3, 3]
    assert final[0].confirmed_index == 10


def test_distant_pivots_make_separate_levels_and_max_age_drops_stale_ones() -> None:
    # one top at 20 (bar 2) far from the later tops at 12.1: two resistance levels
    close = CLOSE.copy()
    close[2] = 20.0
    high, low = close + 0.1, close - 0.1
    cfg = LevelConfig(pivot_left=2, pivot_right=2, min_touches=1)
    prices = sorted(
        lv.price for lv in levels_as_of(high, low, close, cfg) if lv.kind is LevelKind.RESISTANCE
    )
    assert prices == pytest.approx([(12.15 + 12.1) / 2, 20.1])
    stale = LevelConfig(pivot_left=2, pivot_right=2, min_touches=1, max_age_bars=8)
    prices = [lv.price for lv in levels_as_of(high, low, close, stale)]
    assert pytest.approx(20.1) not in prices  # last touched at bar 2, 12 bars before the end


def test_as_of_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="outside the series of 15 bars"):
        levels_as_of(HIGH, LOW, CLOSE, CFG, as_of=15)
