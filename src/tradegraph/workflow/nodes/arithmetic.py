"""Arithmetic and rolling nodes: math, scale, rolling, shift."""

from __future__ import annotations

import numpy as np

from tradegraph.workflow.nodes import _kernels
from tradegraph.workflow.nodes.common import (
    choice_param,
    float_param,
    int_param,
    p_float,
    p_int,
    p_str,
    series_in,
    tail_from,
    tail_of,
)
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import EvalContext, Inputs, NodeType, Outputs, Params
from tradegraph.workflow.values import FloatArray

_MATH_OPS = ("add", "sub", "mul", "div", "min", "max")
_ROLLING_OPS = {
    "mean": _kernels.MEAN,
    "sum": _kernels.SUM,
    "min": _kernels.MIN,
    "max": _kernels.MAX,
    "std": _kernels.STD,
    "change": _kernels.CHANGE,
}


def _math(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    a = series_in(inputs, "a")
    b = series_in(inputs, "b") if "b" in inputs else np.full(len(a), p_float(params, "value"))
    op = p_str(params, "op")
    with np.errstate(invalid="ignore", divide="ignore"):
        if op == "add":
            out = a + b
        elif op == "sub":
            out = a - b
        elif op == "mul":
            out = a * b
        elif op == "div":
            out = np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)
        elif op == "min":
            out = np.minimum(a, b)
        else:
            out = np.maximum(a, b)
    return {"series": np.asarray(out, dtype=np.float64)}


def _scale(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    x = series_in(inputs, "series")
    z = (x - p_float(params, "center")) / p_float(params, "scale")
    mode = p_str(params, "mode")
    if mode == "tanh":
        out: FloatArray = np.tanh(z)
    elif mode == "sign":
        out = np.sign(z)
    else:
        out = np.clip(z, -1.0, 1.0)
    return {"series": out}


def _rolling(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    x = np.ascontiguousarray(series_in(inputs, "series"))
    op = _ROLLING_OPS[p_str(params, "op")]
    return {"series": _kernels.rolling(x, p_int(params, "window"), op)}


def _rolling_tail(params: Params) -> int:
    return p_int(params, "window") + (1 if p_str(params, "op") == "change" else 0)


def _shift(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    x = series_in(inputs, "series")
    k = p_int(params, "bars")
    out = np.full(len(x), np.nan)
    if k < len(x):
        out[k:] = x[: len(x) - k]
    return {"series": out}


def _shift_tail(params: Params) -> int:
    return p_int(params, "bars") + 1


def arithmetic_nodes() -> list[NodeType]:
    """math, scale, rolling, shift."""
    series_out = (port("series", PortType.SERIES, "the result"),)
    return [
        NodeType(
            name="math",
            title="Math",
            category="math",
            description="a op b (or a op value): add, sub, mul, div (NaN on /0), min, max.",
            inputs=(
                port("a", PortType.SERIES, "left operand"),
                port("b", PortType.SERIES, "right operand (else value)", required=False),
            ),
            outputs=series_out,
            params=(
                choice_param("op", "sub", _MATH_OPS, "operation"),
                float_param("value", 0.0, "constant used when port b is not connected"),
            ),
            evaluate=_math,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="scale",
            title="Scale to [-1, 1]",
            category="math",
            description="(x − center) / scale, clipped (linear), squashed (tanh) or its sign.",
            inputs=(port("series", PortType.SERIES, "the series"),),
            outputs=series_out,
            params=(
                choice_param("mode", "linear", ("linear", "tanh", "sign"), "mapping"),
                float_param("center", 0.0, "value mapped to 0"),
                float_param(
                    "scale", 1.0, "distance mapped to ±1", minimum=0.0, exclusive_minimum=True
                ),
            ),
            evaluate=_scale,
            step_tail=tail_of(1),
        ),
        NodeType(
            name="rolling",
            title="Rolling window",
            category="math",
            description="mean, sum, min, max, std (population) over the last `window` "
            "bars, or the change over `window` bars.",
            inputs=(port("series", PortType.SERIES, "the series"),),
            outputs=series_out,
            params=(
                choice_param("op", "mean", tuple(_ROLLING_OPS), "reduction"),
                int_param("window", 20, "bars in the window", minimum=1, maximum=100_000),
            ),
            evaluate=_rolling,
            warmup=lambda p: p_int(p, "window") - (0 if p_str(p, "op") == "change" else 1),
            step_tail=tail_from(_rolling_tail),
        ),
        NodeType(
            name="shift",
            title="Shift (lag)",
            category="math",
            description="The series `bars` bars ago.",
            inputs=(port("series", PortType.SERIES, "the series"),),
            outputs=series_out,
            params=(int_param("bars", 1, "bars of delay", minimum=1, maximum=100_000),),
            evaluate=_shift,
            warmup=lambda p: p_int(p, "bars"),
            step_tail=tail_from(_shift_tail),
        ),
    ]


__all__ = ["arithmetic_nodes"]
