"""Workflow parameters: merging, validation, constraints and the optimisation space.

Values come from three layers, later ones winning: the workflow's defaults < the
strategy's overrides < CLI/API overrides. Every layer is validated against the parameter
declarations (unknown names get a "did you mean"), then the workflow's ``constraints``
(``"fast < slow"``) are checked on the merged values. A parameter's bounds and step are
its optimisation range, so ``tradegraph optimize`` needs no separate space.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import yaml

from tradegraph.core.errors import ValidationError
from tradegraph.indicators.specs import did_you_mean
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.issues import Issue
from tradegraph.workflow.registry import ParamValue
from tradegraph.workflow.spec import FeedInput, Parameter, WorkflowSpec

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>|!=)\s*([A-Za-z_]\w*|-?\d+(\.\d+)?)\s*$")
_MAX_GRID = 100_000


@dataclass(frozen=True, slots=True)
class Constraint:
    """``left op right`` between two parameters (or a parameter and a number)."""

    text: str
    left: str
    op: str
    right: str | float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _CONSTRAINT.match(text)
        if match is None:
            raise ValidationError(
                f"Constraint {text!r} is not of the form 'name op name|number'.",
                hint="Write e.g. 'fast < slow' or 'threshold >= 0.5' (ops: < <= > >= !=).",
            )
        left, op, right = match.group(1), match.group(2), match.group(3)
        value: str | float = right if re.match(r"^[A-Za-z_]", right) else float(right)
        return cls(text, left, op, value)

    def names(self) -> tuple[str, ...]:
        return (self.left, self.right) if isinstance(self.right, str) else (self.left,)

    def holds(self, values: Mapping[str, ParamValue]) -> bool:
        a = values[self.left]
        b = values[self.right] if isinstance(self.right, str) else self.right
        if isinstance(a, str) or isinstance(b, str):
            return a != b if self.op == "!=" else False
        x, y = float(a), float(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "!=": x != y}[self.op]


def value_problem(p: Parameter, value: object) -> tuple[str, str] | None:
    """Why ``value`` is not admissible for parameter ``p`` (message, hint), or None."""
    bounds = f"[{_fmt(p.minimum, '-inf')}, {_fmt(p.maximum, 'inf')}]"
    if p.type == "bool":
        return (
            None
            if isinstance(value, bool)
            else (f"must be true or false, got {value!r}", "Use true or false.")
        )
    if p.type == "str":
        if not isinstance(value, str):
            return f"must be text, got {value!r}", "Quote the value."
        if p.choices and value not in p.choices:
            return f"must be one of {list(p.choices)}, got {value!r}", did_you_mean(
                value, p.choices
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a finite number, got {value!r}", f"Use a number in {bounds}."
    if p.type == "int" and not float(value).is_integer():
        return f"must be a whole number, got {value!r}", f"Use an integer in {bounds}."
    if (p.minimum is not None and value < p.minimum) or (
        p.maximum is not None and value > p.maximum
    ):
        return f"is out of bounds: {value!r} not in {bounds}", f"Use a value in {bounds}."
    return None


def _fmt(x: float | None, unbounded: str) -> str:
    return unbounded if x is None else f"{x:g}"


def coerce(p: Parameter, value: ParamValue) -> ParamValue:
    """The canonical value (whole floats to int for ``int``, ints to float for ``float``)."""
    if p.type == "int" and isinstance(value, float):
        return int(value)
    if p.type == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def check_declarations(spec: WorkflowSpec) -> list[Issue]:
    """Problems in the parameter declarations themselves."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for p in spec.parameters:
        if p.name in seen:
            issues.append(
                Issue(
                    "duplicate_parameter",
                    f"Workflow parameter {p.name!r} is declared twice.",
                    "Rename or remove one declaration.",
                    param=p.name,
                )
            )
        seen.add(p.name)
        if p.minimum is not None and p.maximum is not None and p.minimum > p.maximum:
            issues.append(
                Issue(
                    "parameter_invalid",
                    f"Workflow parameter {p.name!r} has minimum {p.minimum:g} > maximum {p.maximum:g}.",
                    "Swap minimum and maximum.",
                    param=p.name,
                )
            )
        if p.step is not None and (p.type not in ("int", "float") or p.step <= 0):
            issues.append(
                Issue(
                    "parameter_invalid",
                    f"Workflow parameter {p.name!r} has step {p.step!r}; a step must be > 0 on an int or float parameter.",
                    "Use a positive step (e.g. 1 or 0.5) or remove it.",
                    param=p.name,
                )
            )
        if p.choices and p.type != "str":
            issues.append(
                Issue(
                    "parameter_invalid",
                    f"Workflow parameter {p.name!r} has choices but type {p.type}.",
                    "Only str parameters take choices; use minimum/maximum for numbers.",
                    param=p.name,
                )
            )
        problem = value_problem(p, p.default)
        if problem is not None:
            issues.append(
                Issue(
                    "parameter_invalid",
                    f"Workflow parameter {p.name!r}: default {problem[0]}.",
                    problem[1],
                    param=p.name,
                )
            )
    for text in spec.constraints:
        try:
            constraint = Constraint.parse(text)
        except ValidationError as exc:
            issues.append(Issue("constraint_invalid", exc.message, exc.hint or "", param=None))
            continue
        issues.extend(
            Issue(
                "constraint_invalid",
                f"Constraint {text!r} names {name!r}, which is not a workflow parameter.",
                did_you_mean(name, sorted(seen) or ["(none)"]),
                param=name,
            )
            for name in constraint.names()
            if name not in seen
        )
    return issues


