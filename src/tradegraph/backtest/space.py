"""ParameterSpace: the typed search space of an optimisation.

A space is a tuple of parameters (``IntParam``, ``FloatParam``, ``ChoiceParam``) plus
constraints between them (``fast < slow``, ``2*fast <= slow``). It enumerates its grid
(``grid()``), draws a seeded random sample (``sample(n, seed)``) and answers whether a
point is feasible. Constraints are linear comparisons, parsed without ``eval``.

Text syntax (the CLI's ``--param`` and ``--constraint``)::

    fast=10            one value            fast=5:50:5     5, 10, ..., 50
    fast=5:50          every integer        x=0.1:0.5:0.1   0.1, 0.2, ..., 0.5
    x=0.5:2.0          continuous range     x=1e-4:1e-1:log continuous, log-uniform
    ma=5,8,13          these values         fast < slow, 2*fast <= slow + 10
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from tradegraph.core.errors import ValidationError

ParamValue = int | float
Params = dict[str, ParamValue]

#: grids larger than this (before constraints) are refused: use random or optuna search
MAX_GRID: Final = 1_000_000
_REJECTION_FACTOR: Final = 200
_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SPEC_HINT: Final = (
    "Write NAME=VALUE, NAME=LOW:HIGH[:STEP] or NAME=A,B,C, e.g. fast=5:50:5 or fast=10."
)


def _number(text: str, spec: str) -> ParamValue:
    token = text.strip()
    try:
        return int(token)
    except ValueError:
        pass
    try:
        value = float(token)
    except ValueError:
        raise ValidationError(
            f"Parameter {spec!r}: {token!r} is not a number.", hint=_SPEC_HINT
        ) from None
    if not math.isfinite(value):
        raise ValidationError(f"Parameter {spec!r}: {token!r} is not finite.", hint=_SPEC_HINT)
    return value


def _check_name(name: str, spec: str) -> None:
    if not _NAME.match(name):
        raise ValidationError(
            f"Parameter {spec!r}: {name!r} is not a valid parameter name.", hint=_SPEC_HINT
        )


@dataclass(frozen=True, slots=True)
class IntParam:
    """Integers ``low, low + step, ..., <= high``."""

    name: str
    low: int
    high: int
    step: int = 1

    def __post_init__(self) -> None:
        _check_name(self.name, self.name)
        if self.step < 1 or self.high < self.low:
            raise ValidationError(
                f"Parameter {self.name}: range {self.low}:{self.high}:{self.step} is empty "
                "or has a step below 1.",
                hint="Use LOW <= HIGH and a positive integer step, e.g. 5:50:5.",
            )

    def values(self) -> tuple[ParamValue, ...]:
        return tuple(range(self.low, self.high + 1, self.step))

    def draw(self, rng: np.random.Generator) -> ParamValue:
        count = (self.high - self.low) // self.step + 1
        return self.low + self.step * int(rng.integers(count))


@dataclass(frozen=True, slots=True)
class FloatParam:
    """Floats in ``[low, high]``: on a grid of ``step`` or continuous (optionally log)."""

    name: str
    low: float
    high: float
    step: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name, self.name)
        bad_step = self.step is not None and not (self.step > 0 and math.isfinite(self.step))
        if not (self.low <= self.high) or bad_step:
            raise ValidationError(
                f"Parameter {self.name}: range {self.low}:{self.high} (step {self.step}) is "
                "empty or has a non-positive step.",
                hint="Use LOW <= HIGH and a positive step, e.g. 0.1:0.5:0.1.",
            )
        if self.log and (self.low <= 0 or self.step is not None):
            raise ValidationError(
                f"Parameter {self.name}: a log range needs LOW > 0 and no step.",
                hint="For example x=1e-4:1e-1:log.",
            )

    @property
    def discrete(self) -> bool:
        return self.step is not None or self.low == self.high

    def values(self) -> tuple[ParamValue, ...]:
        if self.low == self.high:
            return (self.low,)
        if self.step is None:
            raise ValidationError(
                f"Parameter {self.name} is a continuous range, which has no grid.",
                hint=f"Give a step ({self.name}={self.low}:{self.high}:STEP) or use "
                "random or optuna search.",
            )
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return tuple(round(self.low + k * self.step, 12) for k in range(count))

    def draw(self, rng: np.random.Generator) -> ParamValue:
        if self.discrete:
            options = self.values()
            return options[int(rng.integers(len(options)))]
        if self.log:
            return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True, slots=True)
class ChoiceParam:
    """One of the listed values (a single value fixes the parameter)."""

    name: str
    choices: tuple[ParamValue, ...]

    def __post_init__(self) -> None:
        _check_name(self.name, self.name)
        if not self.choices or len(set(self.choices)) != len(self.choices):
            raise ValidationError(
                f"Parameter {self.name}: choices {self.choices} are empty or repeat a value.",
                hint="List distinct values, e.g. ma=5,8,13.",
            )

    def values(self) -> tuple[ParamValue, ...]:
        return self.choices

    def draw(self, rng: np.random.Generator) -> ParamValue:
        return self.choices[int(rng.integers(len(self.choices)))]


Param = IntParam | FloatParam | ChoiceParam

_OPS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_COMPARISON: Final = re.compile(r"^(.+?)(<=|>=|==|!=|<|>)(.+)$")
_ID: Final = r"[A-Za-z_]\w*"
_NUM: Final = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PIECE: Final = re.compile(
    rf"\s*(?P<sign>[+-]?)\s*(?:(?P<c1>{_NUM})\s*\*\s*(?P<n1>{_ID})"
    rf"|(?P<n2>{_ID})\s*\*\s*(?P<c2>{_NUM})|(?P<n3>{_ID})|(?P<c3>{_NUM}))\s*"
)
_CONSTRAINT_HINT: Final = (
    "Compare linear terms of parameter names and numbers with < <= > >= == !=, "
    "e.g. 'fast < slow' or '2*fast <= slow + 10'."
)


@dataclass(frozen=True, slots=True)
class LinearExpr:
    """``sum(coef * param) + constant``."""

    terms: tuple[tuple[str, float], ...]
    constant: float = 0.0

    def evaluate(self, values: Mapping[str, ParamValue]) -> float:
        return sum(coef * float(values[name]) for name, coef in self.terms) + self.constant

    @classmethod
    def parse(cls, text: str, source: str) -> LinearExpr:
        terms: dict[str, float] = {}
        constant = 0.0
        pos = 0
        while pos < len(text):
            match = _PIECE.match(text, pos)
            if match is None or match.end() == pos or (pos > 0 and not match["sign"]):
                raise ValidationError(
                    f"Constraint {source!r}: {text[pos:].strip()!r} is not a parameter, a "
                    "number or NUMBER*parameter.",
                    hint=_CONSTRAINT_HINT,
                )
            pos = match.end()
            sign = -1.0 if match["sign"] == "-" else 1.0
            name = match["n1"] or match["n2"] or match["n3"]
            coef = match["c1"] or match["c2"]
            if name is None:
                constant += sign * float(match["c3"])
            else:
                terms[name] = terms.get(name, 0.0) + sign * (float(coef) if coef else 1.0)
        return cls(tuple(terms.items()), constant)


@dataclass(frozen=True, slots=True)
class Constraint:
    """``left OP right`` between linear expressions of parameters, e.g. ``fast < slow``."""

    text: str
    left: LinearExpr
    op: str
    right: LinearExpr

    @classmethod
    def parse(cls, text: str) -> Constraint:
        match = _COMPARISON.match(text.strip())
        if match is None or not match[1].strip() or not match[3].strip():
            raise ValidationError(f"Constraint {text!r} has no comparison.", hint=_CONSTRAINT_HINT)
        left, op, right = match[1], match[2], match[3]
        if any(c in right for c in "<>=!"):
            raise ValidationError(
                f"Constraint {text!r} chains comparisons.",
                hint="Give each comparison as its own --constraint.",
            )
        return cls(text.strip(), LinearExpr.parse(left, text), op, LinearExpr.parse(right, text))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n, _ in self.left.terms + self.right.terms)

    def holds(self, values: Mapping[str, ParamValue]) -> bool:
        left = self.left.evaluate(values)
        right = self.right.evaluate(values)
        return _OPS[self.op](left, right)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class ParameterSpace:
    """Parameters (in order) and the constraints every evaluated point satisfies."""

    params: tuple[Param, ...]
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        if not self.params:
            raise ValidationError(
                "The parameter space has no parameters.", hint="Add one, e.g. fast=5:50:5."
            )
        names = [p.name for p in self.params]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValidationError(
                f"Parameter(s) {repeated} are given more than once.",
                hint="Give each parameter once (use A,B,C for several values).",
            )
        for constraint in self.constraints:
            unknown = sorted(constraint.names - set(names))
            if unknown:
                raise ValidationError(
                    f"Constraint {constraint.text!r} names unknown parameter(s) {unknown}.",
                    hint=f"The parameters are: {', '.join(names)}.",
                )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def discrete(self) -> bool:
        return all(not isinstance(p, FloatParam) or p.discrete for p in self.params)

    @property
    def varying(self) -> tuple[str, ...]:
        """Names of the parameters that take more than one value."""
        return tuple(
            p.name for p in self.params if not (isinstance(p, ChoiceParam) and len(p.choices) == 1)
        )

    def grid_size(self) -> int:
        """Points in the full grid, before constraints."""
        return math.prod(len(p.values()) for p in self.params)

    def feasible(self, values: Mapping[str, ParamValue]) -> bool:
        return all(c.holds(values) for c in self.constraints)

    def grid(self) -> list[Params]:
        """Every feasible grid point, in lexicographic parameter order."""
        size = self.grid_size()
        if size > MAX_GRID:
            raise ValidationError(
                f"The grid has {size:,} points (more than {MAX_GRID:,}).",
                hint="Use larger steps, or random/optuna search with a number of trials.",
            )
        axes = [p.values() for p in self.params]
        names = self.names
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
        return [p for p in points if self.feasible(p)]

    def sample(self, n: int, seed: int) -> list[Params]:
        """Up to ``n`` distinct feasible points drawn at random; the same seed gives the
        same points. A discrete space smaller than ``n`` feasible points is returned whole."""
        if n < 1:
            raise ValidationError(f"Asked for {n} random points.", hint="Ask for at least 1.")
        rng = np.random.default_rng(seed)
        if self.discrete and self.grid_size() <= MAX_GRID:
            points = self.grid()
            if not points:
                raise self._infeasible()
            if len(points) <= n:
                return points
            chosen = rng.choice(len(points), size=n, replace=False)
            return [points[int(i)] for i in chosen]
        out: list[Params] = []
        seen: set[tuple[ParamValue, ...]] = set()
        for _ in range(n * _REJECTION_FACTOR):
            point = {p.name: p.draw(rng) for p in self.params}
            key = tuple(point.values())
            if key not in seen and self.feasible(point):
                seen.add(key)
                out.append(point)
                if len(out) == n:
                    break
        if not out:
            raise self._infeasible()
        return out

    def _infeasible(self) -> ValidationError:
        rules = "; ".join(c.text for c in self.constraints)
        return ValidationError(
            f"No parameter combination satisfies the constraints ({rules}).",
            hint="Widen the ranges or relax the constraints.",
        )

    @classmethod
    def parse(cls, specs: Sequence[str], constraints: Sequence[str] = ()) -> ParameterSpace:
        """Build a space from ``NAME=...`` specs and constraint texts (see the module)."""
        return cls(
            tuple(parse_param(s) for s in specs), tuple(Constraint.parse(c) for c in constraints)
        )


def _split_spec(spec: str) -> tuple[str, str]:
    name, sep, body = spec.partition("=")
    name = name.strip()
    if not sep or not body.strip():
        raise ValidationError(f"Parameter {spec!r} has no value.", hint=_SPEC_HINT)
    _check_name(name, spec)
    return name, body.strip()


def parse_param(spec: str) -> Param:
    """One ``NAME=...`` spec (value, range or list) as a parameter."""
    name, body = _split_spec(spec)
    if "," in body:
        return ChoiceParam(name, tuple(_number(v, spec) for v in body.split(",")))
    if ":" not in body:
        return ChoiceParam(name, (_number(body, spec),))
    parts = body.split(":")
    if len(parts) > 3:
        raise ValidationError(f"Parameter {spec!r} has too many ':' parts.", hint=_SPEC_HINT)
    log = len(parts) == 3 and parts[2].strip().lower() == "log"
    numbers = [_number(v, spec) for v in (parts[:2] if log else parts)]
    if all(isinstance(v, int) for v in numbers) and not log:
        low, high, *rest = (int(v) for v in numbers)
        return IntParam(name, low, high, rest[0] if rest else 1)
    step = float(numbers[2]) if len(numbers) == 3 else None
    return FloatParam(name, float(numbers[0]), float(numbers[1]), step, log)


def parse_values(specs: Sequence[str]) -> Params:
    """``NAME=VALUE`` specs for one backtest (no ranges) as a mapping."""
    out: Params = {}
    for spec in specs:
        name, body = _split_spec(spec)
        if any(c in body for c in ":,"):
            raise ValidationError(
                f"Parameter {spec!r} is a range or a list, but a backtest takes one value "
                "per parameter.",
                hint="Give one value (fast=10); search ranges with `tradegraph optimize`.",
            )
        if name in out:
            raise ValidationError(f"Parameter {name!r} is given twice.", hint="Give it once.")
        out[name] = _number(body, spec)
    return out


__all__ = [
    "MAX_GRID",
    "ChoiceParam",
    "Constraint",
    "FloatParam",
    "IntParam",
    "LinearExpr",
    "Param",
    "ParamValue",
    "ParameterSpace",
    "Params",
    "parse_param",
    "parse_values",
]
