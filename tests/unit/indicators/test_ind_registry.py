"""The registry describes every indicator exactly as the Python functions behave."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tradegraph import indicators as ti
from tradegraph.core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from conftest import Bars


def test_every_public_series_indicator_is_registered() -> None:
    not_series = {"typical_price", "volume_profile_range", "get_indicator", "indicator_names"}
    functions = {
        name
        for name in ti.__all__
        if name[0].islower() and callable(getattr(ti, name)) and name not in not_series
    }
    assert functions == set(ti.REGISTRY)
    assert ti.indicator_names() == tuple(ti.REGISTRY)
    for name, spec in ti.REGISTRY.items():
        assert spec.name == name
        assert spec.function is getattr(ti, name)


@pytest.mark.parametrize("name", list(ti.REGISTRY))
def test_params_match_the_function_signature(name: str) -> None:
    spec = ti.REGISTRY[name]
    signature = inspect.signature(spec.function)
    names = list(signature.parameters)
    assert names[: len(spec.inputs)] == [
        {"timestamp": "timestamps_ns"}.get(column, column) for column in spec.inputs
    ]
    assert names[len(spec.inputs) :] == [p.name for p in spec.params]
    for param in spec.params:
        default = signature.parameters[param.name].default
        if param.required:
            assert default is inspect.Parameter.empty
        else:
            assert default == param.default
            assert type(default) is {"int": int, "float": float, "str": str}[param.kind]


@pytest.mark.parametrize("name", list(ti.REGISTRY))
def test_lower_bounds_match_the_function(bars: Bars, name: str) -> None:
    spec = ti.REGISTRY[name]
    columns = bars.columns()
    base = spec.resolve({p.name: p.minimum for p in spec.params if p.required})
    if name == "macd":
        base.update(fast=2, slow=3)
    for param in spec.params:
        if param.minimum is None:
            continue
        at_min = dict(base)
        at_min[param.name] = (
            int(param.minimum)
            if param.kind == "int"
            else param.minimum + (0.5 if param.exclusive_minimum else 0.0)
        )
        spec.function(*(columns[c] for c in spec.inputs), **at_min)
        below = dict(base)
        below[param.name] = int(param.minimum) - 1 if param.kind == "int" else param.minimum - 0.5
        with pytest.raises(ValidationError, match=param.name):
            spec.function(*(columns[c] for c in spec.inputs), **below)
        with pytest.raises(ValidationError, match=f"{name}.{param.name}"):
            spec.resolve(below)


def test_resolve_merges_defaults_and_validates() -> None:
    spec = ti.get_indicator("macd")
    assert spec.resolve({"fast": 8}) == {"fast": 8, "slow": 26, "signal": 9}
    assert spec.resolve({"fast": 8.0})["fast"] == 8
    with pytest.raises(ValidationError, match="needs fast < slow"):
        spec.resolve({"fast": 30})
    with pytest.raises(ValidationError, match="whole number"):
        spec.resolve({"fast": 8.5})
    with pytest.raises(ValidationError, match="no parameter 'fsat'") as info:
        spec.resolve({"fsat": 8})
    assert "Did you mean 'fast'" in str(info.value.hint)
    with pytest.raises(ValidationError, match="needs parameter 'period'"):
        ti.get_indicator("sma").resolve()
    with pytest.raises(ValidationError, match="must be one of"):
        ti.get_indicator("vwap_session").resolve({"session": "1D"})


def test_unknown_indicator_suggests_the_closest() -> None:
    with pytest.raises(NotFoundError, match="'smaa'") as info:
        ti.get_indicator("smaa")
    assert "Did you mean 'sma'" in str(info.value.hint)


def test_compute_returns_named_outputs(bars: Bars) -> None:
    out = ti.get_indicator("bollinger").compute(bars.columns(), {"period": 10})
    assert list(out) == ["upper", "middle", "lower"]
    np.testing.assert_array_equal(out["middle"], ti.sma(bars.close, 10))
    value = ti.get_indicator("rsi").compute({"close": bars.close})
    np.testing.assert_array_equal(value["value"], ti.rsi(bars.close))
    with pytest.raises(ValidationError, match=r"missing \['volume'\]"):
        ti.get_indicator("obv").compute({"close": bars.close})


@pytest.mark.parametrize("name", list(ti.REGISTRY))
def test_outputs_match_the_result_fields(bars: Bars, name: str) -> None:
    spec = ti.REGISTRY[name]
    params = {p.name: 5 for p in spec.params if p.required}
    result = spec.function(*(bars.columns()[c] for c in spec.inputs), **spec.resolve(params))
    if isinstance(result, tuple):
        assert tuple(result._fields) == spec.outputs  # type: ignore[attr-defined]
    else:
        assert spec.outputs == ("value",)
