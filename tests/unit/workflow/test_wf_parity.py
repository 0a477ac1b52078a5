"""Two compiled forms, one semantics: step mode replayed bar by bar gives exactly the
batch plan's decisions, for every template and for random valid workflows."""

from __future__ import annotations

import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradegraph.workflow.batch import BatchPlan
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.step import StepEngine
from tradegraph.workflow.stepgraph import compile_graph
from tradegraph.workflow.templates import load_template, template_names
from tradegraph.workflow.validation import analyze, resolve


@pytest.mark.parametrize("name", template_names())
def test_templates_step_equals_batch(name: str, wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template(name))
    bars = wf.bars(600, seed=11)
    expected = BatchPlan(graph).run(bars).decision_list()
    assert StepEngine(graph).replay(bars) == expected
    assert any(d.acts for d in expected) or name == "supertrend_macd_rsi_mtf"


@pytest.mark.parametrize("name", template_names())
def test_templates_langgraph_equals_batch(name: str, wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template(name))
    bars = wf.bars(150, seed=11)
    expected = BatchPlan(graph).run(bars).decision_list()
    assert compile_graph(graph).replay(bars) == expected


@pytest.mark.parametrize("name", ["sma_cross", "ema_rsi_mtf", "ai_analyst_team"])
def test_templates_unfused_graph_equals_batch(name: str, wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template(name))
    bars = wf.bars(100, seed=4)
    expected = BatchPlan(graph).run(bars).decision_list()
    assert compile_graph(graph, fuse=False).replay(bars) == expected


@pytest.mark.parametrize("name", template_names())
def test_batch_plan_never_looks_ahead(name: str, wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template(name))
    full = wf.frame(800, seed=2)
    cut = 500
    whole = BatchPlan(graph).run(full).decision_list()[:cut]
    prefix = BatchPlan(graph).run(full.iloc[:cut]).decision_list()
    assert prefix == whole


# -- random valid workflows ------------------------------------------------------------

_CLOSE_ONLY = {
    "sma": lambda d: {"period": d(st.integers(2, 30))},
    "ema": lambda d: {"period": d(st.integers(2, 30))},
    "wma": lambda d: {"period": d(st.integers(2, 30))},
    "rsi": lambda d: {"period": d(st.integers(2, 20))},
    "macd": lambda d: {
        "fast": d(st.integers(2, 8)),
        "slow": d(st.integers(9, 20)),
        "signal": d(st.integers(2, 9)),
    },
    "bollinger": lambda d: {
        "period": d(st.integers(3, 20)),
        "nbdev": d(st.sampled_from([1.0, 2.0])),
    },
}
_BARS_BASED = {
    "atr": lambda d: {"period": d(st.integers(2, 20))},
    "supertrend": lambda d: {
        "period": d(st.integers(3, 15)),
        "multiplier": d(st.sampled_from([1.5, 3.0])),
    },
    "cci": lambda d: {"period": d(st.integers(3, 20))},
    "adx": lambda d: {"period": d(st.integers(3, 14))},
    "donchian": lambda d: {"period": d(st.integers(3, 20))},
    "stoch_fast": lambda d: {},
    "obv": lambda d: {},
    "engulfing": lambda d: {},
    "range_breakout": lambda d: {"lookback": d(st.integers(3, 20))},
}
_OUTPUTS = {
    "macd": ("line", "signal", "hist"), "bollinger": ("upper", "middle", "lower"),
    "supertrend": ("line", "direction"), "adx": ("adx", "plus_di", "minus_di"),
    "donchian": ("upper", "middle", "lower"), "stoch_fast": ("k", "d"),
    "engulfing": ("direction", "signal"), "range_breakout": ("direction", "confidence"),
}  # fmt: skip


