"""Causality property: changing bars after t never changes any output at or before t.

Checked for every registry entry (all candlesticks, support/resistance, breakouts,
divergence, regime, calibration), for pivots, the as-of level list and confluence.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patterns._bars import Bars, random_walk, with_new_tail
from tradegraph.patterns import (
    PATTERNS,
    CalibrationConfig,
    Component,
    ComponentRole,
    LevelConfig,
    PivotConfig,
    RegimeConfig,
    confluence,
    engulfing,
    levels_as_of,
    regime,
    reliability_table,
    swing_pivots,
    timeframe_agreement,
)
from tradegraph.patterns.params import ParamValue

N = 160
# short periods so that every detector warms up and fires within N bars
CASES: list[tuple[str, dict[str, ParamValue]]] = [
    ("pin_bar", {}),
    ("hammer_shooting_star", {}),
    ("engulfing", {}),
    ("doji", {}),
    ("inside_bar", {}),
    ("morning_evening_star", {}),
    ("support_resistance", {"pivot_left": 2, "pivot_right": 2, "min_touches": 1}),
    (
        "range_breakout",
        {
            "lookback": 10,
            "volume_multiple": 1.0,
            "volume_lookback": 5,
            "atr_period": 5,
            "confirm_bars": 2,
        },
    ),
    (
        "level_break",
        {
            "pivot_left": 2,
            "pivot_right": 2,
            "min_touches": 1,
            "volume_multiple": 0.8,
            "volume_lookback": 5,
            "atr_period": 5,
        },
    ),
    ("divergence", {"pivot_left": 3, "pivot_right": 2, "min_bars": 3, "rsi_period": 5}),
    (
        "divergence",
        {
            "pivot_left": 3,
            "pivot_right": 2,
            "oscillator": "macd_hist",
            "macd_fast": 3,
            "macd_slow": 8,
            "macd_signal": 3,
        },
    ),
    (
        "regime",
        {
            "fast_period": 5,
            "slow_period": 10,
            "slope_lookback": 3,
            "adx_period": 5,
            "atr_period": 5,
            "vol_lookback": 10,
            "confirm_bars": 2,
            "adx_threshold": 15,
        },
    ),
    (
        "regime",
        {
            "ma_kind": "sma",
            "fast_period": 5,
            "slow_period": 12,
            "adx_period": 5,
            "vol_lookback": 20,
        },
    ),
    ("calibration", {"horizon": 3, "window": 20, "bins": 3}),
]


def inputs(bars: Bars) -> dict[str, np.ndarray]:
    data = bars.as_dict()
    ret = np.diff(bars.close, prepend=bars.close[0]) / bars.close
    data["score"] = np.clip(ret * 50.0, -1.0, 1.0)  # a causal score for calibration
    return data


def assert_same_prefix(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray], t: int) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name][: t + 1], b[name][: t + 1], err_msg=name)


def test_every_registered_pattern_has_a_causality_case() -> None:
    assert {name for name, _ in CASES} == set(PATTERNS)


walks = st.integers(0, 10_000)
cut = st.integers(0, N - 1)


@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
@settings(max_examples=25, deadline=None)
@given(seed=walks, t=cut, tail_seed=walks)
def test_pattern_outputs_up_to_t_ignore_later_bars(
    name: str, params: dict[str, ParamValue], seed: int, t: int, tail_seed: int
) -> None:
    spec = PATTERNS[name]
    bars = random_walk(seed, N)
    other = with_new_tail(bars, t, tail_seed + 1)
    assert_same_prefix(spec.compute(inputs(bars), params), spec.compute(inputs(other), params), t)


@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_each_case_actually_fires_on_a_long_walk(name: str, params: dict[str, ParamValue]) -> None:
    out = PATTERNS[name].compute(inputs(random_walk(3, 3000)), params)
    first = next(iter(out.values()))
    assert (np.nan_to_num(first.astype(float)) != 0).any(), f"{name} never fired"


@settings(max_examples=30, deadline=None)
@given(seed=walks, t=cut, tail_seed=walks)
def test_pivots_known_by_t_ignore_later_bars(seed: int, t: int, tail_seed: int) -> None:
    bars = random_walk(seed, N)
    other = with_new_tail(bars, t, tail_seed + 1)
    cfg = PivotConfig(left=3, right=2)
    a = swing_pivots(bars.high, bars.low, cfg).known_by(t)
    b = swing_pivots(other.high, other.low, cfg).known_by(t)
    for field in ("index", "price", "kind", "confirmed_index"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert (a.confirmed_index <= t).all()


@settings(max_examples=30, deadline=None)
@given(seed=walks, t=cut, tail_seed=walks)
def test_level_list_as_of_t_ignores_later_bars(seed: int, t: int, tail_seed: int) -> None:
    bars = random_walk(seed, N)
    other = with_new_tail(bars, t, tail_seed + 1)
    cfg = LevelConfig(pivot_left=2, pivot_right=2, min_touches=1, half_life_bars=20)
    a = levels_as_of(bars.high, bars.low, bars.close, cfg, as_of=t)
    b = levels_as_of(other.high, other.low, other.close, cfg, as_of=t)
    assert a == b
    assert all(lv.confirmed_index <= t for lv in a)


def _confluence(bars: Bars) -> tuple[np.ndarray, ...]:
    cols = bars.columns()[:4]
    reg = regime(
        bars.high,
        bars.low,
        bars.close,
        RegimeConfig(fast_period=5, slow_period=10, adx_period=5, vol_lookback=10),
    )
    momentum = np.clip(np.diff(bars.close, prepend=bars.close[0]) * 0.5, -1.0, 1.0)
    momentum[::7] = np.nan  # an intermittent external score
    result = confluence(
        [
            Component("engulfing", engulfing(*cols).signal, role=ComponentRole.REVERSAL),
            Component("momentum", momentum, weight=2.0, role=ComponentRole.EXTERNAL),
            Component("trend", reg.trend_score, role=ComponentRole.TREND),
        ],
        reg,
    )
    return result.score, result.confidence, result.coverage, result  # type: ignore[return-value]


@settings(max_examples=30, deadline=None)
@given(seed=walks, t=cut, tail_seed=walks)
def test_confluence_and_its_explanation_ignore_later_bars(
    seed: int, t: int, tail_seed: int
) -> None:
    bars = random_walk(seed, N)
    a = _confluence(bars)
    b = _confluence(with_new_tail(bars, t, tail_seed + 1))
    for x, y in zip(a[:3], b[:3], strict=True):
        np.testing.assert_array_equal(x[: t + 1], y[: t + 1])
    assert repr(a[3].explain(t)) == repr(b[3].explain(t))  # repr: NaN == NaN


@settings(max_examples=30, deadline=None)
@given(seed=walks, t=cut, tail_seed=walks)
def test_reliability_table_and_agreement_ignore_later_bars(
    seed: int, t: int, tail_seed: int
) -> None:
    bars = random_walk(seed, N)
    other = with_new_tail(bars, t, tail_seed + 1)
    cfg = CalibrationConfig(horizon=3, window=30, bins=4)
    a, b = inputs(bars), inputs(other)
    assert reliability_table(a["score"], bars.close, cfg, as_of=t) == reliability_table(
        b["score"], other.close, cfg, as_of=t
    )
    np.testing.assert_array_equal(
        timeframe_agreement([a["score"], five_bar_signal(bars.close)])[: t + 1],
        timeframe_agreement([b["score"], five_bar_signal(other.close)])[: t + 1],
    )


def five_bar_signal(close: np.ndarray) -> np.ndarray:
    """A slower (5-bar momentum) signal standing in for a higher timeframe."""
    out = np.full(len(close), np.nan)
    out[5:] = np.tanh(np.log(close[5:] / close[:-5]) * 20.0)
    return out
