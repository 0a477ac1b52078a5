"""Workflows (layer 4): a strategy as a typed node graph a person can draw, that may
contain LLM analysts, and still backtests fast and reproducibly.

- ``spec``: :class:`WorkflowSpec`, the pydantic document (JSON Schema for the studio);
  ``io`` loads/saves JSON and YAML with exact round trips; ``hashing`` gives each
  version a canonical content hash and diffs two versions.
- ``registry`` + ``nodes``: node types registered by factory functions, each with typed
  ports (``ports``), a params schema, its warm-up and its batch evaluation; the library
  covers feeds and multi-timeframe resample/align, every indicator and pattern, regime,
  confluence, logic and arithmetic, decision, LLM analyst and human approval.
- ``validation``: every problem (cycles, unknown types or params with "did you mean",
  unconnected or mistyped ports, timeframes, decision outputs, bounds, ungated LLMs) as
  an issue naming the node and port with a fix; ``params`` merges workflow defaults <
  strategy overrides < CLI/API overrides and turns bounds into an optimisation space.
- Two compiled forms, one semantics: ``batch`` (:func:`compile_batch`, everything
  vectorised over the whole history once, LLM nodes only at gated bars) and
  ``stepgraph`` (:func:`compile_graph`, a LangGraph ``StateGraph`` with conditional
  edges for gates, interrupts for human approval and SQLite checkpointing, driving the
  ``step`` engine).

Step-mode design choice (exact parity first, then speed): TA-Lib's recursive
indicators (EMA, RSI, ATR, MACD, ...) are seeded from the start of the data, so a
truncated window gives different values. The step engine therefore keeps each node's
output history in growable buffers and, on each bar, appends one value per output:
pointwise and short-memory nodes (declared with ``step_tail``) run on the last k bars;
recursive nodes run on their full input history up to the bar (the batch functions are
causal, so the value at t is the batch value at t, bit for bit); higher-timeframe
outputs are recomputed only when a higher bar completes. A step thus costs one pass of
the recursive indicators over the kept history (TA-Lib does thousands of bars in
microseconds) and Python overhead per node; parity holds by construction and is tested
for every template and for random workflows. LangGraph's per-node overhead (~1 ms) is
why consecutive rule nodes are fused into one graph node: the graph's nodes are the
decision points.

Human approval is step-only in spirit: in batch mode it applies its ``batch_policy``
(``approve`` = pass-through, ``reject`` = no entries), and replaying step mode with that
policy as the approver gives the same decisions.

Boundary: imports core, model, data, indicators, patterns and ai; the only package
that imports langgraph (with ai). Never backtest or services (same or higher layer):
:meth:`BatchResult.intents` returns plain arrays that ``services`` turns into a
backtest's ``Intents``.

``stepgraph`` (and with it langgraph, ~1 s of imports) loads on first use of its names,
so commands and processes that never build a LangGraph graph don't pay for it.
"""

import importlib
from typing import TYPE_CHECKING

from tradegraph.workflow.batch import BatchPlan, BatchResult, EvalCache, IntentArrays, compile_batch
from tradegraph.workflow.graph import Condition, PortRef, ResolvedGraph, ResolvedNode
from tradegraph.workflow.hashing import Change, SpecDiff, diff_specs, spec_hash
from tradegraph.workflow.io import dumps, load, loads, save
from tradegraph.workflow.issues import Issue, ValidationReport
from tradegraph.workflow.nodes import build_registry, default_registry
from tradegraph.workflow.params import (
    Constraint,
    ParamRange,
    bind_inputs,
    grid,
    merge_parameters,
    optimisation_space,
    parse_overrides,
)
from tradegraph.workflow.ports import PortSpec, PortType
from tradegraph.workflow.registry import EvalContext, NodeParam, NodeRegistry, NodeType
from tradegraph.workflow.spec import (
    EdgeSpec,
    FeedInput,
    Metadata,
    NodeSpec,
    OutputSpec,
    Parameter,
    WorkflowSpec,
    workflow_json_schema,
)
from tradegraph.workflow.step import StepEngine
from tradegraph.workflow.templates import list_templates, load_template, template_names
from tradegraph.workflow.validation import Analysis, analyze, resolve, validate
from tradegraph.workflow.values import Bars, Decision, DecisionSeries

if TYPE_CHECKING:
    from tradegraph.workflow.stepgraph import (
        StepGraph,
        StepState,
        compile_graph,
        sqlite_checkpointer,
    )

_LAZY = frozenset({"StepGraph", "StepState", "compile_graph", "sqlite_checkpointer"})


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module("tradegraph.workflow.stepgraph"), name)
    raise AttributeError(f"module 'tradegraph.workflow' has no attribute {name!r}")


__all__ = [
    "Analysis",
    "Bars",
    "BatchPlan",
    "BatchResult",
    "Change",
    "Condition",
    "Constraint",
    "Decision",
    "DecisionSeries",
    "EdgeSpec",
    "EvalCache",
    "EvalContext",
    "FeedInput",
    "IntentArrays",
    "Issue",
    "Metadata",
    "NodeParam",
    "NodeRegistry",
    "NodeSpec",
    "NodeType",
    "OutputSpec",
    "ParamRange",
    "Parameter",
    "PortRef",
    "PortSpec",
    "PortType",
    "ResolvedGraph",
    "ResolvedNode",
    "SpecDiff",
    "StepEngine",
    "StepGraph",
    "StepState",
    "ValidationReport",
    "WorkflowSpec",
    "analyze",
    "bind_inputs",
    "build_registry",
    "compile_batch",
    "compile_graph",
    "default_registry",
    "diff_specs",
    "dumps",
    "grid",
    "list_templates",
    "load",
    "load_template",
    "loads",
    "merge_parameters",
    "optimisation_space",
    "parse_overrides",
    "resolve",
    "save",
    "spec_hash",
    "sqlite_checkpointer",
    "template_names",
    "validate",
    "workflow_json_schema",
]