@st.composite
def random_workflows(draw: st.DrawFn) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "price", "type": "feed"}]
    edges: list[dict[str, Any]] = []
    series = ["price.close", "price.open", "price.high", "price.low"]
    signals: list[str] = []

    def add(type_: str, params: dict[str, Any]) -> str:
        node_id = f"n{len(nodes)}"
        nodes.append({"id": node_id, "type": type_, "params": params})
        return node_id

    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            kind = draw(st.sampled_from(sorted(_CLOSE_ONLY)))
            node_id = add(kind, _CLOSE_ONLY[kind](draw))
            edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.series"})
        else:
            kind = draw(st.sampled_from(sorted(_BARS_BASED)))
            node_id = add(kind, _BARS_BASED[kind](draw))
            edges.append({"source": "price.bars", "target": f"{node_id}.bars"})
        series.extend(f"{node_id}.{o}" for o in _OUTPUTS.get(kind, ("value",)))
    if draw(st.booleans()):
        htf = add("resample", {"timeframe": draw(st.sampled_from(["2h", "4h"]))})
        edges.append({"source": "price.bars", "target": f"{htf}.bars"})
        ind = add(
            draw(st.sampled_from(["ema", "rsi", "sma"])), {"period": draw(st.integers(2, 10))}
        )
        edges.append({"source": f"{htf}.close", "target": f"{ind}.series"})
        aligned = add("align", {})
        edges.append({"source": f"{ind}.value", "target": f"{aligned}.series"})
        series.append(f"{aligned}.series")
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["rolling", "math", "scale", "shift"]))
        params: dict[str, Any] = {
            "rolling": {
                "op": draw(st.sampled_from(["mean", "max", "std", "change"])),
                "window": draw(st.integers(1, 8)),
            },
            "math": {"op": draw(st.sampled_from(["sub", "div", "max"]))},
            "scale": {
                "mode": draw(st.sampled_from(["linear", "tanh", "sign"])),
                "scale": 10.0,
                "center": 50.0,
            },
            "shift": {"bars": draw(st.integers(1, 3))},
        }[kind]
        node_id = add(kind, params)
        first = "a" if kind == "math" else "series"
        edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.{first}"})
        if kind == "math":
            edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.b"})
        series.append(f"{node_id}.series")
    for _ in range(draw(st.integers(2, 4))):
        kind = draw(st.sampled_from(["compare", "cross_over", "cross_under"]))
        node_id = add(kind, {"op": draw(st.sampled_from([">", "<"]))} if kind == "compare" else {})
        edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.a"})
        edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.b"})
        signals.append(f"{node_id}.signal")
    if draw(st.booleans()):
        node_id = add(draw(st.sampled_from(["and", "or"])), {})
        picked = draw(st.lists(st.sampled_from(signals), min_size=2, max_size=3))
        edges.extend({"source": ref, "target": f"{node_id}.inputs"} for ref in picked)
        signals.append(f"{node_id}.signal")
    if draw(st.booleans()):
        node_id = add("not", {})
        edges.append({"source": draw(st.sampled_from(signals)), "target": f"{node_id}.signal"})
        signals.append(f"{node_id}.signal")
    if draw(st.booleans()):  # a gated rule node
        node_id = add("compare", {"op": ">"})
        edges.append(
            {
                "source": draw(st.sampled_from(series)),
                "target": f"{node_id}.a",
                "condition": draw(st.sampled_from(signals)),
            }
        )
        edges.append({"source": draw(st.sampled_from(series)), "target": f"{node_id}.b"})
        signals.append(f"{node_id}.signal")
    llm = draw(st.integers(0, 3)) == 0
    if llm:  # a gated analyst
        node_id = add("llm_analyst", {"lookback": draw(st.integers(2, 15)), "min_confidence": 0.1})
        edges.append(
            {
                "source": "price.bars",
                "target": f"{node_id}.bars",
                "condition": draw(st.sampled_from(signals)),
            }
        )
        feature = add("scale", {"mode": "tanh", "scale": 50.0, "center": 50.0})
        edges.append({"source": draw(st.sampled_from(series)), "target": f"{feature}.series"})
        edges.append({"source": f"{feature}.series", "target": f"{node_id}.features"})
        signals.extend([f"{node_id}.long", f"{node_id}.short"])
    stop = draw(st.sampled_from(["none", "atr", "percent"]))
    target = draw(st.sampled_from(["none", "atr", "percent"] + (["rr"] if stop != "none" else [])))
    decide = {"id": "decide", "type": "decision", "params": {"stop": stop, "target": target}}
    nodes.append(decide)
    edges.append({"source": "price.bars", "target": "decide.bars"})
    edges.append({"source": draw(st.sampled_from(signals)), "target": "decide.long"})
    if draw(st.booleans()):
        edges.append({"source": draw(st.sampled_from(signals)), "target": "decide.short"})
    if draw(st.booleans()):
        edges.append({"source": draw(st.sampled_from(signals)), "target": "decide.exit"})
    output = "decide.decision"
    if draw(st.integers(0, 4)) == 0:
        policy = draw(st.sampled_from(["approve", "reject"]))
        nodes.append(
            {"id": "approve", "type": "human_approval", "params": {"batch_policy": policy}}
        )
        edges.append({"source": "decide.decision", "target": "approve.decision"})
        output = "approve.decision"
    return {
        "metadata": {"id": "random", "name": "random workflow"},
        "inputs": [{"name": "main", "timeframe": "1h"}],
        "nodes": nodes,
        "edges": edges,
        "outputs": [{"name": "decision", "source": output}],
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=random_workflows(), seed=st.integers(0, 50), bars=st.integers(60, 260))
def test_random_workflows_step_equals_batch(
    document: dict[str, Any], seed: int, bars: int, wf: types.SimpleNamespace
) -> None:
    analysis = analyze(WorkflowSpec.model_validate(document))
    assert analysis.report.ok, analysis.report.render()
    graph = analysis.graph
    assert graph is not None
    data = wf.bars(bars, seed=seed)
    expected = BatchPlan(graph).run(data).decision_list()
    assert StepEngine(graph).replay(data) == expected


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=random_workflows(), seed=st.integers(0, 50))
def test_random_workflows_langgraph_equals_batch(
    document: dict[str, Any], seed: int, wf: types.SimpleNamespace
) -> None:
    graph = resolve(WorkflowSpec.model_validate(document))
    data = wf.bars(80, seed=seed)
    expected = BatchPlan(graph).run(data).decision_list()
    assert compile_graph(graph).replay(data) == expected
