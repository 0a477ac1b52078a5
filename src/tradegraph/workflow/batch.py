"""The batch plan: a workflow evaluated once over the whole history, vectorised.

Nodes run in topological order; each rule node evaluates its numpy function over every
bar at once. A gated node's outputs are masked where its gate is closed. LLM analysts
are the one exception to "no per-bar Python": they are asked only at the bars where their
gate fires (each call sees data up to that bar only), through the response cache.

The plan's result holds every node's outputs, the decision series, typed per-bar
decisions, and the intent arrays a backtest takes (``BatchResult.intents()``).

An optional :class:`EvalCache` shares node outputs between runs on the same data (a
parameter sweep computes each distinct SMA once): an output's key is its node type,
parameters and the keys of its inputs, rooted in the identity of the data object.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradegraph.ai.cache import CachedLLM
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.graph import ResolvedGraph, ResolvedNode
from tradegraph.workflow.registry import NodeRegistry, Outputs
from tradegraph.workflow.runtime import (
    DEFAULT_SYMBOL,
    as_bars,
    default_llm,
    feed_bars,
    gate_values,
    gather,
    make_context,
    node_statics,
    point_outputs,
)
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.validation import resolve
from tradegraph.workflow.values import (
    Bars,
    BoolArray,
    Decision,
    DecisionSeries,
    FloatArray,
    IntArray,
    Value,
    mask,
)


class EvalCache:
    """Node outputs shared across runs on the same data (thread-safe, bounded FIFO)."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._values: dict[Hashable, Outputs] = {}
        self._anchors: dict[int, object] = {}
        self._lock = threading.Lock()
        self.hits = 0

    def token(self, data: object) -> int:
        """An id for ``data`` that stays unique while the cache lives (keeps it alive)."""
        with self._lock:
            self._anchors[id(data)] = data
        return id(data)

    def get(self, key: Hashable) -> Outputs | None:
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self.hits += 1
            return found

    def put(self, key: Hashable, outputs: Outputs) -> None:
        with self._lock:
            if len(self._values) >= self.max_entries:
                self._values.pop(next(iter(self._values)))
            self._values[key] = outputs

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


@dataclass(frozen=True, slots=True, eq=False)
class IntentArrays:
    """Per-bar trading intents (the backtest engine's ``Intents`` fields); a price
    array is None when the workflow never sets it."""

    entry_long: BoolArray
    entry_short: BoolArray
    exit: BoolArray
    stop_loss: FloatArray | None
    take_profit: FloatArray | None
    confidence: FloatArray

    def as_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``tradegraph.backtest.Intents`` (unset ones left out)."""
        out: dict[str, object] = {"entry_long": self.entry_long, "entry_short": self.entry_short}
        if self.exit.any():
            out["exit"] = self.exit
        if self.stop_loss is not None:
            out["stop_loss"] = self.stop_loss
        if self.take_profit is not None:
            out["take_profit"] = self.take_profit
        return out


@dataclass(frozen=True, slots=True, eq=False)
class BatchResult:
    """Every node's outputs over the history, and the decisions."""

    graph: ResolvedGraph
    bars: Bars
    values: Mapping[str, Outputs]
    decisions: DecisionSeries
    llm_calls: int
    llm_hits: int

    def decision(self, bar: int) -> Decision:
        """The typed decision of bar ``bar``."""
        return self.decisions.at(bar, int(self.bars.time_ns[bar]))

    def decision_list(self) -> list[Decision]:
        return [self.decision(t) for t in range(len(self.bars))]

    def output(self, name: str) -> Value:
        """A named workflow output."""
        ref = self.graph.outputs[name]
        return self.values[ref.node][ref.port]

    def intents(self) -> IntentArrays:
        d = self.decisions
        return IntentArrays(
            entry_long=d.direction > 0,
            entry_short=d.direction < 0,
            exit=d.exit,
            stop_loss=d.stop if _any_price(d.stop) else None,
            take_profit=d.target if _any_price(d.target) else None,
            confidence=d.confidence,
        )


