"""Indicator nodes: one per entry of :data:`tradegraph.indicators.REGISTRY`.

An indicator reading only closes takes any ``series`` (a feed's close, or another node's
output: an SMA of an RSI); the others take ``bars``. Parameters, bounds, outputs and
warm-up come from the indicator's spec, so the two never disagree. Indicators are
evaluated on the full history in step mode: TA-Lib's recursive ones (EMA, RSI, ATR, ...)
depend on every earlier bar.
"""

from __future__ import annotations

from tradegraph.indicators.registry import REGISTRY
from tradegraph.indicators.specs import IndicatorSpec
from tradegraph.workflow.nodes.common import bars_in, series_in
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import (
    EvalContext,
    Inputs,
    NodeParam,
    NodeType,
    Outputs,
    Params,
    Problem,
)
from tradegraph.workflow.values import Bars


def _params(spec: IndicatorSpec) -> tuple[NodeParam, ...]:
    return tuple(
        NodeParam(
            p.name,
            p.kind,
            p.default,
            p.description,
            minimum=p.minimum,
            maximum=p.maximum,
            exclusive_minimum=p.exclusive_minimum,
            choices=p.choices,
        )
        for p in spec.params
    )


def _column(bars: Bars, name: str) -> object:
    return bars.time_ns if name == "timestamp" else bars.column(name)


def indicator_node(spec: IndicatorSpec) -> NodeType:
    """The node type of one registered indicator."""
    single = spec.inputs == ("close",)

    def evaluate(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
        if single:
            columns: tuple[object, ...] = (series_in(inputs, "series"),)
        else:
            bars = bars_in(inputs)
            columns = tuple(_column(bars, name) for name in spec.inputs)
        result = spec.function(*columns, **params)
        if isinstance(result, tuple):
            return dict(zip(spec.outputs, result, strict=True))
        return {spec.outputs[0]: result}

    def check(params: Params) -> Problem | None:
        for relation in spec.relations:
            low, high = params[relation.lesser], params[relation.greater]
            if isinstance(low, int | float) and isinstance(high, int | float) and not low < high:
                return (
                    f"needs {relation.lesser} < {relation.greater}, got "
                    f"{relation.lesser}={low}, {relation.greater}={high}",
                    f"Choose {relation.greater} larger than {relation.lesser}.",
                )
        return None

    def warmup(params: Params) -> int:
        return spec.warmup(params)

    source = (
        port("series", PortType.SERIES, "input series (e.g. a feed's close)")
        if single
        else port("bars", PortType.BARS, f"bars ({', '.join(spec.inputs)})")
    )
    return NodeType(
        name=spec.name,
        title=spec.title,
        category=spec.category,
        description=spec.description,
        inputs=(source,),
        outputs=tuple(port(o, PortType.SERIES, f"{spec.name} {o}") for o in spec.outputs),
        params=_params(spec),
        evaluate=evaluate,
        warmup=warmup,
        check=check,
    )


def indicator_nodes() -> list[NodeType]:
    """Every registered indicator as a node type."""
    return [indicator_node(spec) for spec in REGISTRY.values()]


__all__ = ["indicator_node", "indicator_nodes"]
