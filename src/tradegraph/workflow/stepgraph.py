"""The step-mode form: a LangGraph ``StateGraph`` driving the step engine, bar by bar.

The graph's nodes are the workflow's decision points: consecutive ungated rule nodes are
fused into one ``rules_<i>`` node (LangGraph's per-node overhead is far larger than a
rule node's work; ``fuse=False`` gives one graph node per workflow node), while every
gated node, LLM analyst and human approval is a node of its own. A gated node is
reached through a conditional edge that routes to it when its gate is open and to a
``skip__<id>`` node otherwise, so an analyst runs only when its pre-filter fires.
The typed state (:class:`StepState`) carries the bar, the gates, the trace of what ran,
the approvals and the decision; with a checkpointer (:func:`sqlite_checkpointer`) it is
saved per step, and a human approval pauses the graph (``interrupt``) until
:meth:`StepGraph.resume` answers. Price history and node outputs live in the
:class:`~tradegraph.workflow.step.StepEngine`, rebuilt from the feed after a restart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from tradegraph.ai.cache import CachedLLM
from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import Direction
from tradegraph.workflow.graph import ResolvedGraph
from tradegraph.workflow.runtime import DEFAULT_SYMBOL
from tradegraph.workflow.step import Approver, BarInput, StepEngine, bar_row
from tradegraph.workflow.values import Bars, Decision

ApprovalMode = Literal["policy", "interrupt"]


class _StepFn(Protocol):
    """A graph node function (LangGraph calls it with the state)."""

    def __call__(self, state: StepState) -> dict[str, Any]: ...


class DecisionPayload(TypedDict):
    """A decision as plain data (what the state and the checkpoints hold)."""

    bar: int
    time_ns: int
    direction: str
    exit: bool
    entry: float | None
    stop: float | None
    target: float | None
    confidence: float
    reasoning: str


class StepState(TypedDict):
    """The typed state of one step."""

    bar: int
    time_ns: int
    gates: dict[str, bool]
    trace: list[str]
    approvals: dict[str, bool]
    decision: DecisionPayload | None


def payload(decision: Decision) -> DecisionPayload:
    return DecisionPayload(
        bar=decision.bar,
        time_ns=decision.time_ns,
        direction=decision.direction.value,
        exit=decision.exit,
        entry=decision.entry,
        stop=decision.stop,
        target=decision.target,
        confidence=decision.confidence,
        reasoning=decision.reasoning,
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """A node of the LangGraph graph and the workflow nodes it evaluates."""

    name: str
    kind: Literal["rules", "gated", "llm", "approval"]
    nodes: tuple[str, ...]

    @property
    def skip_name(self) -> str:
        return f"skip__{self.nodes[0]}"


def segments(graph: ResolvedGraph, *, fuse: bool = True) -> list[Segment]:
    """The graph nodes of the step graph, in topological order."""
    out: list[Segment] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(Segment(f"rules_{len(out)}", "rules", tuple(run)))
            run.clear()

    for node in graph.nodes:
        kind = node.type.kind
        if kind == "rule" and not node.gated:
            run.append(node.id)
            if not fuse:
                flush()
            continue
        flush()
        seg_kind: Literal["gated", "llm", "approval"] = "gated" if kind == "rule" else kind
        out.append(Segment(f"node__{node.id}", seg_kind, (node.id,)))
    flush()
    return out


def sqlite_checkpointer(path: Path | str) -> SqliteSaver:
    """LangGraph's SQLite saver on a file (``":memory:"`` for a throwaway one)."""
    conn = sqlite3.connect(str(path), check_same_thread=False)
    return SqliteSaver(conn)


