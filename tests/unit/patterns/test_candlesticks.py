"""Hand-constructed candles: each pattern fires where built, with the documented confidence."""

from __future__ import annotations

import numpy as np
import pytest

from patterns._bars import candles, warmed
from tradegraph.core.errors import DataFormatError, ValidationError
from tradegraph.patterns import (
    DojiConfig,
    InsideBarConfig,
    PinBarConfig,
    StarConfig,
    doji,
    engulfing,
    hammer_shooting_star,
    inside_bar,
    morning_evening_star,
    pin_bar,
)
from tradegraph.patterns.results import PatternResult

W = 15  # index of the first constructed bar after the warm-up


def only_at(result: PatternResult, index: int) -> tuple[int, float]:
    """Assert a single detection, at ``index``; return its direction and confidence."""
    assert np.flatnonzero(result.detected).tolist() == [index]
    return int(result.direction[index]), float(result.confidence[index])


def test_pin_bars_bullish_bearish_and_rejected_shapes() -> None:
    bars = candles(
        [
            (10.0, 10.3, 9.0, 10.2),  # lower wick 1.0 of range 1.3, body 0.2, nose 0.1
            (10.0, 11.0, 9.9, 10.1),  # upper wick 0.9 of 1.1, body 0.1, lower 0.1
            (10.0, 10.5, 9.5, 10.4),  # body 0.4 of 1.0: too big
            (10.0, 10.4, 9.0, 10.1),  # lower 1.0 of 1.4 but nose 0.3/1.4 = 0.214 > 0.2
            (10.0, 10.0, 10.0, 10.0),  # zero range
        ]
    )
    r = pin_bar(bars.open, bars.high, bars.low, bars.close)
    assert r.direction.tolist() == [1, -1, 0, 0, 0]
    assert r.confidence[0] == pytest.approx(1.0 / 1.3)
    assert r.confidence[1] == pytest.approx(0.9 / 1.1)
    assert r.confidence[2:].tolist() == [0.0, 0.0, 0.0]
    loose = pin_bar(*bars.columns()[:4], PinBarConfig(max_nose_ratio=0.25))
    assert loose.direction[3] == 1
    strict = pin_bar(*bars.columns()[:4], PinBarConfig(min_confidence=0.8))
    assert strict.direction.tolist() == [0, -1, 0, 0, 0]  # 0.769 dropped, 0.818 kept


def test_hammer() -> None:
    # body 99.6-99.8 sits on the prior low (99.5); lower shadow 1.0, upper 0.05, range 1.25
    bars = warmed([(99.6, 99.85, 98.6, 99.8)])
    direction, conf = only_at(hammer_shooting_star(*bars.columns()[:4]), W)
    assert direction == 1
    assert conf == pytest.approx(1.0 / 1.25)


def test_shooting_star() -> None:
    # gaps up above the prior body (101), upper shadow 1.0, lower 0.05, range 1.25
    bars = warmed([(101.6, 102.8, 101.55, 101.8)])
    direction, conf = only_at(hammer_shooting_star(*bars.columns()[:4]), W)
    assert direction == -1
    assert conf == pytest.approx(1.0 / 1.25)


def test_bullish_and_bearish_engulfing() -> None:
    bull = warmed([(101.0, 101.2, 99.8, 100.0), (99.5, 102.3, 99.4, 102.0)])
    direction, conf = only_at(engulfing(*bull.columns()[:4]), W + 1)
    assert direction == 1
    assert conf == pytest.approx(1.0 - 0.5 * 1.0 / 2.5)  # engulfed body 1, engulfing 2.5

    bear = warmed([(100.0, 101.4, 99.9, 101.2), (101.5, 101.6, 98.9, 99.0)])
    direction, conf = only_at(engulfing(*bear.columns()[:4]), W + 1)
    assert direction == -1
    assert conf == pytest.approx(1.0 - 0.5 * 1.2 / 2.5)


