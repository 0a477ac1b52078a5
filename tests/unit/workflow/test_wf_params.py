"""Parameters: layered merging, validation, constraints, optimisation space, binding."""

from __future__ import annotations

import types

import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.workflow.params import (
    Constraint,
    bind_inputs,
    grid,
    merge_parameters,
    optimisation_space,
    parse_override,
)
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.templates import load_template
from tradegraph.workflow.validation import analyze, resolve


def _spec() -> WorkflowSpec:
    return load_template("sma_cross")


def test_layers_merge_in_order() -> None:
    spec = _spec()
    values, issues = merge_parameters(spec)
    assert (values, issues) == ({"fast": 10, "slow": 20}, [])
    values, issues = merge_parameters(spec, {"fast": 15, "slow": 40}, {"fast": 25})
    assert issues == []
    assert values == {"fast": 25, "slow": 40}
    graph = resolve(spec, strategy={"slow": 40}, overrides={"fast": 25})
    assert graph.node("fast_ma").params["period"] == 25
    assert graph.node("slow_ma").params["period"] == 40


def test_override_problems_are_reported() -> None:
    spec = _spec()
    _, issues = merge_parameters(spec, None, {"fsat": 3})
    [issue] = issues
    assert issue.code == "unknown_parameter"
    assert "Did you mean 'fast'?" in issue.hint
    _, [issue] = merge_parameters(spec, None, {"fast": 500})
    assert issue.code == "parameter_out_of_bounds"
    assert "[5, 50]" in issue.message
    _, [issue] = merge_parameters(spec, None, {"fast": 12.5})
    assert issue.code == "parameter_invalid"
    _, [issue] = merge_parameters(spec, {"fast": 30}, None)
    assert issue.code == "constraint_violated"
    assert "fast=30, slow=20" in issue.message
    codes = analyze(spec, overrides={"fast": 30}).report.codes()
    assert codes == ("constraint_violated",)


def test_whole_floats_become_ints() -> None:
    values, issues = merge_parameters(_spec(), None, {"fast": 15.0})
    assert issues == []
    assert values["fast"] == 15
    assert isinstance(values["fast"], int)


def test_space_and_grid_follow_bounds_steps_and_constraints() -> None:
    spec = _spec()
    fast, slow = optimisation_space(spec)
    assert fast.values() == (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
    assert slow.values() == tuple(range(10, 210, 10))
    combos = grid(spec)
    expected = [(f, s) for f in range(5, 55, 5) for s in range(10, 210, 10) if f < s]
    assert sorted((c["fast"], c["slow"]) for c in combos) == sorted(expected)
    with pytest.raises(ValidationError, match="no parameter 'nope'"):
        optimisation_space(spec, ["nope"])


def test_float_and_choice_ranges() -> None:
    spec = load_template("ema_rsi_mtf")
    by_name = {r.name: r for r in optimisation_space(spec)}
    assert by_name["htf"].values() == ("2h", "4h", "6h", "8h", "12h", "1d")
    assert by_name["stop_atr"].values() == (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
    for combo in grid(spec, ["oversold", "overbought"]):
        assert combo["oversold"] < combo["overbought"]


def test_constraint_parsing() -> None:
    c = Constraint.parse("fast < slow")
    assert (c.left, c.op, c.right) == ("fast", "<", "slow")
    assert c.holds({"fast": 1, "slow": 2})
    assert not c.holds({"fast": 2, "slow": 2})
    assert Constraint.parse("x >= -0.5").holds({"x": -0.5})
    with pytest.raises(ValidationError, match="form"):
        Constraint.parse("fast slow")


def test_parse_override_reads_yaml_scalars() -> None:
    assert parse_override("fast=10") == ("fast", 10)
    assert parse_override("x=0.25") == ("x", 0.25)
    assert parse_override("flag=true") == ("flag", True)
    assert parse_override("htf=4h") == ("htf", "4h")
    with pytest.raises(ValidationError):
        parse_override("novalue")


def test_bad_declarations(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["parameters"] = [
        {"name": "p", "type": "int", "default": 5, "minimum": 10, "maximum": 1},
        {"name": "q", "type": "str", "default": "a", "choices": ["b", "c"]},
        {"name": "p", "type": "float", "default": 1.0, "step": -1},
    ]
    data["constraints"] = ["p < zz"]
    codes = analyze(WorkflowSpec.model_validate(data)).report.codes()
    assert codes.count("parameter_invalid") >= 3
    assert "duplicate_parameter" in codes
    assert "constraint_invalid" in codes


def test_bind_inputs_fills_symbol_and_timeframe() -> None:
    spec = bind_inputs(_spec(), symbol="BTC/USDT", timeframe="1d")
    assert spec.inputs[0].symbol == "BTC/USDT"
    assert spec.inputs[0].timeframe == "1d"
    assert resolve(spec).base_timeframe.code == "1d"
