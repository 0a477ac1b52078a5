"""Pattern nodes (one per :data:`tradegraph.patterns.PATTERNS` entry) and confluence.

Pattern outputs become ``series`` ports (int codes as floats) or ``signal`` ports (bool
outputs); ``support_resistance`` also offers a ``levels`` port and ``regime`` a
``regime`` port. ``confluence`` combines any number of [−1, 1] series with an optional
regime; each component's role (trend, reversal, breakout, external) follows from the
category of the node it comes from.
"""

from __future__ import annotations

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.patterns.confluence import (
    DEFAULT_REGIME_WEIGHTS,
    Component,
    ComponentRole,
    ConfluenceConfig,
    confluence,
)
from tradegraph.patterns.params import ParamSpec as PatternParam
from tradegraph.patterns.regime import RegimeConfig, RegimeResult, regime
from tradegraph.patterns.registry import PATTERNS, PatternSpec
from tradegraph.workflow.nodes.common import (
    bars_in,
    bool_param,
    float_param,
    many_series,
    p_bool,
    p_float,
    regime_in,
    runtime_error,
    series_in,
)
from tradegraph.workflow.ports import PortSpec, PortType, port
from tradegraph.workflow.registry import (
    EvalContext,
    Inputs,
    NodeParam,
    NodeType,
    Outputs,
    Params,
    Problem,
)
from tradegraph.workflow.values import AnyArray, Levels, RegimeSeries

_CANDLES = {
    "pin_bar",
    "hammer_shooting_star",
    "engulfing",
    "doji",
    "inside_bar",
    "morning_evening_star",
}
_BREAKOUTS = {"range_breakout", "level_break"}

ROLE_BY_CATEGORY: dict[str, ComponentRole] = {
    "trend": ComponentRole.TREND,
    "average": ComponentRole.TREND,
    "channel": ComponentRole.TREND,
    "momentum": ComponentRole.REVERSAL,
    "pattern.candle": ComponentRole.REVERSAL,
    "pattern.divergence": ComponentRole.REVERSAL,
    "pattern.breakout": ComponentRole.BREAKOUT,
    "ai": ComponentRole.EXTERNAL,
}


def _node_param(p: PatternParam) -> NodeParam:
    if p.kind == "choice":
        return NodeParam(p.name, "str", p.default, p.doc, choices=p.choices)
    if p.kind == "bool":
        return NodeParam(p.name, "bool", p.default, p.doc)
    minimum = p.ge if p.ge is not None else p.gt
    maximum = p.le if p.le is not None else p.lt
    return NodeParam(
        p.name,
        "int" if p.kind == "int" else "float",
        p.default,
        p.doc,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=p.ge is None and p.gt is not None,
        exclusive_maximum=p.le is None and p.lt is not None,
    )


def _category(name: str) -> str:
    if name in _CANDLES:
        return "pattern.candle"
    if name in _BREAKOUTS:
        return "pattern.breakout"
    if name == "divergence":
        return "pattern.divergence"
    return f"pattern.{name}"


def pattern_node(spec: PatternSpec) -> NodeType:
    """The node type of one registered pattern detector."""
    uses_score = "score" in spec.inputs
    inputs: tuple[PortSpec, ...] = (port("bars", PortType.BARS, "the bars to scan"),)
    if uses_score:
        inputs = (port("score", PortType.SERIES, "the score to calibrate"), *inputs)
    outputs = tuple(
        port(o.name, PortType.SIGNAL if o.dtype == "bool" else PortType.SERIES, o.description)
        for o in spec.outputs
    )
    if spec.name == "support_resistance":
        outputs = (*outputs, port("levels", PortType.LEVELS, "nearest support and resistance"))

    def evaluate(_ctx: EvalContext, node_inputs: Inputs, params: Params) -> Outputs:
        bars = bars_in(node_inputs)
        data: dict[str, AnyArray] = {
            "open": bars.open,
            "high": bars.high,
            "low": bars.low,
            "close": bars.close,
            "volume": bars.volume,
        }
        if uses_score:
            data["score"] = series_in(node_inputs, "score")
        raw = spec.compute(data, params)
        out: Outputs = {
            name: values if values.dtype == np.bool_ else values.astype(np.float64)
            for name, values in raw.items()
        }
        if spec.name == "support_resistance":
            support = raw["support"].astype(np.float64)
            resistance = raw["resistance"].astype(np.float64)
            out["levels"] = Levels(support=support, resistance=resistance)
        return out

    def check(params: Params) -> Problem | None:
        try:
            spec.build_config(params)
        except ValidationError as exc:
            return exc.message, exc.hint or "Adjust the parameters."
        return None

    return NodeType(
        name=spec.name,
        title=spec.summary,
        category=_category(spec.name),
        description=spec.summary,
        inputs=inputs,
        outputs=outputs,
        params=tuple(_node_param(p) for p in spec.params),
        evaluate=evaluate,
        check=check,
    )


