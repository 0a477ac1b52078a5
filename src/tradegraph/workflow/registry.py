"""Node types and the registry they are looked up in.

A :class:`NodeType` declares everything the validator, the compilers and the studio need:
typed input and output ports, a params schema (:class:`NodeParam`: kind, default, bounds,
choices), its warm-up length, and its batch evaluation (``evaluate``: whole arrays in,
whole arrays out, vectorised). Decision-point nodes (LLM analysts) also have a point
evaluation (``evaluate_at``) that the batch plan calls only on the bars where their gate
fires, and that step mode calls on the current bar.

Node types are registered by factory functions (``registry.register(factory)``) that
return one type or several; :func:`tradegraph.workflow.nodes.default_registry` registers
the shipped library.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from tradegraph.ai.cache import CachedLLM
from tradegraph.core.errors import NotFoundError, ValidationError
from tradegraph.indicators.specs import did_you_mean
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.ports import PortSpec
from tradegraph.workflow.values import Bars, IntArray, Value

ParamKind: TypeAlias = Literal["int", "float", "bool", "str"]
ParamValue: TypeAlias = bool | int | float | str
Params: TypeAlias = Mapping[str, ParamValue]
Inputs: TypeAlias = Mapping[str, "Value | tuple[Value, ...]"]
Outputs: TypeAlias = dict[str, Value]
Problem: TypeAlias = tuple[str, str]  # (what is wrong, how to fix it)
NodeKind: TypeAlias = Literal["rule", "llm", "approval"]
TimeframeRule: TypeAlias = Literal["same", "feed", "resample", "align"]


@dataclass(frozen=True, slots=True)
class NodeParam:
    """One node parameter: kind, default (``None`` = required), bounds or choices."""

    name: str
    kind: ParamKind
    default: ParamValue | None
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is None

    def describe_range(self) -> str:
        """Admissible values, e.g. ``[1, inf)``, ``{sma, ema}`` or ``{true, false}``."""
        if self.kind == "bool":
            return "{true, false}"
        if self.kind == "str":
            return "{" + ", ".join(self.choices) + "}" if self.choices else "any text"
        lo = "(-inf" if self.minimum is None else ("(" if self.exclusive_minimum else "[")
        lo += "" if self.minimum is None else f"{self.minimum:g}"
        hi = "inf)" if self.maximum is None else f"{self.maximum:g}"
        hi += "" if self.maximum is None else (")" if self.exclusive_maximum else "]")
        return f"{lo}, {hi}"

    def problem(self, value: object) -> Problem | None:
        """Why ``value`` is not admissible (message, hint), or None when it is."""
        expected = f"Use a value in {self.describe_range()}"
        if self.default is not None:
            expected += f" (default {self.default!r})"
        expected += "."
        if self.kind == "bool":
            return (
                None
                if isinstance(value, bool)
                else (f"must be true or false, got {value!r}", expected)
            )
        if self.kind == "str":
            if not isinstance(value, str):
                return f"must be text, got {value!r}", expected
            if self.choices and value not in self.choices:
                return f"must be one of {list(self.choices)}, got {value!r}", did_you_mean(
                    value, self.choices
                )
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, got {value!r}", expected
        if self.kind == "int" and isinstance(value, float) and not value.is_integer():
            return f"must be a whole number, got {value!r}", expected
        if not math.isfinite(float(value)):
            return f"must be finite, got {value!r}", expected
        number = float(value)
        low = self.minimum
        high = self.maximum
        too_low = low is not None and (number <= low if self.exclusive_minimum else number < low)
        too_high = high is not None and (
            number >= high if self.exclusive_maximum else number > high
        )
        if too_low or too_high:
            return f"is out of bounds: {value!r} not in {self.describe_range()}", expected
        return None

    def coerce(self, value: ParamValue) -> ParamValue:
        """The canonical Python value (whole floats to int for ints, ints to float)."""
        if self.kind == "int" and not isinstance(value, bool) and isinstance(value, int | float):
            return int(value)
        if self.kind == "float" and not isinstance(value, bool) and isinstance(value, int | float):
            return float(value)
        return value


@dataclass(slots=True)
class EvalContext:
    """What a node's evaluation may see besides its inputs and parameters.

    ``timelines`` maps each timeframe evaluated so far to its bar open times (the base
    timeframe is always there); ``input_timeframes`` gives the timeframe of each
    connected input port; ``sources`` names the upstream ``node.port`` of each input
    (variadic ports list several). ``llm`` answers analyst nodes.
    """

    node_id: str
    timeframe: Timeframe
    base_timeframe: Timeframe
    timelines: dict[Timeframe, IntArray]
    feeds: Mapping[str, Bars]
    input_timeframes: Mapping[str, Timeframe]
    sources: Mapping[str, tuple[str, ...]]
    source_categories: Mapping[str, tuple[str, ...]]
    llm: CachedLLM | None
    symbol: str

    @property
    def base_time_ns(self) -> IntArray:
        return self.timelines[self.base_timeframe]


Evaluate: TypeAlias = Callable[[EvalContext, Inputs, Params], Outputs]
PointEvaluate: TypeAlias = Callable[[EvalContext, Inputs, Params, int], dict[str, object]]
Warmup: TypeAlias = Callable[[Params], int]
Check: TypeAlias = Callable[[Params], "Problem | None"]
StepTail: TypeAlias = Callable[[Params], "int | None"]
Unchanged: TypeAlias = Callable[[EvalContext, Params], bool]
CheckPorts: TypeAlias = Callable[[Params, frozenset[str]], "Problem | None"]


def _zero(_params: Params) -> int:
    return 0


def _no_problem(_params: Params) -> Problem | None:
    return None


def _full_history(_params: Params) -> int | None:
    return None


def _ports_ok(_params: Params, _connected: frozenset[str]) -> Problem | None:
    return None


@dataclass(frozen=True, slots=True)
class NodeType:
    """A registered node type (see the module docstring).

    - ``timeframe_rule``: ``same`` (inputs share a timeframe, outputs inherit it),
      ``feed`` (the timeframe of the workflow input it reads), ``resample`` (the
      ``timeframe`` parameter) or ``align`` (the base timeframe).
    - ``step_tail(params)``: when not None, the output at bar t depends only on the last
      ``k`` bars of the base-timeframe inputs and evaluating on that tail gives the
      identical value (pointwise and short-memory nodes); None means the node is
      evaluated on the full history (recursive indicators such as EMA or RSI).
    - ``step_unchanged(ctx, params)``: step mode may reuse the previous outputs when it
      returns True (a resample whose complete bars did not change).
    - ``requires_one_of``: input ports of which at least one must be connected;
      ``check_ports(params, connected input ports)`` checks wiring that depends on
      parameters (a level-based stop needs the ``levels`` port).
    """

    name: str
    title: str
    category: str
    description: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    params: tuple[NodeParam, ...]
    evaluate: Evaluate
    warmup: Warmup = _zero
    check: Check = _no_problem
    timeframe_rule: TimeframeRule = "same"
    step_tail: StepTail = _full_history
    step_unchanged: Unchanged | None = None
    evaluate_at: PointEvaluate | None = None
    kind: NodeKind = "rule"
    requires_one_of: tuple[str, ...] = ()
    check_ports: CheckPorts = _ports_ok
    _inputs: dict[str, PortSpec] = field(init=False, repr=False, compare=False)
    _outputs: dict[str, PortSpec] = field(init=False, repr=False, compare=False)
    _params: dict[str, NodeParam] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inputs", {p.name: p for p in self.inputs})
        object.__setattr__(self, "_outputs", {p.name: p for p in self.outputs})
        object.__setattr__(self, "_params", {p.name: p for p in self.params})

    def input(self, name: str) -> PortSpec | None:
        return self._inputs.get(name)

    def output(self, name: str) -> PortSpec | None:
        return self._outputs.get(name)

    def param(self, name: str) -> NodeParam | None:
        return self._params.get(name)

    def describe(self) -> dict[str, object]:
        """A JSON-ready description (for the studio's node palette and the API)."""
        return {
            "name": self.name,
            "title": self.title,
            "category": self.category,
            "kind": self.kind,
            "description": self.description,
            "inputs": [_port_json(p) for p in self.inputs],
            "outputs": [_port_json(p) for p in self.outputs],
            "params": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "default": p.default,
                    "required": p.required,
                    "minimum": p.minimum,
                    "maximum": p.maximum,
                    "exclusive_minimum": p.exclusive_minimum,
                    "exclusive_maximum": p.exclusive_maximum,
                    "choices": list(p.choices),
                    "description": p.description,
                }
                for p in self.params
            ],
        }


