"""Validation: every kind of problem is found, names the node/port and suggests a fix."""

from __future__ import annotations

import types

import pytest

from tradegraph.core.errors import ValidationError
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.validation import analyze, resolve


def _edit(spec: WorkflowSpec, **changes: object) -> WorkflowSpec:
    return WorkflowSpec.model_validate({**spec.model_dump(mode="json"), **changes})


def _issues(spec: WorkflowSpec, code: str) -> list:
    return [i for i in analyze(spec).report.issues if i.code == code]


def test_valid_workflow_resolves_in_topological_order(wf: types.SimpleNamespace) -> None:
    analysis = analyze(wf.sma_cross())
    assert analysis.report.ok
    assert analysis.report.issues == ()
    graph = analysis.graph
    assert graph is not None
    order = graph.order
    for node in graph.nodes:
        for dep in node.dependencies():
            assert order.index(dep) < order.index(node.id)
    assert str(graph.decision) == "decide.decision"


def test_unknown_node_type_suggests_closest(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"][1]["type"] = "smaa"
    [issue] = _issues(WorkflowSpec.model_validate(data), "unknown_node_type")
    assert issue.node == "fast"
    assert "'smaa'" in issue.message
    assert "Did you mean 'sma'?" in issue.hint


def test_unknown_and_missing_params(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"][1]["params"] = {"periode": 5}
    spec = WorkflowSpec.model_validate(data)
    [unknown] = _issues(spec, "unknown_param")
    assert (unknown.node, unknown.param) == ("fast", "periode")
    assert "Did you mean 'period'?" in unknown.hint
    [missing] = _issues(spec, "missing_param")
    assert (missing.node, missing.param) == ("fast", "period")
    assert "period:" in missing.hint


def test_out_of_bounds_literal_and_via_reference(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"][1]["params"] = {"period": 0}
    [issue] = _issues(WorkflowSpec.model_validate(data), "param_out_of_bounds")
    assert (issue.node, issue.param) == ("fast", "period")
    assert "[1, inf)" in issue.message

    data["nodes"][1]["params"] = {"period": "$fast"}
    data["parameters"] = [{"name": "fast", "type": "int", "default": -3}]
    spec = WorkflowSpec.model_validate(data)
    [issue] = _issues(spec, "param_out_of_bounds")
    assert "from workflow parameter 'fast'" in issue.message
    assert "workflow parameter 'fast'" in issue.hint


def test_unknown_parameter_reference(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["parameters"] = [{"name": "fast", "type": "int", "default": 5}]
    data["nodes"][1]["params"] = {"period": "$fsat"}
    [issue] = _issues(WorkflowSpec.model_validate(data), "unknown_parameter_ref")
    assert issue.node == "fast"
    assert "Did you mean 'fast'?" in issue.hint


def test_cross_param_rule_of_indicator(wf: types.SimpleNamespace) -> None:
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("m", "macd", fast=30, slow=10),
            wf.node("decide", "decision"),
            wf.node("c", "compare"),
        ],
        [
            wf.edge("price.close", "m.series"),
            wf.edge("m.hist", "c.a"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("c.signal", "decide.long"),
        ],
    )
    [issue] = _issues(spec, "invalid_params")
    assert issue.node == "m"
    assert "fast < slow" in issue.message


def test_port_type_mismatch_names_both_ends_and_converter(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["edges"][7] = {"source": "fast.value", "target": "decide.long"}
    [issue] = _issues(WorkflowSpec.model_validate(data), "port_type_mismatch")
    assert (issue.node, issue.port) == ("decide", "long")
    assert "fast.value is series" in issue.message
    assert "expects signal" in issue.message
    assert "compare" in issue.hint


def test_unconnected_required_port_lists_candidates(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["edges"] = [e for e in data["edges"] if e["target"] != "up.a"]
    [issue] = _issues(WorkflowSpec.model_validate(data), "unconnected_port")
    assert (issue.node, issue.port) == ("up", "a")
    assert "input port 'a' (series) is not connected" in issue.message
    assert "fast.value" in issue.hint


def test_decision_needs_an_entry(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["edges"] = [e for e in data["edges"] if not e["target"].startswith("decide.l")]
    data["edges"] = [e for e in data["edges"] if not e["target"].startswith("decide.s")]
    codes = analyze(WorkflowSpec.model_validate(data)).report.codes()
    assert "unconnected_port" in codes


def test_unknown_port_and_wrong_direction(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["edges"][2] = {"source": "fast.valu", "target": "up.a"}
    data["edges"][3] = {"source": "slow.series", "target": "up.b"}
    issues = _issues(WorkflowSpec.model_validate(data), "unknown_port")
    messages = " | ".join(i.message for i in issues)
    assert "has no output port 'valu'" in messages
    assert "slow.series is an input port" in messages
    assert any("Did you mean 'value'?" in i.hint for i in issues)


def test_duplicate_edge_into_single_port(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["edges"].append({"source": "slow.value", "target": "up.a"})
    [issue] = _issues(WorkflowSpec.model_validate(data), "duplicate_input")
    assert (issue.node, issue.port) == ("up", "a")


def test_cycle_is_reported_with_its_path(wf: types.SimpleNamespace) -> None:
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("a", "math", op="add"),
            wf.node("b", "math", op="add"),
            wf.node("c", "compare"),
            wf.node("decide", "decision"),
        ],
        [
            wf.edge("price.close", "a.a"),
            wf.edge("b.series", "a.b"),
            wf.edge("a.series", "b.a"),
            wf.edge("a.series", "c.a"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("c.signal", "decide.long"),
        ],
    )
    [issue] = _issues(spec, "cycle")
    assert "a → b → a" in issue.message or "b → a → b" in issue.message
    assert analyze(spec).graph is None


def test_missing_and_multiple_decision_outputs(wf: types.SimpleNamespace) -> None:
    base = wf.sma_cross()
    none = _edit(base, outputs=[{"name": "fast", "source": "fast.value"}])
    [missing] = _issues(none, "missing_decision_output")
    assert "decide.decision" in missing.hint

    data = base.model_dump(mode="json")
    data["nodes"].append({"id": "decide2", "type": "decision", "params": {}})
    data["edges"] += [
        {"source": "price.bars", "target": "decide2.bars"},
        {"source": "down.signal", "target": "decide2.long"},
    ]
    data["outputs"].append({"name": "other", "source": "decide2.decision"})
    [multiple] = _issues(WorkflowSpec.model_validate(data), "multiple_decision_outputs")
    assert "decide.decision" in multiple.message
    assert "decide2.decision" in multiple.message


def test_timeframe_mismatch_suggests_align(wf: types.SimpleNamespace) -> None:
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("h4", "resample", timeframe="4h"),
            wf.node("ema4", "ema", period=10),
            wf.node("up", "cross_over"),
            wf.node("decide", "decision"),
        ],
        [
            wf.edge("price.bars", "h4.bars"),
            wf.edge("h4.close", "ema4.series"),
            wf.edge("price.close", "up.a"),
            wf.edge("ema4.value", "up.b"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("up.signal", "decide.long"),
        ],
    )
    [issue] = _issues(spec, "timeframe_mismatch")
    assert issue.node == "up"
    assert "4h" in issue.message
    assert "1h" in issue.message
    assert "align" in issue.hint


def test_resample_to_a_shorter_timeframe_is_rejected(wf: types.SimpleNamespace) -> None:
    spec = wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("m", "resample", timeframe="15m"),
            wf.node("c", "compare"),
            wf.node("al", "align"),
            wf.node("decide", "decision"),
        ],
        [
            wf.edge("price.bars", "m.bars"),
            wf.edge("m.close", "al.series"),
            wf.edge("al.series", "c.a"),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("c.signal", "decide.long"),
        ],
    )
    [issue] = _issues(spec, "timeframe_mismatch")
    assert issue.node == "m"
    assert "1h bars into 15m" in issue.message


def _analyst_spec(wf: types.SimpleNamespace, *, gated: bool) -> WorkflowSpec:
    return wf.spec(
        [
            wf.node("price", "feed"),
            wf.node("rsi", "rsi"),
            wf.node("setup", "threshold"),
            wf.node("ai", "llm_analyst"),
            wf.node("decide", "decision"),
        ],
        [
            wf.edge("price.close", "rsi.series"),
            wf.edge("rsi.value", "setup.series"),
            wf.edge("price.bars", "ai.bars", "setup.below" if gated else None),
            wf.edge("price.bars", "decide.bars"),
            wf.edge("ai.long", "decide.long"),
        ],
    )


def test_llm_analyst_must_be_gated(wf: types.SimpleNamespace) -> None:
    [issue] = _issues(_analyst_spec(wf, gated=False), "llm_not_gated")
    assert issue.node == "ai"
    assert "condition" in issue.hint
    assert analyze(_analyst_spec(wf, gated=True)).report.ok


def test_condition_must_be_a_signal(wf: types.SimpleNamespace) -> None:
    data = _analyst_spec(wf, gated=True).model_dump(mode="json")
    data["edges"][2]["condition"] = "rsi.value"
    [issue] = _issues(WorkflowSpec.model_validate(data), "bad_condition")
    assert issue.node == "ai"
    assert "not a signal" in issue.message


def test_structured_list_and_raised_error(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"][1]["type"] = "smaa"
    data["edges"][3] = {"source": "slow.value", "target": "up.bb"}
    spec = WorkflowSpec.model_validate(data)
    rows = analyze(spec).report.to_list()
    assert {r["code"] for r in rows} >= {"unknown_node_type", "unknown_port"}
    assert all(
        set(r) == {"code", "severity", "message", "hint", "node", "port", "param"} for r in rows
    )
    with pytest.raises(ValidationError) as caught:
        resolve(spec)
    assert "unknown_node_type" in caught.value.message
    assert "up" in caught.value.message


def test_unused_node_is_a_warning_not_an_error(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"].append({"id": "spare", "type": "rsi", "params": {}})
    data["edges"].append({"source": "price.close", "target": "spare.series"})
    report = analyze(WorkflowSpec.model_validate(data)).report
    assert report.ok
    assert [(w.code, w.node) for w in report.warnings] == [("unused_node", "spare")]


def test_duplicate_node_ids(wf: types.SimpleNamespace) -> None:
    data = wf.sma_cross().model_dump(mode="json")
    data["nodes"].append({"id": "fast", "type": "ema", "params": {"period": 3}})
    [issue] = _issues(WorkflowSpec.model_validate(data), "duplicate_node")
    assert issue.node == "fast"
