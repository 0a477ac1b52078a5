"""Logic and comparison nodes: compare, cross_over/cross_under, threshold, and/or/not,
to_series. All are pointwise (or look one bar back), NaN compares False.

``cross_over(a, b)`` at bar t is ``a[t-1] < b[t-1] and a[t] > b[t]`` (strict), exactly the
crossover of the hand-coded strategies and of backtesting.py; ``b`` defaults to the
``value`` parameter when its port is not connected.
"""

from __future__ import annotations

import numpy as np

from tradegraph.workflow.nodes import _kernels
from tradegraph.workflow.nodes.common import (
    choice_param,
    float_param,
    many_signals,
    p_float,
    p_str,
    series_in,
    signal_in,
    tail_of,
)
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import (
    EvalContext,
    Inputs,
    NodeType,
    Outputs,
    Params,
    Problem,
)
from tradegraph.workflow.values import BoolArray, FloatArray

_OPS = (">", ">=", "<", "<=")


def _b(inputs: Inputs, params: Params, like: FloatArray) -> FloatArray:
    if "b" in inputs:
        return series_in(inputs, "b")
    return np.full(len(like), p_float(params, "value"))


def _compare(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    a = series_in(inputs, "a")
    b = _b(inputs, params, a)
    op = p_str(params, "op")
    with np.errstate(invalid="ignore"):
        if op == ">":
            out = a > b
        elif op == ">=":
            out = a >= b
        elif op == "<":
            out = a < b
        else:
            out = a <= b
    return {"signal": out}


def crosses(a: FloatArray, b: FloatArray) -> tuple[BoolArray, BoolArray]:
    """(a crosses above b, a crosses below b) per bar, strict, NaN never crosses."""
    up = np.zeros(len(a), dtype=np.bool_)
    down = np.zeros(len(a), dtype=np.bool_)
    if len(a) > 1:
        a0, b0, a1, b1 = a[:-1], b[:-1], a[1:], b[1:]
        with np.errstate(invalid="ignore"):
            up[1:] = (a0 < b0) & (a1 > b1)
            down[1:] = (a0 > b0) & (a1 < b1)
    return up, down


def _cross(a: FloatArray, b: FloatArray, *, above: bool) -> BoolArray:
    x = np.ascontiguousarray(a, dtype=np.float64)
    y = np.ascontiguousarray(b, dtype=np.float64)
    result: BoolArray = _kernels.cross(x, y, above)
    return result


def _cross_over(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    a = series_in(inputs, "a")
    return {"signal": _cross(a, _b(inputs, params, a), above=True)}


def _cross_under(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    a = series_in(inputs, "a")
    return {"signal": _cross(a, _b(inputs, params, a), above=False)}


def _threshold(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    x = series_in(inputs, "series")
    lower, upper = p_float(params, "lower"), p_float(params, "upper")
    with np.errstate(invalid="ignore"):
        return {"above": x > upper, "below": x < lower, "between": (x >= lower) & (x <= upper)}


def _threshold_check(params: Params) -> Problem | None:
    if p_float(params, "lower") > p_float(params, "upper"):
        return (
            f"needs lower <= upper, got lower={params['lower']}, upper={params['upper']}",
            "Swap the two levels.",
        )
    return None


def _and(_ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    signals = many_signals(inputs, "inputs")
    out = signals[0].copy()
    for s in signals[1:]:
        out &= s
    return {"signal": out}


def _or(_ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    signals = many_signals(inputs, "inputs")
    out = signals[0].copy()
    for s in signals[1:]:
        out |= s
    return {"signal": out}


def _not(_ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    return {"signal": ~signal_in(inputs, "signal")}


def _to_series(_ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    return {"series": signal_in(inputs, "signal").astype(np.float64)}


def _ab_ports() -> tuple:  # type: ignore[type-arg]
    return (
        port("a", PortType.SERIES, "left-hand series"),
        port("b", PortType.SERIES, "right-hand series (else the value param)", required=False),
    )


def logic_nodes() -> list[NodeType]:
    """compare, cross_over, cross_under, threshold, and, or, not, to_series."""
    value = float_param("value", 0.0, "constant used when port b is not connected")
    signal_out = (port("signal", PortType.SIGNAL, "the result"),)
    return [
        NodeType(
            name="compare",
            title="Compare",
            category="logic",
            description="a op b (or a op value) per bar; NaN compares False.",
            inputs=_ab_ports(),
            outputs=signal_out,
            params=(choice_param("op", ">", _OPS, "comparison"), value),
            evaluate=_compare,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="cross_over",
            title="Cross over",
            category="logic",
            description="a crosses above b (or value): a[t-1] < b[t-1] and a[t] > b[t].",
            inputs=_ab_ports(),
            outputs=signal_out,
            params=(value,),
            evaluate=_cross_over,
            step_tail=tail_of(2),
        ),
        NodeType(
            name="cross_under",
            title="Cross under",
            category="logic",
            description="a crosses below b (or value): a[t-1] > b[t-1] and a[t] < b[t].",
            inputs=_ab_ports(),
            outputs=signal_out,
            params=(value,),
            evaluate=_cross_under,
            step_tail=tail_of(2),
        ),
        NodeType(
            name="threshold",
            title="Thresholds",
            category="logic",
            description="Whether a series is above upper, below lower, or between them.",
            inputs=(port("series", PortType.SERIES, "the series"),),
            outputs=(
                port("above", PortType.SIGNAL, "series > upper"),
                port("below", PortType.SIGNAL, "series < lower"),
                port("between", PortType.SIGNAL, "lower <= series <= upper"),
            ),
            params=(
                float_param("lower", 30.0, "lower level"),
                float_param("upper", 70.0, "upper level"),
            ),
            evaluate=_threshold,
            check=_threshold_check,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="and",
            title="And",
            category="logic",
            description="True where every connected signal is True.",
            inputs=(port("inputs", PortType.SIGNAL, "signals", variadic=True),),
            outputs=signal_out,
            params=(),
            evaluate=_and,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="or",
            title="Or",
            category="logic",
            description="True where any connected signal is True.",
            inputs=(port("inputs", PortType.SIGNAL, "signals", variadic=True),),
            outputs=signal_out,
            params=(),
            evaluate=_or,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="not",
            title="Not",
            category="logic",
            description="The negation of a signal.",
            inputs=(port("signal", PortType.SIGNAL, "a signal"),),
            outputs=signal_out,
            params=(),
            evaluate=_not,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="to_series",
            title="Signal to series",
            category="logic",
            description="A signal as a series: True → 1.0, False → 0.0.",
            inputs=(port("signal", PortType.SIGNAL, "a signal"),),
            outputs=(port("series", PortType.SERIES, "1.0 or 0.0"),),
            params=(),
            evaluate=_to_series,
            step_tail=tail_of(1),
        ),
    ]


__all__ = ["crosses", "logic_nodes"]