def _port_json(p: PortSpec) -> dict[str, object]:
    return {
        "name": p.name,
        "type": p.type.value,
        "required": p.required,
        "variadic": p.variadic,
        "description": p.description,
    }


NodeFactory: TypeAlias = Callable[[], "NodeType | Iterable[NodeType]"]


class NodeRegistry:
    """Node types by name, filled by factory functions."""

    def __init__(self) -> None:
        self._types: dict[str, NodeType] = {}

    def register(self, factory: NodeFactory) -> NodeFactory:
        """Add the node type(s) ``factory`` returns; usable as a decorator."""
        made = factory()
        for node_type in [made] if isinstance(made, NodeType) else list(made):
            if node_type.name in self._types:
                raise ValidationError(
                    f"Node type {node_type.name!r} is registered twice.",
                    hint="Give the new node type a distinct name.",
                )
            self._types[node_type.name] = node_type
        return factory

    def get(self, name: str) -> NodeType:
        """The node type ``name``; unknown names raise with the closest match."""
        found = self._types.get(name)
        if found is None:
            raise NotFoundError(
                f"No node type named {name!r}.", hint=did_you_mean(name, sorted(self._types))
            )
        return found

    def find(self, name: str) -> NodeType | None:
        return self._types.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._types))

    def types(self) -> tuple[NodeType, ...]:
        return tuple(self._types[name] for name in self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __len__(self) -> int:
        return len(self._types)


__all__ = [
    "Check",
    "CheckPorts",
    "EvalContext",
    "Evaluate",
    "Inputs",
    "NodeFactory",
    "NodeKind",
    "NodeParam",
    "NodeRegistry",
    "NodeType",
    "Outputs",
    "ParamKind",
    "ParamValue",
    "Params",
    "PointEvaluate",
    "Problem",
    "StepTail",
    "TimeframeRule",
    "Unchanged",
    "Warmup",
]
