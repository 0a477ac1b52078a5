"""Confluence: many signals in [−1, 1] combined into one score with a confidence.

A :class:`Component` is one named signal series in [−1, 1] (an indicator rule, a pattern's
``signal``, a higher timeframe's signal aligned to the base bars, or an external score such
as an LLM analyst's; NaN = not available on that bar). Its effective weight on bar t is::

    weight × Π(multipliers of the RegimeWeight rules matching it and bar t's regime)
           × (1 + timeframe_tilt) ** (rank × clip(volatility_ratio − 1, −1, 1))

where ``rank`` orders the components' timeframes (0 = base), so higher timeframes count
more when volatility is above its baseline and less when below.

Per bar, over available components::

    score      = Σ w·v / Σ w                      in [−1, 1]
    coverage   = Σ w (available) / Σ w (all)      in [0, 1]
    consensus  = |Σ w·v| / Σ w·|v|                1 when all agree in sign
    confidence = coverage × consensus

``ConfluenceResult.explain(t)`` lists each component's contribution ``w·v / Σ w``; the
contributions add up to ``score[t]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe
from tradegraph.patterns import _confluence_kernels as ck
from tradegraph.patterns.inputs import ArrayLike, FloatArray, Int8Array, as_series
from tradegraph.patterns.regime import RegimeResult, Trend, Volatility


class ComponentRole(StrEnum):
    """What kind of evidence a component is; regime weight rules can target a role."""

    TREND = "trend"
    REVERSAL = "reversal"
    BREAKOUT = "breakout"
    EXTERNAL = "external"
    OTHER = "other"


@dataclass(frozen=True, eq=False)
class Component:
    """One signal series in [−1, 1] (NaN where unavailable) with its base weight."""

    name: str
    values: FloatArray
    weight: float = 1.0
    role: ComponentRole = ComponentRole.OTHER
    timeframe: Timeframe | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValidationError(
                "Component name is empty.", hint="Name it after its source, e.g. 'rsi_14'."
            )
        values = np.array(as_series(f"{self.name}.values", self.values, finite=False))
        first = int(ck.first_out_of_range(values))
        if first >= 0:
            raise ValidationError(
                f"Component {self.name!r} has a value outside [-1, 1] at index {first} "
                f"({values[first]!r}).",
                hint="Scale the signal into [-1, 1] (e.g. PatternResult.signal, np.tanh, "
                "np.clip); use NaN for bars where it is not available.",
            )
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValidationError(
                f"Component {self.name!r} has weight {self.weight!r}; expected a finite "
                "number >= 0.",
                hint="Use 0 to mute a component; express opposition with negated values.",
            )
        values.flags.writeable = False
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class RegimeWeight:
    """Multiply the weight of one component (by ``component`` name) or of every component
    with a ``role``, on bars whose regime matches ``trend``/``volatility`` (None = any)."""

    multiplier: float
    component: str | None = None
    role: ComponentRole | None = None
    trend: Trend | None = None
    volatility: Volatility | None = None

    def __post_init__(self) -> None:
        if (self.component is None) == (self.role is None):
            raise ValidationError(
                "RegimeWeight needs exactly one of component= or role=.",
                hint="Target one component by name, or all components of a role.",
            )
        if not (math.isfinite(self.multiplier) and self.multiplier >= 0):
            raise ValidationError(
                f"RegimeWeight multiplier must be a finite number >= 0, got {self.multiplier!r}.",
                hint="Use values like 0.5 (damp) or 1.5 (boost).",
            )

    def targets(self, component: Component) -> bool:
        """Whether this rule applies to ``component``."""
        if self.component is not None:
            return component.name == self.component
        return component.role == self.role


DEFAULT_REGIME_WEIGHTS: tuple[RegimeWeight, ...] = (
    RegimeWeight(1.5, role=ComponentRole.TREND, trend=Trend.BULL),
    RegimeWeight(1.5, role=ComponentRole.TREND, trend=Trend.BEAR),
    RegimeWeight(0.5, role=ComponentRole.TREND, trend=Trend.SIDEWAYS),
    RegimeWeight(0.5, role=ComponentRole.REVERSAL, trend=Trend.BULL),
    RegimeWeight(0.5, role=ComponentRole.REVERSAL, trend=Trend.BEAR),
    RegimeWeight(1.5, role=ComponentRole.REVERSAL, trend=Trend.SIDEWAYS),
    RegimeWeight(1.25, role=ComponentRole.BREAKOUT, volatility=Volatility.LOW),
    RegimeWeight(0.75, role=ComponentRole.BREAKOUT, volatility=Volatility.HIGH),
)
"""Trend-following evidence counts more in trends, reversal evidence in ranges, and
breakouts more out of quiet (low-volatility) markets."""


@dataclass(frozen=True)
class ConfluenceConfig:
    """Regime weight table and the volatility-based timeframe tilt (0 disables it)."""

    regime_weights: tuple[RegimeWeight, ...] = DEFAULT_REGIME_WEIGHTS
    timeframe_tilt: float = 0.5

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeframe_tilt) and 0 <= self.timeframe_tilt <= 10):
            raise ValidationError(
                f"ConfluenceConfig.timeframe_tilt must be in [0, 10], got {self.timeframe_tilt!r}.",
                hint="0 disables timeframe weighting; 0.5 is a moderate tilt.",
            )


@dataclass(frozen=True, slots=True)
class Contribution:
    """One component's part in the score of one bar."""

    name: str
    role: ComponentRole
    value: float
    base_weight: float
    weight: float
    share: float
    contribution: float
    available: bool


