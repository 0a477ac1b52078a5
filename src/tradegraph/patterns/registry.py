"""The pattern registry: name → function, inputs, typed params, outputs.

The workflow node library builds its pattern nodes from this table. Every entry runs
through one uniform call, :meth:`PatternSpec.compute`, taking named input columns and loose
parameters (validated by the detector's config class) and returning named output arrays.
Confluence is not listed: it takes a variable set of components and is wired explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from tradegraph.core.errors import ValidationError
from tradegraph.patterns.breakouts import (
    LevelBreakConfig,
    RangeBreakoutConfig,
    level_break,
    range_breakout,
)
from tradegraph.patterns.calibration import CalibrationConfig, calibrate
from tradegraph.patterns.candlesticks import (
    DojiConfig,
    EngulfingConfig,
    HammerConfig,
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
from tradegraph.patterns.divergence import DivergenceConfig, divergence
from tradegraph.patterns.inputs import ArrayLike
from tradegraph.patterns.levels import LevelConfig, support_resistance
from tradegraph.patterns.params import DetectorConfig, ParamSpec, ParamValue, param_specs
from tradegraph.patterns.regime import RegimeConfig, regime
from tradegraph.patterns.results import PatternResult

InputName: TypeAlias = Literal["open", "high", "low", "close", "volume", "score"]
DType: TypeAlias = Literal["int8", "int64", "float64", "bool"]
Outputs: TypeAlias = dict[str, npt.NDArray[np.generic]]
Runner: TypeAlias = Callable[[Mapping[str, ArrayLike], DetectorConfig], Outputs]


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """One named output array of a pattern."""

    name: str
    dtype: DType
    description: str


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """Everything a workflow node needs to expose and run one detector."""

    name: str
    summary: str
    function: Callable[..., object]
    config_type: type[DetectorConfig]
    inputs: tuple[InputName, ...]
    optional_inputs: tuple[InputName, ...]
    outputs: tuple[OutputSpec, ...]
    runner: Runner

    @property
    def params(self) -> tuple[ParamSpec, ...]:
        """Typed parameters with defaults and bounds (from the config class)."""
        return param_specs(self.config_type)

    def build_config(self, params: Mapping[str, ParamValue] | None = None) -> DetectorConfig:
        """A validated config from loose parameters (defaults for the missing ones)."""
        return self.config_type.from_params(params or {})

    def compute(
        self,
        data: Mapping[str, ArrayLike],
        params: Mapping[str, ParamValue] | None = None,
    ) -> Outputs:
        """Run the detector on named input columns; returns the outputs by name."""
        missing = [name for name in self.inputs if name not in data]
        if missing:
            raise ValidationError(
                f"Pattern {self.name!r} needs input(s) {missing}; got {sorted(data)}.",
                hint=f"Connect {', '.join(self.inputs)} (optional: "
                f"{', '.join(self.optional_inputs) or 'none'}).",
            )
        return self.runner(data, self.build_config(params))


_PATTERN_OUTPUTS = (
    OutputSpec("direction", "int8", "-1 bearish, 0 none/neutral, +1 bullish"),
    OutputSpec("confidence", "float64", "0 where not detected, else in (0, 1]"),
    OutputSpec("signal", "float64", "direction × confidence, in [-1, 1]"),
)
_OHLC: tuple[InputName, ...] = ("open", "high", "low", "close")
_HLC: tuple[InputName, ...] = ("high", "low", "close")


def _pattern_outputs(result: PatternResult) -> Outputs:
    return {
        "direction": result.direction,
        "confidence": result.confidence,
        "signal": result.signal,
    }


def _candle(fn: Callable[..., PatternResult]) -> Runner:
    def run(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
        return _pattern_outputs(fn(data["open"], data["high"], data["low"], data["close"], config))

    return run


def _breakout(fn: Callable[..., PatternResult]) -> Runner:
    def run(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
        result = fn(data["high"], data["low"], data["close"], data.get("volume"), config)
        return _pattern_outputs(result)

    return run


def _run_levels(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
    assert isinstance(config, LevelConfig)
    near = support_resistance(data["high"], data["low"], data["close"], config)
    return {
        "support": near.support,
        "support_touches": near.support_touches,
        "support_strength": near.support_strength,
        "resistance": near.resistance,
        "resistance_touches": near.resistance_touches,
        "resistance_strength": near.resistance_strength,
    }


def _run_divergence(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
    assert isinstance(config, DivergenceConfig)
    result = divergence(data["high"], data["low"], data["close"], config)
    return {**_pattern_outputs(result), "kind": result.kind}


def _run_regime(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
    assert isinstance(config, RegimeConfig)
    result = regime(data["high"], data["low"], data["close"], config)
    return {
        "trend": result.trend,
        "volatility": result.volatility,
        "trend_score": result.trend_score,
        "volatility_ratio": result.volatility_ratio,
        "valid": result.valid,
    }


def _run_calibration(data: Mapping[str, ArrayLike], config: DetectorConfig) -> Outputs:
    assert isinstance(config, CalibrationConfig)
    result = calibrate(data["score"], data["close"], config)
    return {
        "probability": result.probability,
        "calibrated_score": result.calibrated_score,
        "samples": result.samples,
    }


def _candle_spec(
    name: str, summary: str, fn: Callable[..., PatternResult], cfg: type[DetectorConfig]
) -> PatternSpec:
    return PatternSpec(name, summary, fn, cfg, _OHLC, (), _PATTERN_OUTPUTS, _candle(fn))


_SPECS: tuple[PatternSpec, ...] = (
    _candle_spec("pin_bar", "Pin bar (long wick, small body)", pin_bar, PinBarConfig),
    _candle_spec(
        "hammer_shooting_star",
        "TA-Lib hammer (+1) / shooting star (-1)",
        hammer_shooting_star,
        HammerConfig,
    ),
    _candle_spec("engulfing", "TA-Lib engulfing", engulfing, EngulfingConfig),
    _candle_spec("doji", "TA-Lib doji against the prior move", doji, DojiConfig),
    _candle_spec("inside_bar", "Inside bar (continuation)", inside_bar, InsideBarConfig),
    _candle_spec(
        "morning_evening_star",
        "TA-Lib morning (+1) / evening (-1) star",
        morning_evening_star,
        StarConfig,
    ),
    PatternSpec(
        "support_resistance",
        "Nearest causal support/resistance from clustered swing pivots",
        support_resistance,
        LevelConfig,
        _HLC,
        (),
        (
            OutputSpec("support", "float64", "nearest level <= close (NaN if none)"),
            OutputSpec("support_touches", "int64", "pivots in that level"),
            OutputSpec("support_strength", "float64", "strength in [0, 1]"),
            OutputSpec("resistance", "float64", "nearest level > close (NaN if none)"),
            OutputSpec("resistance_touches", "int64", "pivots in that level"),
            OutputSpec("resistance_strength", "float64", "strength in [0, 1]"),
        ),
        _run_levels,
    ),
    PatternSpec(
        "range_breakout",
        "Close beyond the prior N-bar range, volume-filtered",
        range_breakout,
        RangeBreakoutConfig,
        _HLC,
        ("volume",),
        _PATTERN_OUTPUTS,
        _breakout(range_breakout),
    ),
    PatternSpec(
        "level_break",
        "Close beyond the nearest support/resistance, volume-filtered",
        level_break,
        LevelBreakConfig,
        _HLC,
        ("volume",),
        _PATTERN_OUTPUTS,
        _breakout(level_break),
    ),
    PatternSpec(
        "divergence",
        "Regular/hidden divergence of price pivots vs RSI or MACD",
        divergence,
        DivergenceConfig,
        _HLC,
        (),
        (*_PATTERN_OUTPUTS, OutputSpec("kind", "int8", "1 regular, 2 hidden, 0 none")),
        _run_divergence,
    ),
    PatternSpec(
        "regime",
        "Trend (bull/bear/sideways) and volatility (high/low) regime",
        regime,
        RegimeConfig,
        _HLC,
        (),
        (
            OutputSpec("trend", "int8", "-1 bear, 0 sideways, +1 bull"),
            OutputSpec("volatility", "int8", "0 low, 1 high"),
            OutputSpec("trend_score", "float64", "mean trend vote in [-1, 1]"),
            OutputSpec("volatility_ratio", "float64", "normalised ATR / its baseline"),
            OutputSpec("valid", "bool", "inputs warmed up"),
        ),
        _run_regime,
    ),
    PatternSpec(
        "calibration",
        "Rolling causal calibration of a score to hit rates",
        calibrate,
        CalibrationConfig,
        ("score", "close"),
        (),
        (
            OutputSpec("probability", "float64", "hit rate of the score's bin"),
            OutputSpec("calibrated_score", "float64", "sign(score) × (2p − 1)"),
            OutputSpec("samples", "int64", "resolved samples in the bin"),
        ),
        _run_calibration,
    ),
)

PATTERNS: Mapping[str, PatternSpec] = MappingProxyType({s.name: s for s in _SPECS})


def get_pattern(name: str) -> PatternSpec:
    """The registry entry for ``name``."""
    try:
        return PATTERNS[name]
    except KeyError:
        raise ValidationError(
            f"Unknown pattern {name!r}.",
            hint=f"Known patterns: {', '.join(sorted(PATTERNS))}.",
        ) from None


__all__ = ["PATTERNS", "OutputSpec", "PatternSpec", "get_pattern"]
