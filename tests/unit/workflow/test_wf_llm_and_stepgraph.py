"""LLM analysts at decision points, the response cache, and the LangGraph step graph
(conditional skips, human approval by interrupt, SQLite checkpoints)."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from tradegraph.ai.cache import CachedLLM, FileResponseCache, InMemoryResponseCache
from tradegraph.ai.ports import CompletionRequest, SchemaT
from tradegraph.ai.prompts import extract_context
from tradegraph.ai.rule_based import RuleBasedProvider
from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction
from tradegraph.workflow.batch import BatchPlan
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.step import bar_row
from tradegraph.workflow.stepgraph import compile_graph, segments, sqlite_checkpointer
from tradegraph.workflow.templates import load_template
from tradegraph.workflow.validation import resolve


class _Recording:
    """A provider that records the context of every call and answers like the rules."""

    def __init__(self) -> None:
        self.inner = RuleBasedProvider()
        self.times: list[str] = []
        self.last_bar_times: list[str] = []

    @property
    def name(self) -> str:
        return "recording"

    def complete(self, request: CompletionRequest, schema: type[SchemaT]) -> SchemaT:
        context = extract_context(request)
        self.times.append(context.time)
        self.last_bar_times.append(context.bars[-1].time)
        return self.inner.complete(request, schema)


def test_analysts_run_only_at_gated_bars_and_see_point_in_time_data(
    wf: types.SimpleNamespace,
) -> None:
    graph = resolve(load_template("ai_analyst_team"))
    bars = wf.bars(900, seed=5)
    provider = _Recording()
    result = BatchPlan(graph).run(bars, llm=CachedLLM(provider))
    setup = result.values["setup"]["signal"]
    approved = result.values["analyst"]["approve"]
    assert setup.sum() > 5
    assert result.llm_calls == int(setup.sum()) + int(approved.sum())
    assert len(provider.times) == result.llm_calls
    # every call's context ends at its decision bar: nothing later was shown
    assert provider.times == provider.last_bar_times
    from_times = {str(np.datetime64(int(t), "ns")) + "Z" for t in bars.time_ns[setup]}
    assert set(provider.times) >= from_times
    ran = ~np.isnan(result.values["analyst"]["signal"])
    np.testing.assert_array_equal(ran, setup)


def test_rerun_is_free_and_identical(wf: types.SimpleNamespace, tmp_path: Path) -> None:
    graph = resolve(load_template("ai_analyst_team"))
    bars = wf.bars(600, seed=8)
    path = tmp_path / "answers.jsonl"
    first = BatchPlan(graph).run(bars, llm=CachedLLM(RuleBasedProvider(), FileResponseCache(path)))
    assert first.llm_calls > 0
    assert first.llm_hits == 0

    class _Refuse:
        name = "refuse"

        def complete(self, request: CompletionRequest, schema: type[SchemaT]) -> SchemaT:
            raise AssertionError("a cached re-run must not call the model")

    again = BatchPlan(graph).run(bars, llm=CachedLLM(_Refuse(), FileResponseCache(path)))
    assert again.llm_calls == 0
    assert again.llm_hits == first.llm_calls
    assert again.decision_list() == first.decision_list()


def test_gated_nodes_are_their_own_graph_nodes(wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template("ai_analyst_team"))
    names = [(s.name, s.kind) for s in segments(graph)]
    assert ("node__analyst", "llm") in names
    assert ("node__reviewer", "llm") in names
    assert sum(kind == "rules" for _, kind in names) == 2
    step_graph = compile_graph(graph)
    mermaid = step_graph.mermaid()
    assert "skip__analyst" in mermaid
    assert "node__reviewer" in mermaid


def test_skip_path_is_taken_when_the_gate_is_closed(wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template("ai_analyst_team"))
    bars = wf.bars(160, seed=5)
    setup = BatchPlan(graph).run(bars).values["setup"]["signal"]
    assert setup.sum() >= 1
    step_graph = compile_graph(graph, checkpointer=sqlite_checkpointer(":memory:"))
    for t in range(len(bars)):
        step_graph.step(bar_row(bars, t))
        trace = step_graph.last_state()["trace"]
        assert ("analyst" in trace) == bool(setup[t])


def _approval_spec(wf: types.SimpleNamespace) -> WorkflowSpec:
    data = wf.sma_cross(3, 8).model_dump(mode="json")
    data["nodes"].append({"id": "human", "type": "human_approval", "params": {}})
    data["edges"].append({"source": "decide.decision", "target": "human.decision"})
    data["outputs"] = [{"name": "decision", "source": "human.decision"}]
    return WorkflowSpec.model_validate(data)


def test_human_approval_interrupts_and_resumes(wf: types.SimpleNamespace, tmp_path: Path) -> None:
    graph = resolve(_approval_spec(wf))
    bars = wf.bars(90, seed=3)
    proposals = BatchPlan(graph).run(bars).decisions.direction
    saver = sqlite_checkpointer(tmp_path / "checkpoints.sqlite")
    step_graph = compile_graph(graph, approval="interrupt", checkpointer=saver, thread_id="s1")
    answered = 0
    for t in range(len(bars)):
        decision = step_graph.step(bar_row(bars, t))
        if proposals[t] == 0:
            assert decision is not None
            assert decision.direction is Direction.FLAT
            continue
        assert decision is None
        assert step_graph.pending is not None
        assert step_graph.pending["node"] == "human"
        assert step_graph.pending["proposal"]["bar"] == t
        with pytest.raises(ValidationError, match="pending"):
            step_graph.step(bar_row(bars, t + 1))
        approve = answered % 2 == 0
        answered += 1
        final = step_graph.resume(approve)
        expected = Direction.LONG if proposals[t] > 0 else Direction.SHORT
        assert final.direction is (expected if approve else Direction.FLAT)
        state = step_graph.last_state()
        assert state["approvals"] == {"human": approve}
        assert state["decision"]["direction"] == final.direction.value
    assert answered > 3


def test_interrupt_needs_a_checkpointer(wf: types.SimpleNamespace) -> None:
    graph = resolve(_approval_spec(wf))
    with pytest.raises(ValidationError, match="checkpointer"):
        compile_graph(graph, approval="interrupt")


def test_approver_function_in_policy_mode(wf: types.SimpleNamespace) -> None:
    graph = resolve(_approval_spec(wf))
    bars = wf.bars(200, seed=3)
    seen: list[int] = []

    def approver(decision: object) -> bool:
        seen.append(decision.bar)  # type: ignore[attr-defined]
        return False

    decisions = compile_graph(graph, approver=approver).replay(bars)
    assert all(d.direction is Direction.FLAT for d in decisions)
    proposals = BatchPlan(graph).run(bars).decisions.direction
    assert seen == [int(t) for t in np.flatnonzero(proposals)]


def test_in_memory_cache_counts(wf: types.SimpleNamespace) -> None:
    graph = resolve(load_template("ai_analyst_team"))
    bars = wf.bars(400, seed=9)
    llm = CachedLLM(RuleBasedProvider(), InMemoryResponseCache())
    first = BatchPlan(graph).run(bars, llm=llm)
    second = BatchPlan(graph).run(bars, llm=llm)
    assert (first.llm_calls, second.llm_calls) == (llm.calls, 0)
    assert second.llm_hits == first.llm_calls