@dataclass(frozen=True, eq=False)
class ConfluenceResult:
    """Per-bar score in [−1, 1], confidence and coverage in [0, 1], explainable per bar."""

    score: FloatArray
    confidence: FloatArray
    coverage: FloatArray
    components: tuple[Component, ...]
    regime: RegimeResult | None = None
    config: ConfluenceConfig = field(default_factory=ConfluenceConfig)

    def __post_init__(self) -> None:
        for arr in (self.score, self.confidence, self.coverage):
            arr.flags.writeable = False

    def __len__(self) -> int:
        return len(self.score)

    def explain(self, t: int) -> list[Contribution]:
        """Each component's value, effective weight and contribution on bar ``t``."""
        n = len(self.score)
        if not -n <= t < n:
            raise ValidationError(
                f"Bar {t} is outside the {n} bars of this confluence result.",
                hint=f"Use an index in [0, {n - 1}].",
            )
        t = t % n
        ranks = _timeframe_ranks(self.components)
        weights = [
            float(ck.weight_at(t, *_weight_args(c, r, self.regime, self.config)))
            for c, r in zip(self.components, ranks, strict=True)
        ]
        values = [float(c.values[t]) for c in self.components]
        available_total = sum(w for w, v in zip(weights, values, strict=True) if not math.isnan(v))
        out: list[Contribution] = []
        for comp, w, v in zip(self.components, weights, values, strict=True):
            ok = not math.isnan(v)
            share = w / available_total if ok and available_total > 0 else 0.0
            out.append(
                Contribution(
                    name=comp.name,
                    role=comp.role,
                    value=v,
                    base_weight=comp.weight,
                    weight=w,
                    share=share,
                    contribution=share * v if ok else 0.0,
                    available=ok,
                )
            )
        return out


def _timeframe_ranks(components: Sequence[Component]) -> list[int]:
    """0 for the base timeframe (None, else the shortest), then 1, 2, ... by length."""
    distinct = sorted({c.timeframe for c in components if c.timeframe is not None})
    offset = 1 if any(c.timeframe is None for c in components) else 0
    rank = {tf: i + offset for i, tf in enumerate(distinct)}
    return [0 if c.timeframe is None else rank[c.timeframe] for c in components]


_NO_INT8 = np.empty(0, np.int8)
_NO_FLOAT = np.empty(0, np.float64)
WeightArgs: TypeAlias = tuple[
    float, FloatArray, Int8Array, Int8Array, Int8Array, Int8Array, FloatArray, int, float
]


