"""Typed descriptions of indicators: inputs, parameters, outputs and warm-up.

An :class:`IndicatorSpec` is everything a caller (the workflow node library, the CLI, a
UI form) needs to offer an indicator without knowing its Python signature: which input
columns it reads, its parameters with defaults and bounds, the names of its outputs, and
how many leading bars are NaN for given parameters.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np

from tradegraph.core.errors import ValidationError
from tradegraph.indicators.inputs import FloatArray, IndexLike, SeriesLike

ParamKind: TypeAlias = Literal["int", "float", "str"]
ParamValue: TypeAlias = int | float | str
InputColumn: TypeAlias = Literal["open", "high", "low", "close", "volume", "timestamp"]
Category: TypeAlias = Literal["average", "momentum", "volatility", "trend", "volume", "channel"]
IndicatorOutput: TypeAlias = FloatArray | tuple[FloatArray, ...]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: its type, default (``None`` = required) and admissible values."""

    name: str
    kind: ParamKind
    default: ParamValue | None
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is None

    def validate(self, indicator: str, value: object) -> ParamValue:
        """Return ``value`` if admissible (ints are accepted for floats), else raise."""
        where = f"{indicator}.{self.name}"
        if self.kind == "str":
            if not isinstance(value, str):
                raise ValidationError(
                    f"Parameter {where!r} must be a string, got {value!r}.",
                    hint=f"Use one of: {', '.join(self.choices)}.",
                )
            if self.choices and value not in self.choices:
                raise ValidationError(
                    f"Parameter {where!r} must be one of {list(self.choices)}, got {value!r}.",
                    hint=did_you_mean(value, self.choices),
                )
            return value
        number = _number(where, self.kind, value)
        self._check_bounds(where, number)
        return number

    def _check_bounds(self, where: str, number: float) -> None:
        if self.minimum is not None:
            too_low = number <= self.minimum if self.exclusive_minimum else number < self.minimum
            if too_low:
                relation = ">" if self.exclusive_minimum else ">="
                raise ValidationError(
                    f"Parameter {where!r} must be {relation} {self.minimum:g}, got {number}.",
                    hint=f"Choose a value {relation} {self.minimum:g}.",
                )
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(
                f"Parameter {where!r} must be <= {self.maximum:g}, got {number}.",
                hint=f"Choose a value <= {self.maximum:g}.",
            )


def _number(where: str, kind: ParamKind, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValidationError(
            f"Parameter {where!r} must be {'an integer' if kind == 'int' else 'a number'}, "
            f"got {value!r}.",
            hint="Pass a plain number (no quotes).",
        )
    if kind == "int":
        if isinstance(value, float | np.floating) and not float(value).is_integer():
            raise ValidationError(
                f"Parameter {where!r} must be a whole number, got {value!r}.",
                hint=f"Round it, e.g. {round(float(value))}.",
            )
        return int(value)
    number = float(value)
    if not np.isfinite(number):
        raise ValidationError(
            f"Parameter {where!r} must be finite, got {number}.",
            hint="Pass a finite number.",
        )
    return number


def did_you_mean(word: str, options: tuple[str, ...] | list[str]) -> str:
    """A hint naming the closest of ``options`` to ``word`` and listing them all."""
    close = difflib.get_close_matches(word, list(options), n=1)
    listing = ", ".join(options)
    return f"Did you mean {close[0]!r}? Known: {listing}." if close else f"Known: {listing}."


@dataclass(frozen=True, slots=True)
class LessThan:
    """A relation between two numeric parameters: ``lesser < greater`` (MACD fast < slow)."""

    lesser: str
    greater: str

    def check(self, indicator: str, params: Mapping[str, ParamValue]) -> None:
        low, high = params[self.lesser], params[self.greater]
        assert not isinstance(low, str)
        assert not isinstance(high, str)
        if not low < high:
            raise ValidationError(
                f"Indicator {indicator!r} needs {self.lesser} < {self.greater}, "
                f"got {self.lesser}={low}, {self.greater}={high}.",
                hint=f"Choose {self.greater} larger than {self.lesser}.",
            )


ResolvedParams: TypeAlias = Mapping[str, ParamValue]
WarmupFunction: TypeAlias = Callable[[ResolvedParams], int]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """A registered indicator.

    ``function`` is called as ``function(*columns_in_input_order, **params)``. Its result is
    one array (``outputs == ("value",)``) or a NamedTuple whose fields are ``outputs``.
    ``relations`` are constraints between parameters that ``resolve`` enforces.
    ``warmup(params)`` is the number of leading bars for which at least one output is NaN
    when every input is finite (the index of the first bar where all outputs are defined).
    """

    name: str
    title: str
    category: Category
    function: Callable[..., IndicatorOutput]
    inputs: tuple[InputColumn, ...]
    params: tuple[ParamSpec, ...]
    outputs: tuple[str, ...]
    warmup: WarmupFunction
    description: str
    relations: tuple[LessThan, ...] = ()
    param_index: Mapping[str, ParamSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_index", {p.name: p for p in self.params})

    def param(self, name: str) -> ParamSpec:
        """The spec of parameter ``name``; unknown names raise with a suggestion."""
        if name not in self.param_index:
            raise ValidationError(
                f"Indicator {self.name!r} has no parameter {name!r}.",
                hint=did_you_mean(name, list(self.param_index) or ["(none)"]),
            )
        return self.param_index[name]

    def resolve(self, overrides: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        """Defaults merged with ``overrides``, every value validated."""
        given = dict(overrides or {})
        for name in given:
            self.param(name)
        resolved: dict[str, ParamValue] = {}
        for spec in self.params:
            if spec.name in given:
                resolved[spec.name] = spec.validate(self.name, given[spec.name])
            elif spec.default is None:
                raise ValidationError(
                    f"Indicator {self.name!r} needs parameter {spec.name!r} ({spec.description}).",
                    hint=f"Pass {spec.name}=<{spec.kind}>.",
                )
            else:
                resolved[spec.name] = spec.default
        for relation in self.relations:
            relation.check(self.name, resolved)
        return resolved

    def warmup_bars(self, overrides: Mapping[str, object] | None = None) -> int:
        """Leading NaN bars for these parameters (defaults filled in)."""
        return self.warmup(self.resolve(overrides))

    def compute(
        self,
        columns: Mapping[str, SeriesLike | IndexLike],
        overrides: Mapping[str, object] | None = None,
    ) -> dict[str, FloatArray]:
        """Run the indicator on named input columns; return ``{output name: array}``."""
        missing = [name for name in self.inputs if name not in columns]
        if missing:
            raise ValidationError(
                f"Indicator {self.name!r} needs input columns {list(self.inputs)}; "
                f"missing {missing}.",
                hint="Provide the missing columns (a standard OHLCV frame has them all).",
            )
        params = self.resolve(overrides)
        result = self.function(*(columns[name] for name in self.inputs), **params)
        if isinstance(result, tuple):
            return dict(zip(self.outputs, result, strict=True))
        return {self.outputs[0]: result}


def p_int(params: ResolvedParams, name: str) -> int:
    """Read an int parameter from resolved params (for warm-up functions)."""
    value = params[name]
    assert isinstance(value, int), f"{name} must be an int after resolve()"
    return value


__all__ = [
    "Category",
    "IndicatorOutput",
    "IndicatorSpec",
    "InputColumn",
    "LessThan",
    "ParamKind",
    "ParamSpec",
    "ParamValue",
    "ResolvedParams",
    "WarmupFunction",
    "did_you_mean",
    "p_int",
]
