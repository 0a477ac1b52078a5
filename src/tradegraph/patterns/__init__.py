"""Patterns (layer 2): candlesticks, support/resistance, breakouts, divergence, regime and
confluence scoring, as pure, causal, vectorised functions over price arrays.

Every detector takes numpy arrays plus a frozen, validated config and returns typed
read-only arrays (``PatternResult``: int8 direction in {-1, 0, 1} and float64 confidence in
[0, 1]). Causal means the output at bar t depends only on bars <= t: a swing pivot counts
only from its confirmation bar, calibration only from when an outcome is known.
``registry.PATTERNS`` describes every detector for the workflow node library.

Boundary: imports ``tradegraph.core``, ``tradegraph.model`` and ``tradegraph.indicators``,
numpy, TA-Lib and numba. No I/O, no clock, no state between calls.
"""

from tradegraph.patterns.breakouts import (
    LevelBreakConfig,
    RangeBreakoutConfig,
    level_break,
    range_breakout,
)
from tradegraph.patterns.calibration import (
    CalibrationBin,
    CalibrationConfig,
    CalibrationResult,
    calibrate,
    reliability_table,
)
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
from tradegraph.patterns.confluence import (
    DEFAULT_REGIME_WEIGHTS,
    Component,
    ComponentRole,
    ConfluenceConfig,
    ConfluenceResult,
    Contribution,
    RegimeWeight,
    confluence,
    timeframe_agreement,
)
from tradegraph.patterns.divergence import (
    DivergenceConfig,
    DivergenceResult,
    divergence,
    divergence_with,
)
from tradegraph.patterns.levels import (
    Level,
    LevelConfig,
    LevelKind,
    NearestLevels,
    levels_as_of,
    support_resistance,
)
from tradegraph.patterns.params import DetectorConfig, ParamSpec
from tradegraph.patterns.pivots import PivotConfig, Pivots, swing_pivots
from tradegraph.patterns.regime import RegimeConfig, RegimeResult, Trend, Volatility, regime
from tradegraph.patterns.registry import PATTERNS, OutputSpec, PatternSpec, get_pattern
from tradegraph.patterns.results import Direction, PatternResult

__all__ = [
    "DEFAULT_REGIME_WEIGHTS",
    "PATTERNS",
    "CalibrationBin",
    "CalibrationConfig",
    "CalibrationResult",
    "Component",
    "ComponentRole",
    "ConfluenceConfig",
    "ConfluenceResult",
    "Contribution",
    "DetectorConfig",
    "Direction",
    "DivergenceConfig",
    "DivergenceResult",
    "DojiConfig",
    "EngulfingConfig",
    "HammerConfig",
    "InsideBarConfig",
    "Level",
    "LevelBreakConfig",
    "LevelConfig",
    "LevelKind",
    "NearestLevels",
    "OutputSpec",
    "ParamSpec",
    "PatternResult",
    "PatternSpec",
    "PinBarConfig",
    "PivotConfig",
    "Pivots",
    "RangeBreakoutConfig",
    "RegimeConfig",
    "RegimeResult",
    "RegimeWeight",
    "StarConfig",
    "Trend",
    "Volatility",
    "calibrate",
    "confluence",
    "divergence",
    "divergence_with",
    "doji",
    "engulfing",
    "get_pattern",
    "hammer_shooting_star",
    "inside_bar",
    "level_break",
    "levels_as_of",
    "morning_evening_star",
    "pin_bar",
    "range_breakout",
    "regime",
    "reliability_table",
    "support_resistance",
    "swing_pivots",
    "timeframe_agreement",
]
