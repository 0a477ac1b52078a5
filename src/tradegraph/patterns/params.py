"""Typed, validated detector configs and their introspection for the registry.

Each detector has a frozen dataclass config that derives from :class:`DetectorConfig`.
Fields are declared with :func:`param`, which records bounds and a one-line description;
the same metadata validates values on construction *and* describes the parameter in the
pattern registry, so the two can never disagree.

Supported field types: ``int``, ``float``, ``bool`` and ``Literal[...]`` of strings.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeAlias, TypeVar

from tradegraph.core.errors import ValidationError

T = TypeVar("T")
C = TypeVar("C", bound="DetectorConfig")
ParamValue: TypeAlias = int | float | bool | str
ParamKind: TypeAlias = Literal["int", "float", "bool", "choice"]

_META_KEY = "tradegraph.param"


@dataclass(frozen=True, slots=True)
class _Meta:
    ge: float | None
    gt: float | None
    le: float | None
    lt: float | None
    doc: str


def param(
    default: T,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    doc: str = "",
) -> T:
    """Declare a config field with a default, inclusive/exclusive bounds and a description."""
    meta = _Meta(ge=ge, gt=gt, le=le, lt=lt, doc=doc)
    return field(default=default, metadata={_META_KEY: meta})


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One detector parameter as the workflow node library sees it."""

    name: str
    kind: ParamKind
    default: ParamValue
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""

    def describe_range(self) -> str:
        """The admissible values in interval or set notation, e.g. ``[1, 500]``."""
        if self.kind == "choice":
            return "{" + ", ".join(self.choices) + "}"
        if self.kind == "bool":
            return "{true, false}"
        lo = (
            f"[{_fmt(self.ge)}"
            if self.ge is not None
            else (f"({_fmt(self.gt)}" if self.gt is not None else "(-inf")
        )
        hi = (
            f"{_fmt(self.le)}]"
            if self.le is not None
            else (f"{_fmt(self.lt)})" if self.lt is not None else "inf)")
        )
        return f"{lo}, {hi}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


_SPECS: dict[type[DetectorConfig], tuple[ParamSpec, ...]] = {}


def param_specs(config_type: type[DetectorConfig]) -> tuple[ParamSpec, ...]:
    """The parameters of a config class, in declaration order."""
    cached = _SPECS.get(config_type)
    if cached is None:
        cached = _SPECS[config_type] = _build_specs(config_type)
    return cached


def _build_specs(config_type: type[DetectorConfig]) -> tuple[ParamSpec, ...]:
    hints = typing.get_type_hints(config_type)
    specs: list[ParamSpec] = []
    for f in fields(config_type):
        meta = f.metadata.get(_META_KEY)
        if not isinstance(meta, _Meta):
            raise TypeError(f"{config_type.__name__}.{f.name} must be declared with param().")
        hint = hints[f.name]
        choices: tuple[str, ...] = ()
        kind: ParamKind
        if typing.get_origin(hint) is Literal:
            kind, choices = "choice", tuple(str(a) for a in typing.get_args(hint))
        elif hint is bool:
            kind = "bool"
        elif hint is int:
            kind = "int"
        elif hint is float:
            kind = "float"
        else:
            raise TypeError(f"{config_type.__name__}.{f.name}: unsupported type {hint!r}.")
        specs.append(
            ParamSpec(
                name=f.name,
                kind=kind,
                default=f.default,  # type: ignore[arg-type]  # param() always sets a default
                ge=meta.ge,
                gt=meta.gt,
                le=meta.le,
                lt=meta.lt,
                choices=choices,
                doc=meta.doc,
            )
        )
    return tuple(specs)


def _check_value(owner: str, spec: ParamSpec, value: Any) -> ParamValue:
    where = f"{owner}.{spec.name}"
    hint = f"Use a value in {spec.describe_range()} (default {spec.default!r})."
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(f"{where} must be a bool, got {value!r}.", hint=hint)
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ValidationError(
                f"{where} must be one of {list(spec.choices)}, got {value!r}.", hint=hint
            )
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} must be a number, got {value!r}.", hint=hint)
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(f"{where} must be a whole number, got {value!r}.", hint=hint)
        number: float = int(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise ValidationError(f"{where} must be finite, got {value!r}.", hint=hint)
    out_of_range = (
        (spec.ge is not None and number < spec.ge)
        or (spec.gt is not None and number <= spec.gt)
        or (spec.le is not None and number > spec.le)
        or (spec.lt is not None and number >= spec.lt)
    )
    if out_of_range:
        raise ValidationError(
            f"{where} must be in {spec.describe_range()}, got {value!r}.", hint=hint
        )
    return number


@dataclass(frozen=True)
class DetectorConfig:
    """Base of every detector config: validates each field against its :func:`param`."""

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for spec in param_specs(type(self)):
            value = _check_value(owner, spec, getattr(self, spec.name))
            object.__setattr__(self, spec.name, value)  # normalise int/float
        self.check()

    def check(self) -> None:
        """Cross-field rules; override and raise ValidationError with a hint."""

    @classmethod
    def from_params(cls: type[C], params: typing.Mapping[str, ParamValue]) -> C:
        """Build a config from loosely typed parameters (e.g. a workflow node's params)."""
        known = {spec.name for spec in param_specs(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValidationError(
                f"{cls.__name__} has no parameter(s) {unknown}.",
                hint=f"Known parameters: {sorted(known)}.",
            )
        return cls(**params)

    def to_params(self) -> dict[str, ParamValue]:
        """The parameters as a plain mapping (JSON-ready)."""
        return {spec.name: getattr(self, spec.name) for spec in param_specs(type(self))}


__all__ = ["DetectorConfig", "ParamKind", "ParamSpec", "ParamValue", "param", "param_specs"]
