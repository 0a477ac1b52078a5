"""Validation: everything that can be wrong with a workflow, each problem explained.

:func:`analyze` checks a spec against the node registry and returns a
:class:`~tradegraph.workflow.issues.ValidationReport` plus, when there is no error, the
:class:`~tradegraph.workflow.graph.ResolvedGraph` the compilers take. Checked: workflow
parameters (declarations, overrides, constraints); inputs; duplicate node ids; unknown
node types, unknown or missing params (with "did you mean"), out-of-bounds values and
cross-parameter rules; edges to unknown nodes or ports, port type mismatches, several
edges into a single port; unconnected required ports; cycles; timeframe mismatches;
missing or multiple decision outputs; LLM analysts without a gate. Every issue names
the node (and port or parameter) and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.checks import (
    State,
    check_edges,
    check_inputs,
    check_nodes,
    check_ports,
    endpoint,
    schema_issues,
)
from tradegraph.workflow.graph import PortRef, ResolvedGraph, ResolvedNode
from tradegraph.workflow.hashing import spec_hash
from tradegraph.workflow.issues import ValidationReport
from tradegraph.workflow.nodes import default_registry
from tradegraph.workflow.params import check_declarations, merge_parameters
from tradegraph.workflow.ports import PortType
from tradegraph.workflow.registry import NodeRegistry
from tradegraph.workflow.spec import WorkflowSpec


@dataclass(frozen=True, slots=True)
class Analysis:
    """The outcome of :func:`analyze`: the report, and the graph when it is valid."""

    report: ValidationReport
    graph: ResolvedGraph | None


def _topological(st: State) -> list[str] | None:
    deps = {
        n: {r.node for refs in st.inputs[n].values() for r in refs}
        | {c.source.node for c in st.gates[n]}
        for n in st.types
    }
    deps = {n: {d for d in ds if d in st.types} for n, ds in deps.items()}
    order: list[str] = []
    done: set[str] = set()
    pending = list(st.types)
    progress = True
    while pending and progress:
        progress = False
        for n in list(pending):
            if deps[n] <= done:
                order.append(n)
                done.add(n)
                pending.remove(n)
                progress = True
    if not pending:
        return order
    cycle = _find_cycle({n: deps[n] - done for n in pending})
    path = " → ".join([*cycle, cycle[0]])
    st.add(
        "cycle",
        f"The graph has a cycle: {path}.",
        f"Remove one of the edges along it (e.g. the edge from {cycle[-1]} into {cycle[0]}); a workflow must be acyclic.",
        node=cycle[0],
    )
    return None


def _find_cycle(deps: Mapping[str, set[str]]) -> list[str]:
    start = next(iter(deps))
    path: list[str] = []
    current = start
    while current not in path:
        path.append(current)
        current = next(iter(sorted(deps[current])))
    return path[path.index(current) :][::-1]


def _infer_timeframes(st: State, order: list[str]) -> None:
    base = next(iter(st.feeds.values()))
    for node_id in order:
        ntype = st.types[node_id]
        params = st.params.get(node_id, {})
        sources = {
            port: [st.timeframes[r.node] for r in refs if r.node in st.timeframes]
            for port, refs in st.inputs[node_id].items()
        }
        label = st.label(node_id)
        if ntype.timeframe_rule == "feed":
            wanted = params.get("input") or next(iter(st.feeds))
            tf = st.feeds.get(str(wanted), base)
        elif ntype.timeframe_rule == "resample":
            tf = Timeframe.parse(str(params.get("timeframe", "4h")))
            for source in sources.get("bars", []):
                if tf.seconds <= source.seconds or not source.divides(tf):
                    st.add(
                        "timeframe_mismatch",
                        f"{label} cannot turn {source} bars into {tf} bars.",
                        f"Choose a timeframe longer than {source} that is a whole multiple of it.",
                        node=node_id,
                        param="timeframe",
                    )
        elif ntype.timeframe_rule == "align":
            tf = base
            for source in [s for ss in sources.values() for s in ss]:
                if source == base:
                    st.warn(
                        "align_base",
                        f"{label} aligns a {base} value onto {base} bars, which delays it by one bar.",
                        "Connect the value directly; align is for higher timeframes.",
                        node=node_id,
                    )
        else:
            tf = _same_timeframe(st, node_id, sources, base)
        for cond in st.gates[node_id]:
            source_tf = st.timeframes.get(cond.source.node)
            if source_tf is not None and (source_tf != base or tf != base):
                st.add(
                    "timeframe_mismatch",
                    f"{label} is gated by {cond}; gates work on the base {base} bars only.",
                    "Align the condition and the gated node's inputs onto the base bars.",
                    node=node_id,
                )
        if (ntype.kind != "rule" or ntype.name == "decision") and tf != base:
            st.add(
                "timeframe_mismatch",
                f"{label} runs on {tf} values; decisions are taken on the base {base} bars.",
                "Align its inputs onto the base bars with align / align_signal.",
                node=node_id,
            )
        st.timeframes[node_id] = tf


def _same_timeframe(
    st: State, node_id: str, sources: Mapping[str, list[Timeframe]], base: Timeframe
) -> Timeframe:
    seen = {(port, tf) for port, tfs in sources.items() for tf in tfs}
    distinct = sorted({tf for _, tf in seen})
    if len(distinct) > 1:
        listing = ", ".join(
            f"{port} is {tf}" for port, tf in sorted(seen, key=lambda x: (x[0], x[1].seconds))
        )
        st.add(
            "timeframe_mismatch",
            f"{st.label(node_id)} mixes timeframes ({listing}).",
            f"Add an align node so the {distinct[-1]} series show on the {distinct[0]} bars, or compute everything on one timeframe.",
            node=node_id,
        )
    return distinct[0] if distinct else base


def _check_outputs(st: State) -> PortRef | None:
    decisions: list[PortRef] = []
    names: set[str] = set()
    for out in st.spec.outputs:
        if out.name in names:
            st.add(
                "duplicate_output",
                f"Output {out.name!r} is declared twice.",
                "Give every output a distinct name.",
            )
        names.add(out.name)
        found = endpoint(st, out.source, f"output {out.name!r}", output=True)
        if found is not None and found[1] is PortType.DECISION:
            decisions.append(found[0])
    available = [
        f"{n}.{p.name}"
        for n, t in st.types.items()
        for p in t.outputs
        if p.type is PortType.DECISION
    ]
    if not decisions:
        hint = (
            f"Add outputs: [{{name: decision, source: {available[0]}}}]."
            if available
            else "Add a decision node, wire its entries, and list its decision port under outputs."
        )
        st.add("missing_decision_output", "The workflow has no decision output.", hint)
        return None
    if len(decisions) > 1:
        st.add(
            "multiple_decision_outputs",
            f"The workflow has {len(decisions)} decision outputs ({', '.join(map(str, decisions))}).",
            "Keep exactly one; combine decisions upstream or add a human_approval node in front of one.",
            node=decisions[1].node,
        )
        return None
    return decisions[0]


def _check_gating(st: State, order: list[str]) -> None:
    for node_id in order:
        ntype = st.types[node_id]
        if ntype.kind == "llm" and not st.gates[node_id]:
            st.add(
                "llm_not_gated",
                f"{st.label(node_id)} is not gated: it would call the model on every bar.",
                "Add `condition: <setup>.signal` to one of its incoming edges so it runs only at decision points.",
                node=node_id,
            )
        if st.gates[node_id] and any(p.type is PortType.BARS for p in ntype.outputs):
            st.add(
                "bad_condition",
                f"{st.label(node_id)} produces bars and cannot be gated.",
                "Gate the nodes that consume its bars instead.",
                node=node_id,
            )


def analyze(
    spec: WorkflowSpec,
    *,
    registry: NodeRegistry | None = None,
    strategy: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Analysis:
    """Check ``spec`` (with parameter layers) and resolve it when it is valid."""
    values, merge_issues = merge_parameters(spec, strategy, overrides)
    st = State(spec, registry or default_registry(), values)
    st.issues.extend(check_declarations(spec))
    st.issues.extend(merge_issues)
    check_inputs(st)
    check_nodes(st)
    check_edges(st)
    check_ports(st)
    order = _topological(st)
    if order is not None and st.feeds:
        _infer_timeframes(st, order)
        _check_gating(st, order)
    decision = _check_outputs(st)
    if order is not None and decision is not None:
        used = _ancestors(st, [PortRef.parse(o.source).node for o in spec.outputs])
        for node_id in order:
            if node_id not in used:
                st.warn(
                    "unused_node",
                    f"{st.label(node_id)} does not feed any output.",
                    "Connect it or remove it.",
                    node=node_id,
                )
    report = ValidationReport(tuple(st.issues))
    if not report.ok or order is None or decision is None:
        return Analysis(report, None)
    return Analysis(report, _build(st, order, decision))


def _ancestors(st: State, targets: list[str]) -> set[str]:
    out: set[str] = set()
    stack = list(targets)
    while stack:
        n = stack.pop()
        if n in out or n not in st.types:
            continue
        out.add(n)
        stack.extend(r.node for refs in st.inputs[n].values() for r in refs)
        stack.extend(c.source.node for c in st.gates[n])
    return out


def _build(st: State, order: list[str], decision: PortRef) -> ResolvedGraph:
    nodes = tuple(
        ResolvedNode(
            id=n,
            type=st.types[n],
            params=MappingProxyType(dict(st.params[n])),
            inputs=MappingProxyType({p: tuple(refs) for p, refs in st.inputs[n].items()}),
            gate=tuple(st.gates[n]),
            timeframe=st.timeframes[n],
            input_timeframes=MappingProxyType(
                {p: st.timeframes[refs[0].node] for p, refs in st.inputs[n].items() if refs}
            ),
        )
        for n in order
    )
    return ResolvedGraph(
        spec=st.spec,
        spec_hash=spec_hash(st.spec),
        parameters=st.values,
        base_timeframe=next(iter(st.feeds.values())),
        feeds=MappingProxyType(dict(st.feeds)),
        nodes=nodes,
        decision=decision,
        outputs=MappingProxyType({o.name: PortRef.parse(o.source) for o in st.spec.outputs}),
    )


def validate(
    spec: WorkflowSpec,
    *,
    registry: NodeRegistry | None = None,
    strategy: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> ValidationReport:
    """The validation report of ``spec`` (see :func:`analyze`)."""
    return analyze(spec, registry=registry, strategy=strategy, overrides=overrides).report


def resolve(
    spec: WorkflowSpec,
    *,
    registry: NodeRegistry | None = None,
    strategy: Mapping[str, object] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> ResolvedGraph:
    """The resolved graph of ``spec``; raises ValidationError listing every error."""
    analysis = analyze(spec, registry=registry, strategy=strategy, overrides=overrides)
    analysis.report.raise_for_errors(f"Workflow {spec.metadata.id!r}")
    assert analysis.graph is not None
    return analysis.graph


__all__ = ["Analysis", "analyze", "resolve", "schema_issues", "validate"]