def _weight_args(
    comp: Component, rank: int, regime: RegimeResult | None, config: ConfluenceConfig
) -> WeightArgs:
    """The arguments of ``_confluence_kernels.weight_at`` after the bar index."""
    rules = [r for r in config.regime_weights if r.targets(comp)]
    mults = np.array([r.multiplier for r in rules], np.float64)
    trends = np.array([ck.ANY if r.trend is None else int(r.trend) for r in rules], np.int8)
    vols = np.array([ck.ANY if r.volatility is None else int(r.volatility) for r in rules], np.int8)
    if regime is None:
        return comp.weight, mults, trends, vols, _NO_INT8, _NO_INT8, _NO_FLOAT, rank, 0.0
    return (
        comp.weight,
        mults,
        trends,
        vols,
        regime.trend,
        regime.volatility,
        regime.volatility_ratio,
        rank,
        config.timeframe_tilt,
    )


def confluence(
    components: Sequence[Component],
    regime: RegimeResult | None = None,
    config: ConfluenceConfig = ConfluenceConfig(),
) -> ConfluenceResult:
    """Combine ``components`` into a score with confidence (see the module docstring)."""
    comps = tuple(components)
    if not comps:
        raise ValidationError(
            "confluence() got no components.",
            hint="Pass at least one Component(name, values, weight).",
        )
    names = [c.name for c in comps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(
            f"Component names must be unique; repeated: {duplicates}.",
            hint="Suffix the timeframe or parameters, e.g. 'rsi_14@4h'.",
        )
    n = len(comps[0].values)
    for c in comps:
        if len(c.values) != n:
            raise ValidationError(
                f"Component {c.name!r} has {len(c.values)} bars, expected {n} like "
                f"{comps[0].name!r}.",
                hint="Align higher-timeframe signals to the base bars before combining.",
            )
    if regime is not None and len(regime) != n:
        raise ValidationError(
            f"The regime has {len(regime)} bars, expected {n} like the components.",
            hint="Compute the regime on the same base bars.",
        )
    known = set(names)
    for rule in config.regime_weights:
        if rule.component is not None and rule.component not in known:
            raise ValidationError(
                f"RegimeWeight targets unknown component {rule.component!r}.",
                hint=f"Known components: {sorted(known)}.",
            )
    sums = np.zeros((4, n))
    for comp, rank in zip(comps, _timeframe_ranks(comps), strict=True):
        ck.accumulate(comp.values, *_weight_args(comp, rank, regime, config), sums)
    score, confidence, coverage = ck.finish(sums)
    return ConfluenceResult(
        score=score,
        confidence=confidence,
        coverage=coverage,
        components=comps,
        regime=regime,
        config=config,
    )


def timeframe_agreement(signals: Sequence[ArrayLike]) -> FloatArray:
    """Mean sign of the available signals per bar, in [−1, 1] (NaN where none is).

    1 when every timeframe points up, −1 when all point down, near 0 when they disagree;
    usable as a component of its own.
    """
    if not signals:
        raise ValidationError(
            "timeframe_agreement() got no signals.",
            hint="Pass one aligned signal array per timeframe.",
        )
    arrays = [as_series(f"signals[{i}]", s, finite=False) for i, s in enumerate(signals)]
    n = len(arrays[0])
    signs = np.zeros(n)
    counts = np.zeros(n)
    for i, arr in enumerate(arrays):
        if len(arr) != n:
            raise ValidationError(
                f"signals[{i}] has {len(arr)} bars, expected {n}.",
                hint="Align every timeframe to the base bars first.",
            )
        ok = ~np.isnan(arr)
        signs += np.sign(np.where(ok, arr, 0.0))
        counts += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, signs / counts, np.nan)


__all__ = [
    "DEFAULT_REGIME_WEIGHTS",
    "Component",
    "ComponentRole",
    "ConfluenceConfig",
    "ConfluenceResult",
    "Contribution",
    "RegimeWeight",
    "confluence",
    "timeframe_agreement",
]
