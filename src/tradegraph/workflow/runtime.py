"""What the batch plan and the step engine share: feeds, contexts, inputs and gates.

Both compiled forms call the same node functions with the same inputs gathered the same
way; they differ only in how much history they hand over (all of it, or the visible
window at bar t), which is why their decisions agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from tradegraph.ai.cache import CachedLLM, InMemoryResponseCache
from tradegraph.ai.rule_based import RuleBasedProvider
from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.graph import ResolvedGraph, ResolvedNode
from tradegraph.workflow.nodes.sources import resample_bars
from tradegraph.workflow.ports import PortType
from tradegraph.workflow.registry import EvalContext, Inputs, Outputs
from tradegraph.workflow.values import AnyArray, Bars, BoolArray, IntArray, Value, empty_text

DEFAULT_SYMBOL = "ASSET"


def default_llm() -> CachedLLM:
    """The embedded rule-based provider behind an in-memory response cache."""
    return CachedLLM(RuleBasedProvider(), InMemoryResponseCache())


def as_bars(data: Bars | pd.DataFrame, timeframe: Timeframe) -> Bars:
    """The base bars of a run: ``Bars`` of the workflow's base timeframe, or a frame."""
    if isinstance(data, Bars):
        if data.timeframe != timeframe:
            raise ValidationError(
                f"The data is {data.timeframe} bars but the workflow's base timeframe is "
                f"{timeframe}.",
                hint="Bind the workflow to the data's timeframe (bind_inputs(spec, "
                "timeframe=...)) or load bars of the workflow's timeframe.",
            )
        return data
    if isinstance(data, pd.DataFrame):
        return Bars.from_frame(data, timeframe)
    raise ValidationError(
        f"Workflow data must be Bars or an OHLCV DataFrame, got {type(data).__name__}.",
        hint="Load bars with tradegraph.data (catalog or synthetic_ohlcv).",
    )


def feed_bars(graph: ResolvedGraph, base: Bars) -> dict[str, Bars]:
    """Every workflow input: the base bars, and higher inputs resampled from them."""
    return {
        name: base if tf == graph.base_timeframe else resample_bars(base, tf)
        for name, tf in graph.feeds.items()
    }


@dataclass(frozen=True, slots=True)
class NodeStatic:
    """Per-node facts computed once per compiled plan."""

    sources: Mapping[str, tuple[str, ...]]
    categories: Mapping[str, tuple[str, ...]]


def node_statics(graph: ResolvedGraph) -> dict[str, NodeStatic]:
    out = {}
    for node in graph.nodes:
        sources = {port: tuple(str(r) for r in refs) for port, refs in node.inputs.items()}
        categories = {
            port: tuple(graph.origin_category(r.node) for r in refs)
            for port, refs in node.inputs.items()
        }
        out[node.id] = NodeStatic(sources, categories)
    return out


def make_context(
    graph: ResolvedGraph,
    node: ResolvedNode,
    static: NodeStatic,
    *,
    timelines: dict[Timeframe, IntArray],
    feeds: Mapping[str, Bars],
    llm: CachedLLM | None,
    symbol: str,
) -> EvalContext:
    return EvalContext(
        node_id=node.id,
        timeframe=node.timeframe,
        base_timeframe=graph.base_timeframe,
        timelines=timelines,
        feeds=feeds,
        input_timeframes=node.input_timeframes,
        sources=static.sources,
        source_categories=static.categories,
        llm=llm,
        symbol=symbol,
    )


def gather(values: Mapping[str, Mapping[str, Value]], node: ResolvedNode) -> Inputs:
    """The node's inputs from upstream outputs (a tuple for variadic ports)."""
    out: dict[str, Value | tuple[Value, ...]] = {}
    for port_name, refs in node.inputs.items():
        spec = node.type.input(port_name)
        assert spec is not None
        if spec.variadic:
            out[port_name] = tuple(values[r.node][r.port] for r in refs)
        else:
            out[port_name] = values[refs[0].node][refs[0].port]
    return out


def gate_values(values: Mapping[str, Mapping[str, Value]], node: ResolvedNode) -> BoolArray | None:
    """The AND of the node's gate conditions per bar (None when ungated)."""
    gate: BoolArray | None = None
    for cond in node.gate:
        raw = values[cond.source.node][cond.source.port]
        assert isinstance(raw, np.ndarray)
        flags = cast(BoolArray, raw)
        signal = ~flags if cond.negate else flags
        gate = signal.copy() if gate is None else gate & signal
    return gate


def point_outputs(
    node: ResolvedNode, n: int, results: Mapping[int, Mapping[str, object]]
) -> Outputs:
    """Arrays of ``n`` bars holding ``results`` (bar → port → value) and the absent
    value elsewhere (NaN, False or no text), for decision-point nodes."""
    out: Outputs = {}
    for spec in node.type.outputs:
        if spec.type is PortType.SERIES:
            arr: AnyArray = np.full(n, np.nan)
        elif spec.type is PortType.SIGNAL:
            arr = np.zeros(n, dtype=np.bool_)
        elif spec.type is PortType.TEXT:
            arr = empty_text(n)
        else:
            raise ValidationError(
                f"Node {node.id!r}: decision-point nodes output series, signals or text, "
                f"not {spec.type.value}.",
                hint="Register the node with scalar outputs only.",
            )
        for t, row in results.items():
            cell: Any = row[spec.name]
            arr[t] = cell
        out[spec.name] = arr
    return out


__all__ = [
    "DEFAULT_SYMBOL",
    "NodeStatic",
    "as_bars",
    "default_llm",
    "feed_bars",
    "gate_values",
    "gather",
    "make_context",
    "node_statics",
    "point_outputs",
]
