"""Helpers shared by the node library: typed parameter and input access, param builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.workflow.registry import Inputs, NodeParam, Params, ParamValue, StepTail
from tradegraph.workflow.values import (
    AnyArray,
    Bars,
    BoolArray,
    DecisionSeries,
    FloatArray,
    Levels,
    ObjectArray,
    RegimeSeries,
    Value,
)


def _wrong(name: str, expected: str, value: object) -> ValidationError:
    return ValidationError(
        f"Value {name!r} should be {expected}, got {type(value).__name__}.",
        hint="This is a node library bug or a registry mismatch; validate the workflow first.",
    )


def p_int(params: Params, name: str) -> int:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(name, "an int", value)
    return value


def p_float(params: Params, name: str) -> float:
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(name, "a number", value)
    return float(value)


def p_str(params: Params, name: str) -> str:
    value = params[name]
    if not isinstance(value, str):
        raise _wrong(name, "a str", value)
    return value


def p_bool(params: Params, name: str) -> bool:
    value = params[name]
    if not isinstance(value, bool):
        raise _wrong(name, "a bool", value)
    return value


def _one(inputs: Inputs, name: str) -> Value:
    value = inputs[name]
    if isinstance(value, tuple):
        raise _wrong(name, "one value", value)
    return value


def _array(name: str, value: object, kind: str, expected: str) -> AnyArray:
    if not isinstance(value, np.ndarray) or value.dtype.kind != kind:
        raise _wrong(name, expected, value)
    return value


def series_in(inputs: Inputs, name: str) -> FloatArray:
    return cast(FloatArray, _array(name, _one(inputs, name), "f", "a series"))


def signal_in(inputs: Inputs, name: str) -> BoolArray:
    return cast(BoolArray, _array(name, _one(inputs, name), "b", "a signal"))


def text_in(inputs: Inputs, name: str) -> ObjectArray:
    return cast(ObjectArray, _array(name, _one(inputs, name), "O", "a text series"))


def bars_in(inputs: Inputs, name: str = "bars") -> Bars:
    value = _one(inputs, name)
    if not isinstance(value, Bars):
        raise _wrong(name, "bars", value)
    return value


def levels_in(inputs: Inputs, name: str) -> Levels:
    value = _one(inputs, name)
    if not isinstance(value, Levels):
        raise _wrong(name, "levels", value)
    return value


def regime_in(inputs: Inputs, name: str) -> RegimeSeries:
    value = _one(inputs, name)
    if not isinstance(value, RegimeSeries):
        raise _wrong(name, "a regime", value)
    return value


def decision_in(inputs: Inputs, name: str) -> DecisionSeries:
    value = _one(inputs, name)
    if not isinstance(value, DecisionSeries):
        raise _wrong(name, "a decision", value)
    return value


def many_in(inputs: Inputs, name: str) -> tuple[Value, ...]:
    value = inputs.get(name, ())
    return value if isinstance(value, tuple) else (value,)


def many_series(inputs: Inputs, name: str) -> tuple[FloatArray, ...]:
    return tuple(cast(FloatArray, _array(name, v, "f", "a series")) for v in many_in(inputs, name))


def many_signals(inputs: Inputs, name: str) -> tuple[BoolArray, ...]:
    return tuple(cast(BoolArray, _array(name, v, "b", "a signal")) for v in many_in(inputs, name))


def int_param(
    name: str,
    default: int | None,
    description: str,
    *,
    minimum: int | None = 1,
    maximum: int | None = None,
) -> NodeParam:
    return NodeParam(
        name,
        "int",
        default,
        description,
        minimum=None if minimum is None else float(minimum),
        maximum=None if maximum is None else float(maximum),
    )


def float_param(
    name: str,
    default: float | None,
    description: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> NodeParam:
    return NodeParam(
        name,
        "float",
        default,
        description,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_minimum,
    )


def choice_param(name: str, default: str, choices: tuple[str, ...], description: str) -> NodeParam:
    return NodeParam(name, "str", default, description, choices=choices)


def bool_param(name: str, default: bool, description: str) -> NodeParam:
    return NodeParam(name, "bool", default, description)


def tail_of(bars: int) -> StepTail:
    """A ``step_tail`` for nodes whose output at t needs the last ``bars`` bars only."""

    def tail(_params: Params) -> int | None:
        return bars

    return tail


def tail_from(function: Callable[[Params], int]) -> StepTail:
    """A ``step_tail`` computed from the parameters (e.g. a rolling window)."""

    def tail(params: Params) -> int | None:
        return function(params)

    return tail


def runtime_error(node_id: str, message: str, hint: str) -> ValidationError:
    """A runtime problem of node ``node_id`` (named in the message)."""
    return ValidationError(f"Node {node_id!r}: {message}", hint=hint)


def number(value: ParamValue) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong("value", "a number", value)
    return float(value)


__all__ = [
    "bars_in",
    "bool_param",
    "choice_param",
    "decision_in",
    "float_param",
    "int_param",
    "levels_in",
    "many_in",
    "many_series",
    "many_signals",
    "number",
    "p_bool",
    "p_float",
    "p_int",
    "p_str",
    "regime_in",
    "runtime_error",
    "series_in",
    "signal_in",
    "tail_from",
    "tail_of",
    "text_in",
]
