"""The pattern registry and the validated detector configs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from patterns._bars import random_walk
from tradegraph.core.errors import ValidationError
from tradegraph.patterns import (
    PATTERNS,
    DivergenceConfig,
    LevelConfig,
    PinBarConfig,
    RangeBreakoutConfig,
    get_pattern,
    pin_bar,
)
from tradegraph.patterns.params import param_specs

DTYPES = {"int8": np.int8, "int64": np.int64, "float64": np.float64, "bool": np.bool_}


def test_registry_lists_every_detector_with_consistent_metadata() -> None:
    assert set(PATTERNS) == {
        "pin_bar",
        "hammer_shooting_star",
        "engulfing",
        "doji",
        "inside_bar",
        "morning_evening_star",
        "support_resistance",
        "range_breakout",
        "level_break",
        "divergence",
        "regime",
        "calibration",
    }
    for name, spec in PATTERNS.items():
        assert spec.name == name
        field_names = [f.name for f in dataclasses.fields(spec.config_type)]
        assert [p.name for p in spec.params] == field_names
        for p in spec.params:
            assert p.doc, f"{name}.{p.name} has no description"
            assert getattr(spec.config_type(), p.name) == p.default


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_compute_returns_the_declared_outputs(name: str) -> None:
    bars = random_walk(11, 400)
    data = {**bars.as_dict(), "score": np.tanh(np.diff(bars.close, prepend=100.0))}
    spec = PATTERNS[name]
    out = spec.compute(data)
    assert list(out) == [o.name for o in spec.outputs]
    for o in spec.outputs:
        assert out[o.name].dtype == DTYPES[o.dtype], (name, o.name)
        assert out[o.name].shape == (400,)


def test_compute_matches_the_direct_call_and_validates_params() -> None:
    bars = random_walk(5, 300)
    spec = get_pattern("pin_bar")
    out = spec.compute(bars.as_dict(), {"min_wick_ratio": 0.5})
    direct = pin_bar(*bars.columns()[:4], PinBarConfig(min_wick_ratio=0.5))
    np.testing.assert_array_equal(out["direction"], direct.direction)
    np.testing.assert_array_equal(out["signal"], direct.signal)
    with pytest.raises(ValidationError, match="has no parameter"):
        spec.compute(bars.as_dict(), {"min_wick": 0.5})
    with pytest.raises(ValidationError, match=r"needs input\(s\) \['open'\]"):
        spec.compute({k: v for k, v in bars.as_dict().items() if k != "open"})
    with pytest.raises(ValidationError, match="Unknown pattern 'hamer'"):
        get_pattern("hamer")


def test_param_specs_carry_bounds_and_choices() -> None:
    specs = {p.name: p for p in param_specs(DivergenceConfig)}
    assert specs["oscillator"].kind == "choice"
    assert specs["oscillator"].choices == ("rsi", "macd", "macd_hist")
    assert specs["rsi_period"].kind == "int"
    assert (specs["rsi_period"].ge, specs["rsi_period"].le) == (2, 1000)
    assert specs["regular"].kind == "bool"
    tol = {p.name: p for p in param_specs(LevelConfig)}["tolerance_pct"]
    assert tol.describe_range() == "(0, 0.5]"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lookback": 0}, r"RangeBreakoutConfig.lookback must be in \[1, 100000\], got 0"),
        ({"lookback": 2.5}, "must be a whole number"),
        ({"lookback": True}, "must be a number"),
        ({"buffer_pct": float("nan")}, "must be finite"),
        ({"volume_multiple": -1}, r"volume_multiple must be in \[0, 1000\]"),
    ],
)
def test_config_errors_name_the_field_and_range(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        RangeBreakoutConfig(**kwargs)  # type: ignore[arg-type]
    assert info.value.hint and "default" in info.value.hint


def test_configs_are_frozen_and_normalise_numbers() -> None:
    cfg = RangeBreakoutConfig(buffer_pct=0, lookback=10.0)  # type: ignore[arg-type]
    assert isinstance(cfg.buffer_pct, float) and isinstance(cfg.lookback, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lookback = 5  # type: ignore[misc]
    assert RangeBreakoutConfig.from_params(cfg.to_params()) == cfg


def test_cross_field_rules() -> None:
    with pytest.raises(ValidationError, match=r"min_bars .* exceeds max_bars"):
        DivergenceConfig(min_bars=50, max_bars=10)
    with pytest.raises(ValidationError, match="macd_fast"):
        DivergenceConfig(macd_fast=30, macd_slow=26)
    with pytest.raises(ValidationError, match="nothing to detect"):
        DivergenceConfig(regular=False, hidden=False)
