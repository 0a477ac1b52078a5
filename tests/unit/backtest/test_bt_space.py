"""ParameterSpace: parsing, constraints, grids and seeded random samples."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest.space import (
    ChoiceParam,
    Constraint,
    FloatParam,
    IntParam,
    ParameterSpace,
    parse_param,
    parse_values,
)
from tradegraph.core.errors import ValidationError


def test_parse_param_forms() -> None:
    assert parse_param("fast=5:50:5") == IntParam("fast", 5, 50, 5)
    assert parse_param("fast=5:8") == IntParam("fast", 5, 8, 1)
    assert parse_param("fast=10") == ChoiceParam("fast", (10,))
    assert parse_param("ma=5,8,13") == ChoiceParam("ma", (5, 8, 13))
    assert parse_param("x=0.1:0.5:0.1") == FloatParam("x", 0.1, 0.5, 0.1)
    assert parse_param("x=0.5:2") == FloatParam("x", 0.5, 2.0, None)
    assert parse_param("x=1e-4:1e-1:log") == FloatParam("x", 1e-4, 1e-1, None, log=True)
    assert IntParam("fast", 5, 50, 5).values() == (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    assert IntParam("fast", 5, 52, 5).values()[-1] == 50
    assert FloatParam("x", 0.1, 0.5, 0.1).values() == (0.1, 0.2, 0.3, 0.4, 0.5)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("fast", "fast"),  # no value
        ("fast=abc", "abc"),
        ("fast=5:x", "fast=5:x"),
        ("fast=50:5", "fast"),  # empty range
        ("fast=5:50:0", "fast"),
        ("1fast=3", "1fast"),
        ("x=1:2:3:4", "x=1:2:3:4"),
        ("x=0:1:log", "x"),  # log needs a positive low
        ("m=1,1", "m"),
    ],
)
def test_parse_param_errors_name_the_spec(spec: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_param(spec)
    assert fragment in info.value.message
    assert info.value.hint


def test_parse_values_for_a_single_backtest() -> None:
    assert parse_values(["fast=10", "slow=20", "k=0.5"]) == {"fast": 10, "slow": 20, "k": 0.5}
    assert isinstance(parse_values(["fast=10"])["fast"], int)
    with pytest.raises(ValidationError, match="range or a list"):
        parse_values(["fast=5:50"])
    with pytest.raises(ValidationError, match="twice"):
        parse_values(["fast=5", "fast=6"])
    with pytest.raises(ValidationError, match="'fast=ten'"):
        parse_values(["fast=ten"])


def test_constraints_evaluate_linear_comparisons() -> None:
    rule = Constraint.parse("2*fast <= slow + 10")
    assert rule.names == {"fast", "slow"}
    assert rule.holds({"fast": 15, "slow": 20})  # 30 <= 30
    assert not rule.holds({"fast": 16, "slow": 20})  # 32 > 30
    other = Constraint.parse("fast - 1.5e1 > -slow*2")
    assert other.holds({"fast": 10, "slow": 3})  # -5 > -6
    assert not other.holds({"fast": 10, "slow": 2})  # -5 > -4 is false
    assert Constraint.parse("fast != slow").holds({"fast": 1, "slow": 2})
    assert Constraint.parse("fast==3").holds({"fast": 3})


@pytest.mark.parametrize(
    "text", ["fast", "fast = slow", "fast < slow < 9", "fast < sl ow", "f(x) < 2"]
)
def test_bad_constraints_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        Constraint.parse(text)
    assert text.strip() in info.value.message


def test_space_checks_names() -> None:
    with pytest.raises(ValidationError, match="unknown parameter"):
        ParameterSpace.parse(["fast=1:3"], ["fast < slow"])
    with pytest.raises(ValidationError, match="more than once"):
        ParameterSpace.parse(["fast=1:3", "fast=4"])
    with pytest.raises(ValidationError, match="no parameters"):
        ParameterSpace.parse([])


def test_grid_respects_constraints_and_order() -> None:
    space = ParameterSpace.parse(["fast=5:50:5", "slow=10:200:10"], ["fast<slow"])
    grid = space.grid()
    expected = [
        {"fast": f, "slow": s} for f in range(5, 51, 5) for s in range(10, 201, 10) if f < s
    ]
    assert grid == expected
    assert len(grid) == 175  # the classic 175-combination SMA sweep
    assert space.grid_size() == 200
    assert space.varying == ("fast", "slow")
    assert ParameterSpace.parse(["fast=5", "slow=10:30:10"]).varying == ("slow",)


def test_continuous_ranges_have_no_grid_but_sample() -> None:
    space = ParameterSpace.parse(["x=0.5:2.0", "k=1e-3:1e-1:log"], ["x > 10*k"])
    with pytest.raises(ValidationError, match="continuous"):
        space.grid()
    points = space.sample(50, seed=3)
    assert len(points) == 50
    assert all(0.5 <= p["x"] <= 2.0 and 1e-3 <= p["k"] <= 1e-1 for p in points)
    assert all(p["x"] > 10 * p["k"] for p in points)
    assert points == space.sample(50, seed=3)


def test_sample_is_deterministic_distinct_and_feasible() -> None:
    space = ParameterSpace.parse(["fast=5:50:5", "slow=10:200:10"], ["fast<slow"])
    first = space.sample(30, seed=7)
    assert first == space.sample(30, seed=7)
    assert first != space.sample(30, seed=8)
    keys = [(p["fast"], p["slow"]) for p in first]
    assert len(set(keys)) == 30
    grid = {(p["fast"], p["slow"]) for p in space.grid()}
    assert set(keys) <= grid
    # asking for more than exists returns every feasible point
    assert len(space.sample(1_000, seed=1)) == 175


def test_unsatisfiable_constraints_are_reported() -> None:
    space = ParameterSpace.parse(["fast=10:20", "slow=1:5"], ["fast < slow"])
    assert space.grid() == []
    with pytest.raises(ValidationError, match="fast < slow"):
        space.sample(5, seed=0)


@settings(max_examples=60, deadline=None)
@given(
    a=st.tuples(st.integers(-5, 5), st.integers(0, 6), st.integers(1, 3)),
    b=st.tuples(st.integers(-5, 5), st.integers(0, 6), st.integers(1, 3)),
    coef=st.integers(1, 3),
    offset=st.integers(-4, 4),
    op=st.sampled_from(["<", "<=", ">", ">=", "!="]),
    n=st.integers(1, 20),
    seed=st.integers(0, 1_000),
)
def test_grid_and_sample_match_brute_force(
    *,
    a: tuple[int, int, int],
    b: tuple[int, int, int],
    coef: int,
    offset: int,
    op: str,
    n: int,
    seed: int,
) -> None:
    pa = IntParam("a", a[0], a[0] + a[1], a[2])
    pb = IntParam("b", b[0], b[0] + b[1], b[2])
    text = f"{coef}*a {op} b + {offset}" if offset >= 0 else f"{coef}*a {op} b - {-offset}"
    space = ParameterSpace((pa, pb), (Constraint.parse(text),))
    compare: Callable[[int, int], bool] = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "!=": operator.ne,
    }[op]
    brute = [
        {"a": x, "b": y}
        for x, y in itertools.product(
            range(a[0], a[0] + a[1] + 1, a[2]), range(b[0], b[0] + b[1] + 1, b[2])
        )
        if compare(coef * x, y + offset)
    ]
    assert space.grid() == brute
    if brute:
        sample = space.sample(n, seed)
        assert len(sample) == min(n, len(brute))
        assert all(p in brute for p in sample)
        assert len({(p["a"], p["b"]) for p in sample}) == len(sample)
