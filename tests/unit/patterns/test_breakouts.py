"""Constructed range and level breakouts, with and without volume."""

from __future__ import annotations

import numpy as np
import pytest

from patterns._bars import Bars, candles
from tradegraph.core.errors import ValidationError
from tradegraph.patterns import (
    LevelBreakConfig,
    RangeBreakoutConfig,
    level_break,
    range_breakout,
)

RANGE_ROWS = [(100.0, 101.0, 99.0, 100.5 if k % 2 else 99.5) for k in range(25)]
UP_BAR = (100.5, 103.2, 100.4, 103.0)
# Wilder ATR(14): every range bar has true range 2; the breakout bar's is 103.2 − 99.5 = 3.7
ATR_AT_BREAK = (13 * 2.0 + 3.7) / 14
DEPTH = (103.0 - 101.0) / ATR_AT_BREAK


def range_bars(last: tuple[float, float, float, float], volume: float) -> Bars:
    bars = candles([*RANGE_ROWS, last], volume=100.0)
    bars.volume[-1] = volume
    return bars


def run(bars: Bars, **cfg: float) -> tuple[np.ndarray, np.ndarray]:
    r = range_breakout(bars.high, bars.low, bars.close, bars.volume, RangeBreakoutConfig(**cfg))  # type: ignore[arg-type]
    return r.direction, r.confidence


def test_range_breakout_with_volume_fires_on_the_breakout_close() -> None:
    direction, conf = run(range_bars(UP_BAR, volume=300.0))
    assert np.flatnonzero(direction).tolist() == [25]
    assert direction[25] == 1
    # volume ratio 3 → score min(1, 3 / (2 × 1.5)) = 1
    assert conf[25] == pytest.approx((DEPTH + 1.0) / 2)


def test_range_breakout_without_enough_volume_is_filtered_out() -> None:
    direction, _ = run(range_bars(UP_BAR, volume=120.0))  # 1.2× average < 1.5×
    assert not direction.any()
    direction, conf = run(range_bars(UP_BAR, volume=120.0), volume_multiple=1.2)
    assert direction[25] == 1
    assert conf[25] == pytest.approx((DEPTH + 0.5) / 2)  # ratio 1.2 / (2 × 1.2)


def test_range_breakout_with_the_filter_off_needs_no_volume() -> None:
    bars = range_bars(UP_BAR, volume=1.0)
    r = range_breakout(
        bars.high, bars.low, bars.close, None, RangeBreakoutConfig(volume_multiple=0)
    )
    assert np.flatnonzero(r.direction).tolist() == [25]
    assert r.confidence[25] == pytest.approx(DEPTH)
    with pytest.raises(ValidationError, match=r"volume_multiple=1\.5.*no volume"):
        range_breakout(bars.high, bars.low, bars.close)


def test_downside_breakout_and_buffer() -> None:
    bars = range_bars((99.5, 99.6, 96.8, 97.0), volume=300.0)
    direction, conf = run(bars)
    assert np.flatnonzero(direction).tolist() == [25]
    assert direction[25] == -1
    atr = (13 * 2.0 + (99.6 - 96.8)) / 14  # prior close 99.5 is inside: true range = h − l
    assert conf[25] == pytest.approx(((99.0 - 97.0) / atr + 1.0) / 2)
    direction, _ = run(range_bars(UP_BAR, volume=300.0), buffer_pct=0.03)  # needs > 104.03
    assert not direction.any()


def test_wick_through_the_range_without_a_close_beyond_is_not_a_breakout() -> None:
    direction, _ = run(range_bars((100.0, 103.0, 99.8, 100.8), volume=300.0))
    assert not direction.any()


def test_confirmation_bars_delay_the_signal_to_the_second_close() -> None:
    bars = candles([*RANGE_ROWS, UP_BAR, (103.0, 103.1, 102.2, 102.5)], volume=100.0)
    bars.volume[25] = 300.0  # the breakout bar carries the volume
    direction, conf = run(bars, confirm_bars=2)
    assert np.flatnonzero(direction).tolist() == [26]
    atr26 = (ATR_AT_BREAK * 13 + 0.9) / 14
    assert conf[26] == pytest.approx(((102.5 - 101.0) / atr26 + 1.0) / 2)


# zigzag with a resistance from tops at bars 2, 6, 10 (confirmed at 12), then a break
ZIGZAG = [10, 11, 12, 11, 10, 11, 12.05, 11, 10, 11, 12, 11, 10, 11, 12, 12.5, 12.4]


def zigzag_bars(break_volume: float) -> Bars:
    close = np.array(ZIGZAG, dtype=float)
    bars = Bars(close.copy(), close + 0.1, close - 0.1, close, np.full(len(close), 100.0))
    bars.volume[15] = break_volume
    return bars


LB_CFG: dict[str, float] = {
    "pivot_left": 2,
    "pivot_right": 2,
    "volume_lookback": 5,
    "atr_period": 5,
    "full_depth_atr": 1e-3,
}


def test_level_break_fires_when_the_close_clears_the_known_resistance() -> None:
    bars = zigzag_bars(300.0)
    r = level_break(bars.high, bars.low, bars.close, bars.volume, LevelBreakConfig(**LB_CFG))  # type: ignore[arg-type]
    assert np.flatnonzero(r.direction).tolist() == [15]
    assert r.direction[15] == 1
    # depth saturates (tiny full_depth_atr), volume 3× → 1, level of 3 touches → 3/5
    assert r.confidence[15] == pytest.approx((1.0 + 1.0 + 0.6) / 3)


def test_level_break_without_volume_is_filtered_and_filter_can_be_off() -> None:
    bars = zigzag_bars(100.0)
    r = level_break(bars.high, bars.low, bars.close, bars.volume, LevelBreakConfig(**LB_CFG))  # type: ignore[arg-type]
    assert not r.direction.any()
    r = level_break(
        bars.high,
        bars.low,
        bars.close,
        None,
        LevelBreakConfig(**{**LB_CFG, "volume_multiple": 0.0}),
    )  # type: ignore[arg-type]
    assert np.flatnonzero(r.direction).tolist() == [15]
    assert r.confidence[15] == pytest.approx((1.0 + 0.6) / 2)