def _regime(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    bars = bars_in(inputs)
    result = regime(bars.high, bars.low, bars.close, RegimeConfig.from_params(params))
    value = RegimeSeries(
        trend=np.array(result.trend),
        volatility=np.array(result.volatility),
        trend_score=np.array(result.trend_score),
        adx=np.array(result.adx),
        volatility_ratio=np.array(result.volatility_ratio),
        valid=np.array(result.valid),
    )
    return {
        "trend": value.trend.astype(np.float64),
        "volatility": value.volatility.astype(np.float64),
        "trend_score": value.trend_score,
        "volatility_ratio": value.volatility_ratio,
        "valid": value.valid,
        "regime": value,
    }


def regime_node() -> NodeType:
    """The ``regime`` pattern with an extra ``regime`` port for confluence."""
    base = pattern_node(PATTERNS["regime"])
    return NodeType(
        name=base.name,
        title=base.title,
        category="regime",
        description=base.description,
        inputs=base.inputs,
        outputs=(*base.outputs, port("regime", PortType.REGIME, "the regime (for confluence)")),
        params=base.params,
        evaluate=_regime,
        check=base.check,
    )


def _confluence(ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    names = ctx.sources["components"]
    categories = ctx.source_categories.get("components", ())
    components = []
    for i, values in enumerate(many_series(inputs, "components")):
        category = categories[i] if i < len(categories) else ""
        role = ROLE_BY_CATEGORY.get(category, ComponentRole.OTHER)
        try:
            components.append(Component(names[i], values, role=role))
        except ValidationError as exc:
            raise runtime_error(ctx.node_id, exc.message, exc.hint or "") from exc
    weights = DEFAULT_REGIME_WEIGHTS if p_bool(params, "regime_weighting") else ()
    config = ConfluenceConfig(
        regime_weights=weights, timeframe_tilt=p_float(params, "timeframe_tilt")
    )
    state: RegimeResult | None = None
    if "regime" in inputs:
        r = regime_in(inputs, "regime")
        state = RegimeResult(
            trend=r.trend,
            volatility=r.volatility,
            trend_score=r.trend_score,
            adx=r.adx,
            volatility_ratio=r.volatility_ratio,
            valid=r.valid,
        )
    result = confluence(components, state, config)
    return {
        "score": np.array(result.score),
        "confidence": np.array(result.confidence),
        "coverage": np.array(result.coverage),
    }


def confluence_node() -> NodeType:
    return NodeType(
        name="confluence",
        title="Confluence",
        category="confluence",
        description="Weighted agreement of [-1, 1] signals, regime-aware, with a confidence.",
        inputs=(
            port("components", PortType.SERIES, "signals in [-1, 1]", variadic=True),
            port("regime", PortType.REGIME, "market regime (optional)", required=False),
        ),
        outputs=(
            port("score", PortType.SERIES, "weighted mean signal in [-1, 1]"),
            port("confidence", PortType.SERIES, "coverage × consensus in [0, 1]"),
            port("coverage", PortType.SERIES, "share of weight available in [0, 1]"),
        ),
        params=(
            float_param("timeframe_tilt", 0.5, "higher-timeframe tilt", minimum=0.0, maximum=10.0),
            bool_param("regime_weighting", True, "weight trend/reversal/breakout by regime"),
        ),
        evaluate=_confluence,
    )


def pattern_nodes() -> list[NodeType]:
    """Every registered pattern (regime with its regime port) plus confluence."""
    nodes = [pattern_node(spec) for name, spec in PATTERNS.items() if name != "regime"]
    return [*nodes, regime_node(), confluence_node()]


__all__ = ["ROLE_BY_CATEGORY", "confluence_node", "pattern_node", "pattern_nodes", "regime_node"]