def test_doji_is_neutral_without_context_and_against_the_prior_move() -> None:
    flat = warmed([(101.0, 102.0, 100.0, 101.0)])
    r = doji(*flat.columns()[:4])
    assert np.flatnonzero(r.detected).tolist() == [W]
    assert r.direction[W] == 0  # flat history: no move to reverse
    assert r.confidence[W] == 1.0  # no body at all

    rising = candles(
        [(100 + k, 101.5 + k, 99.5 + k, 101 + k) for k in range(15)]
        + [(116.0, 117.0, 115.0, 116.1)]
    )
    r = doji(*rising.columns()[:4])
    assert r.direction[W] == -1  # after a rise, a doji warns of a top
    assert r.confidence[W] == pytest.approx(1.0 - 0.1 / 2.0)
    neutral = doji(*rising.columns()[:4], DojiConfig(trend_lookback=0))
    assert neutral.direction[W] == 0
    assert neutral.confidence[W] == pytest.approx(0.95)


def test_inside_bar_takes_the_mother_bars_direction() -> None:
    bars = candles(
        [
            (100.0, 105.0, 99.0, 104.0),  # white mother, range 6
            (103.0, 103.0, 100.0, 101.0),  # inside, range 3
            (101.0, 103.0, 100.0, 102.0),  # same range as previous: not strictly inside
            (102.0, 102.5, 100.5, 101.0),  # inside the previous bar again, range 2 of 3
        ]
    )
    r = inside_bar(*bars.columns()[:4])
    assert r.direction.tolist() == [0, 1, 0, 1]
    assert r.confidence.tolist() == pytest.approx([0.0, 0.5, 0.0, 1.0 - 2.0 / 3.0])
    loose = inside_bar(*bars.columns()[:4], InsideBarConfig(strict=False))
    assert loose.detected.tolist() == [False, True, False, True]  # equal range: no compression
    bear_mother = candles([(104.0, 105.0, 99.0, 100.0), (101.0, 103.0, 100.0, 102.0)])
    assert inside_bar(*bear_mother.columns()[:4]).direction.tolist() == [0, -1]


def test_morning_and_evening_star() -> None:
    morning = warmed(
        [(110.0, 110.5, 99.5, 100.0), (98.5, 99.0, 97.5, 98.0), (99.0, 106.5, 98.8, 106.0)]
    )
    direction, conf = only_at(morning_evening_star(*morning.columns()[:4]), W + 2)
    assert direction == 1
    assert conf == pytest.approx((106.0 - 100.0) / 10.0)
    # demanding more penetration than the 60 % achieved rejects it
    stricter = morning_evening_star(*morning.columns()[:4], StarConfig(penetration=0.7))
    assert not stricter.detected.any()

    evening = warmed(
        [(100.0, 110.5, 99.5, 110.0), (111.5, 112.5, 111.0, 112.0), (111.0, 111.2, 103.5, 104.0)]
    )
    direction, conf = only_at(morning_evening_star(*evening.columns()[:4]), W + 2)
    assert direction == -1
    assert conf == pytest.approx((110.0 - 104.0) / 10.0)


def test_plain_candles_trigger_nothing() -> None:
    bars = warmed([], warmup=30)
    for fn in (pin_bar, hammer_shooting_star, engulfing, doji, inside_bar, morning_evening_star):
        assert not fn(*bars.columns()[:4]).detected.any(), fn.__name__


def test_bad_inputs_are_rejected_with_the_argument_named() -> None:
    bars = warmed([(101.0, 102.0, 100.0, 101.0)])
    high = bars.high.copy()
    high[3] = np.nan
    with pytest.raises(DataFormatError, match=r"'high'.*index 3"):
        engulfing(bars.open, high, bars.low, bars.close)
    with pytest.raises(ValidationError, match="different lengths"):
        pin_bar(bars.open, bars.high[:-1], bars.low, bars.close)
    with pytest.raises(ValidationError, match="one-dimensional"):
        doji(bars.open.reshape(-1, 1), bars.high, bars.low, bars.close)


def test_results_are_read_only_and_typed() -> None:
    bars = warmed([(99.6, 99.85, 98.6, 99.8)])
    r = hammer_shooting_star(*bars.columns()[:4])
    assert r.direction.dtype == np.int8
    assert r.confidence.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        r.confidence[0] = 1.0
    assert r.signal[W] == pytest.approx(r.confidence[W])
