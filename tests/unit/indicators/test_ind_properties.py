"""Properties of every registered indicator (hypothesis).

- Causality: changing bars after ``t`` never changes any output at or before ``t``.
- Warm-up: the registry's ``warmup`` is exactly the number of leading NaN bars, and every
  output is defined after it (on finite inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradegraph.indicators import REGISTRY, IndicatorSpec, ParamSpec

if TYPE_CHECKING:
    from conftest import Bars

HOUR_NS = 3_600_000_000_000
PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _param_strategy(param: ParamSpec, n: int) -> st.SearchStrategy[int | float | str]:
    if param.kind == "str":
        return st.sampled_from(param.choices)
    if param.name == "anchor_index":
        return st.integers(0, n - 1)
    if param.name == "offset_ns":
        return st.integers(-12, 12).map(lambda hours: hours * HOUR_NS)
    low = param.minimum if param.minimum is not None else 0.0
    if param.kind == "int":
        return st.integers(int(low), int(low) + 12)
    high = param.maximum if param.maximum is not None else low + 4.0
    return st.floats(low + (0.05 if param.exclusive_minimum else 0.0), high)


@st.composite
def _params(draw: st.DrawFn, spec: IndicatorSpec, n: int) -> dict[str, int | float | str]:
    params = {p.name: draw(_param_strategy(p, n)) for p in spec.params}
    for relation in spec.relations:
        lesser = params[relation.lesser]
        greater = params[relation.greater]
        assert isinstance(lesser, int)
        assert isinstance(greater, int)
        if not lesser < greater:
            params[relation.greater] = lesser + 1
    return params


def _perturb_after(columns: dict[str, np.ndarray], other: Bars, t: int) -> dict[str, np.ndarray]:
    changed = {name: values.copy() for name, values in columns.items()}
    for name, values in other.columns().items():
        if name == "timestamp":
            # Keep time non-decreasing: shift later bars by a growing random amount.
            gaps = np.cumsum(np.abs(other.close[t + 1 :] - other.close[t]).astype(np.int64))
            changed[name][t + 1 :] += gaps * HOUR_NS
        else:
            changed[name][t + 1 :] = values[t + 1 :]
    return changed


NAMES = list(REGISTRY)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY_SETTINGS
@given(data=st.data(), n=st.integers(2, 90), seed=st.integers(0, 10_000))
def test_outputs_are_causal(
    make_bars: Callable[[int, int], Bars], name: str, data: st.DataObject, n: int, seed: int
) -> None:
    spec = REGISTRY[name]
    params = data.draw(_params(spec, n), label="params")
    t = data.draw(st.integers(0, n - 1), label="t")
    original = make_bars(n, seed).columns()
    changed = _perturb_after(original, make_bars(n, seed + 1), t)
    before = spec.compute(original, params)
    after = spec.compute(changed, params)
    for output in spec.outputs:
        assert before[output].shape == (n,)
        np.testing.assert_array_equal(
            before[output][: t + 1], after[output][: t + 1], err_msg=f"{name}.{output}"
        )


@pytest.mark.parametrize("name", NAMES)
@PROPERTY_SETTINGS
@given(data=st.data(), n=st.integers(1, 90), seed=st.integers(0, 10_000))
def test_warmup_is_exact(
    make_bars: Callable[[int, int], Bars], name: str, data: st.DataObject, n: int, seed: int
) -> None:
    spec = REGISTRY[name]
    params = data.draw(_params(spec, n), label="params")
    outputs = spec.compute(make_bars(n, seed).columns(), params)
    warmup = min(spec.warmup_bars(params), n)
    undefined = np.zeros(n, dtype=bool)
    for values in outputs.values():
        undefined |= np.isnan(values)
    assert undefined[:warmup].all(), f"{name}: a value before bar {warmup} is defined"
    assert not undefined[warmup:].any(), f"{name}: NaN after the warm-up of {warmup} bars"