def merge_parameters(
    spec: WorkflowSpec,
    strategy: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> tuple[dict[str, ParamValue], list[Issue]]:
    """Defaults < strategy < overrides, each validated; then the constraints."""
    declared = {p.name: p for p in spec.parameters}
    values: dict[str, ParamValue] = {p.name: coerce(p, p.default) for p in spec.parameters}
    issues: list[Issue] = []
    for layer, given in (("strategy override", strategy), ("override", overrides)):
        for name, value in (given or {}).items():
            p = declared.get(name)
            if p is None:
                known = sorted(declared) or ["(none)"]
                issues.append(
                    Issue(
                        "unknown_parameter",
                        f"The {layer} sets {name!r}, which is not a parameter of workflow {spec.metadata.id!r}.",
                        did_you_mean(name, known),
                        param=name,
                    )
                )
                continue
            problem = value_problem(p, value)
            if problem is not None:
                issues.append(
                    Issue(
                        "parameter_out_of_bounds"
                        if "out of bounds" in problem[0]
                        else "parameter_invalid",
                        f"The {layer} of parameter {name!r} {problem[0]}.",
                        problem[1],
                        param=name,
                    )
                )
                continue
            assert isinstance(value, bool | int | float | str)
            values[name] = coerce(p, value)
    if not issues:
        issues.extend(_constraint_issues(spec, values))
    return values, issues


def _constraint_issues(spec: WorkflowSpec, values: Mapping[str, ParamValue]) -> list[Issue]:
    out = []
    for text in spec.constraints:
        try:
            constraint = Constraint.parse(text)
        except ValidationError:
            continue  # reported by check_declarations
        if all(n in values for n in constraint.names()) and not constraint.holds(values):
            shown = ", ".join(f"{n}={values[n]!r}" for n in constraint.names())
            out.append(
                Issue(
                    "constraint_violated",
                    f"Constraint {text!r} does not hold for {shown}.",
                    f"Choose values with {text}.",
                    param=constraint.left,
                )
            )
    return out


def constraints_hold(spec: WorkflowSpec, values: Mapping[str, ParamValue]) -> bool:
    return not _constraint_issues(spec, values)


def parse_override(text: str) -> tuple[str, ParamValue]:
    """``"fast=10"`` → ``("fast", 10)``; the value is read as a YAML scalar."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ValidationError(
            f"Override {text!r} is not NAME=VALUE.", hint="Write e.g. --param fast=10."
        )
    value = yaml.safe_load(raw) if raw.strip() else ""
    if not isinstance(value, bool | int | float | str):
        value = raw.strip()
    return name.strip(), value


def parse_overrides(items: Sequence[str]) -> dict[str, ParamValue]:
    return dict(parse_override(item) for item in items)


@dataclass(frozen=True, slots=True)
class ParamRange:
    """One optimisable parameter and its grid."""

    name: str
    kind: str
    default: ParamValue
    minimum: float | None
    maximum: float | None
    step: float | None
    choices: tuple[str, ...]

    def values(self) -> tuple[ParamValue, ...]:
        """The grid: minimum..maximum by step (step 1 for ints without one), the
        choices of a str parameter, or both booleans."""
        if self.kind == "bool":
            return (False, True)
        if self.kind == "str":
            return self.choices
        assert self.minimum is not None
        assert self.maximum is not None
        step = self.step if self.step is not None else 1.0
        count = math.floor((self.maximum - self.minimum) / step + 1e-9) + 1
        grid = [self.minimum + i * step for i in range(count)]
        if self.kind == "int":
            return tuple(dict.fromkeys(round(v) for v in grid))
        return tuple(round(v, 12) for v in grid)


def optimisation_space(
    spec: WorkflowSpec, names: Sequence[str] | None = None
) -> tuple[ParamRange, ...]:
    """The parameters that have a range: bounded numbers (floats also need a step),
    str parameters with choices and bools. ``names`` restricts (and orders) them."""
    wanted = list(names) if names is not None else [p.name for p in spec.parameters]
    out = []
    for name in wanted:
        p = spec.parameter(name)
        if p is None:
            raise ValidationError(
                f"Workflow {spec.metadata.id!r} has no parameter {name!r}.",
                hint=did_you_mean(name, [q.name for q in spec.parameters] or ["(none)"]),
            )
        ranged = (
            (p.type == "int" and p.minimum is not None and p.maximum is not None)
            or (
                p.type == "float"
                and p.minimum is not None
                and p.maximum is not None
                and p.step is not None
            )
            or (p.type == "str" and bool(p.choices))
            or p.type == "bool"
        )
        if not ranged:
            if names is not None:
                raise ValidationError(
                    f"Parameter {name!r} has no optimisation range.",
                    hint="Give it minimum, maximum (and step for floats) or choices.",
                )
            continue
        out.append(ParamRange(p.name, p.type, p.default, p.minimum, p.maximum, p.step, p.choices))
    return tuple(out)


def grid(spec: WorkflowSpec, names: Sequence[str] | None = None) -> list[dict[str, ParamValue]]:
    """Every combination of the space's values that satisfies the constraints."""
    space = optimisation_space(spec, names)
    size = math.prod(len(r.values()) for r in space)
    if size > _MAX_GRID:
        raise ValidationError(
            f"The parameter grid has {size} combinations (limit {_MAX_GRID}).",
            hint="Optimise fewer parameters or use larger steps.",
        )
    defaults = {p.name: coerce(p, p.default) for p in spec.parameters}
    combos = []
    for values in itertools.product(*(r.values() for r in space)):
        combo = dict(zip((r.name for r in space), values, strict=True))
        if constraints_hold(spec, {**defaults, **combo}):
            combos.append(combo)
    return combos


def bind_inputs(
    spec: WorkflowSpec, *, symbol: str | None = None, timeframe: str | Timeframe | None = None
) -> WorkflowSpec:
    """The spec with the ``{symbol}`` placeholder filled and/or the base timeframe set."""
    inputs = []
    for i, feed in enumerate(spec.inputs):
        changes: dict[str, str] = {}
        if symbol is not None:
            changes["symbol"] = feed.symbol.replace("{symbol}", symbol)
        if timeframe is not None and i == 0:
            changes["timeframe"] = Timeframe.parse(timeframe).code
        inputs.append(FeedInput.model_validate({**feed.model_dump(), **changes}))
    return spec.model_copy(update={"inputs": tuple(inputs)})


__all__ = [
    "Constraint",
    "ParamRange",
    "bind_inputs",
    "check_declarations",
    "coerce",
    "constraints_hold",
    "grid",
    "merge_parameters",
    "optimisation_space",
    "parse_override",
    "parse_overrides",
    "value_problem",
]