def _any_price(values: FloatArray) -> bool:
    if values.strides == (0,):  # a broadcast constant (the decision's "no price")
        return bool(len(values)) and bool(np.isfinite(values[0]))
    return bool(np.isfinite(values).any())


class BatchPlan:
    """A resolved workflow compiled for whole-history evaluation."""

    def __init__(self, graph: ResolvedGraph) -> None:
        self.graph = graph
        self._statics = node_statics(graph)

    @property
    def warmup_bars(self) -> int:
        return self.graph.warmup_bars()

    def run(
        self,
        data: Bars | pd.DataFrame,
        *,
        llm: CachedLLM | None = None,
        symbol: str = DEFAULT_SYMBOL,
        cache: EvalCache | None = None,
    ) -> BatchResult:
        """Evaluate the workflow over ``data`` (the base timeframe's bars)."""
        graph = self.graph
        base = as_bars(data, graph.base_timeframe)
        port = llm if llm is not None else default_llm()
        calls, hits = port.calls, port.hits
        feeds = feed_bars(graph, base)
        timelines: dict[Timeframe, IntArray] = {graph.base_timeframe: base.time_ns}
        values: dict[str, Outputs] = {}
        keys: dict[str, Hashable] = {}
        root = cache.token(data) if cache is not None else 0
        for node in graph.nodes:
            inputs = gather(values, node)
            gate = gate_values(values, node)
            ctx = make_context(
                graph, node, self._statics[node.id],
                timelines=timelines, feeds=feeds, llm=port, symbol=symbol,
            )  # fmt: skip
            key = _key(node, keys, root)
            keys[node.id] = key
            found = cache.get(key) if cache is not None and node.type.kind == "rule" else None
            if found is not None:
                outputs = found
            elif node.type.kind == "llm" and node.type.evaluate_at is not None:
                bars_n = len(base)
                where = np.flatnonzero(gate) if gate is not None else np.arange(bars_n)
                results = {
                    int(t): node.type.evaluate_at(ctx, inputs, node.params, int(t)) for t in where
                }
                outputs = point_outputs(node, bars_n, results)
            else:
                outputs = node.type.evaluate(ctx, inputs, node.params)
                if gate is not None:
                    outputs = {name: mask(value, gate) for name, value in outputs.items()}
                if cache is not None and node.type.kind == "rule":
                    cache.put(key, outputs)
            for value in outputs.values():
                if isinstance(value, Bars):
                    timelines[value.timeframe] = value.time_ns
            values[node.id] = outputs
        ref = graph.decision
        decision = values[ref.node][ref.port]
        assert isinstance(decision, DecisionSeries)
        return BatchResult(
            graph=graph,
            bars=base,
            values=values,
            decisions=decision,
            llm_calls=port.calls - calls,
            llm_hits=port.hits - hits,
        )


def _key(node: ResolvedNode, keys: Mapping[str, Hashable], root: int) -> Hashable:
    params = tuple(sorted(node.params.items()))
    inputs = tuple(
        (port, tuple((keys[r.node], r.port) for r in refs)) for port, refs in node.inputs.items()
    )
    gate = tuple((keys[c.source.node], c.source.port, c.negate) for c in node.gate)
    if not node.inputs:
        return (node.type.name, params, root)
    return (node.type.name, params, inputs, gate)


def compile_batch(
    workflow: WorkflowSpec | ResolvedGraph,
    *,
    registry: NodeRegistry | None = None,
    strategy: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> BatchPlan:
    """The batch plan of a workflow (validated and resolved first when given a spec)."""
    if isinstance(workflow, ResolvedGraph):
        return BatchPlan(workflow)
    graph = resolve(workflow, registry=registry, strategy=strategy, overrides=overrides)
    return BatchPlan(graph)


__all__ = ["BatchPlan", "BatchResult", "EvalCache", "IntentArrays", "compile_batch"]