class StepGraph:
    """A compiled step graph with its engine (see the module docstring)."""

    def __init__(
        self,
        graph: ResolvedGraph,
        *,
        llm: CachedLLM | None = None,
        symbol: str = DEFAULT_SYMBOL,
        approver: Approver | None = None,
        approval: ApprovalMode = "policy",
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        thread_id: str = "default",
        fuse: bool = True,
    ) -> None:
        if approval == "interrupt" and checkpointer is None:
            raise ValidationError(
                "Human approval by interrupt needs a checkpointer to pause and resume.",
                hint="Pass checkpointer=sqlite_checkpointer(path), or approval='policy'.",
            )
        self.graph = graph
        self.approval = approval
        self.engine = StepEngine(graph, llm=llm, symbol=symbol, approver=approver)
        self.segments = segments(graph, fuse=fuse)
        self.config: Any = {"configurable": {"thread_id": thread_id}}
        self.pending: dict[str, Any] | None = None
        self.compiled = self._build().compile(checkpointer=checkpointer)

    # -- construction ------------------------------------------------------------------
    def _next_gates(self, index: int, state: StepState) -> dict[str, bool]:
        gates = dict(state["gates"])
        if index + 1 < len(self.segments):
            following = self.segments[index + 1]
            if following.kind != "rules" and self.graph.node(following.nodes[0]).gated:
                gates[following.nodes[0]] = self.engine.gate_open(following.nodes[0])
        return gates

    def _runner(self, index: int) -> _StepFn:
        seg = self.segments[index]
        engine = self.engine

        def run(state: StepState) -> dict[str, Any]:
            approvals = dict(state["approvals"])
            if seg.kind == "approval":
                node_id = seg.nodes[0]
                proposal = engine.proposal(node_id)
                if proposal.direction is not Direction.FLAT:
                    if self.approval == "interrupt":
                        answer = bool(interrupt({"node": node_id, "proposal": payload(proposal)}))
                    elif engine.approver is not None:
                        answer = engine.approver(proposal)
                    else:
                        answer = engine.policy_approves(node_id)
                    engine.answer(node_id, answer)
                    approvals[node_id] = answer
            engine.evaluate(seg.nodes)
            update: dict[str, Any] = {
                "trace": [*state["trace"], *seg.nodes],
                "gates": self._next_gates(index, state),
                "approvals": approvals,
            }
            return self._with_decision(index, update)

        return run

    def _skipper(self, index: int) -> _StepFn:
        seg = self.segments[index]

        def skip(state: StepState) -> dict[str, Any]:
            self.engine.skip(seg.nodes[0])
            return self._with_decision(index, {"gates": self._next_gates(index, state)})

        return skip

    def _with_decision(self, index: int, update: dict[str, Any]) -> dict[str, Any]:
        """The last graph node of a step also writes the decision into the state."""
        if index == len(self.segments) - 1:
            update["decision"] = payload(self.engine.decision())
        return update

    def _build(self) -> StateGraph[StepState, Any, StepState, StepState]:
        builder: StateGraph[StepState, Any, StepState, StepState] = StateGraph(StepState)
        previous: list[str] = [START]
        for index, seg in enumerate(self.segments):
            builder.add_node(seg.name, self._runner(index))
            gated = seg.kind != "rules" and self.graph.node(seg.nodes[0]).gated
            if gated:
                builder.add_node(seg.skip_name, self._skipper(index))
                router = _router(seg)
                for source in previous:
                    builder.add_conditional_edges(source, router, [seg.name, seg.skip_name])
                previous = [seg.name, seg.skip_name]
            else:
                for source in previous:
                    builder.add_edge(source, seg.name)
                previous = [seg.name]
        for source in previous:
            builder.add_edge(source, END)
        return builder

    # -- running -----------------------------------------------------------------------
    def step(self, bar: BarInput) -> Decision | None:
        """Feed one closed bar; its decision, or None while a human approval is pending."""
        if self.pending is not None:
            raise ValidationError(
                f"A human approval is pending at bar {self.engine.bar}.",
                hint="Call resume(approved=...) before feeding the next bar.",
            )
        t = self.engine.append_bar(bar)
        state = StepState(
            bar=t, time_ns=bar.time_ns, gates={}, trace=[], approvals={}, decision=None
        )
        return self._finish(self.compiled.invoke(state, self.config))

    def resume(self, approved: bool) -> Decision:
        """Answer the pending human approval and finish the step."""
        if self.pending is None:
            raise ValidationError("No human approval is pending.", hint="Call step() first.")
        self.pending = None
        decision = self._finish(self.compiled.invoke(Command(resume=approved), self.config))
        assert decision is not None
        return decision

    def _finish(self, result: dict[str, Any]) -> Decision | None:
        interrupts = result.get("__interrupt__")
        if interrupts:
            self.pending = dict(interrupts[0].value)
            return None
        return self.engine.decision()

    def last_state(self) -> dict[str, Any]:
        """The latest saved state (needs a checkpointer)."""
        return dict(self.compiled.get_state(self.config).values)

    def replay(self, bars: Bars) -> list[Decision]:
        """Feed ``bars`` one by one (approvals must not pause: approval='policy')."""
        out = []
        for t in range(len(bars)):
            decision = self.step(bar_row(bars, t))
            if decision is None:
                raise ValidationError(
                    f"Replay paused for a human approval at bar {t}.",
                    hint="Replay with approval='policy' or an approver function.",
                )
            out.append(decision)
        return out

    def mermaid(self) -> str:
        """The step graph as a Mermaid diagram."""
        return str(self.compiled.get_graph().draw_mermaid())


def _router(seg: Segment) -> Callable[[StepState], str]:
    def route(state: StepState) -> str:
        return seg.name if state["gates"].get(seg.nodes[0], False) else seg.skip_name

    return route


def compile_graph(
    graph: ResolvedGraph,
    *,
    llm: CachedLLM | None = None,
    symbol: str = DEFAULT_SYMBOL,
    approver: Approver | None = None,
    approval: ApprovalMode = "policy",
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    thread_id: str = "default",
    fuse: bool = True,
) -> StepGraph:
    """The LangGraph step graph of a resolved workflow."""
    return StepGraph(
        graph,
        llm=llm,
        symbol=symbol,
        approver=approver,
        approval=approval,
        checkpointer=checkpointer,
        thread_id=thread_id,
        fuse=fuse,
    )


__all__ = [
    "ApprovalMode",
    "DecisionPayload",
    "Segment",
    "StepGraph",
    "StepState",
    "compile_graph",
    "payload",
    "segments",
    "sqlite_checkpointer",
]
