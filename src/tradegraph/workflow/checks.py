"""The node, edge and port checks of validation, and the state they share.

:mod:`tradegraph.workflow.validation` runs these first (inputs, nodes and their
parameters, edges and conditions, required ports), then the graph-wide checks (cycles,
timeframes, outputs, gating). Each check appends issues to :class:`State`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError as PydanticValidationError

from tradegraph.core.errors import ValidationError
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.graph import Condition, PortRef
from tradegraph.workflow.issues import Issue, suggest
from tradegraph.workflow.ports import CONVERTERS, PRODUCERS, PortType
from tradegraph.workflow.registry import NodeRegistry, NodeType, ParamValue
from tradegraph.workflow.spec import NodeSpec, WorkflowSpec, param_reference

NODES_HINT = "List the node types with `tradegraph workflow nodes`."


@dataclass
class State:
    spec: WorkflowSpec
    registry: NodeRegistry
    values: dict[str, ParamValue]
    issues: list[Issue] = field(default_factory=list)
    feeds: dict[str, Timeframe] = field(default_factory=dict)
    types: dict[str, NodeType] = field(default_factory=dict)
    params: dict[str, dict[str, ParamValue]] = field(default_factory=dict)
    inputs: dict[str, dict[str, list[PortRef]]] = field(default_factory=dict)
    gates: dict[str, list[Condition]] = field(default_factory=dict)
    timeframes: dict[str, Timeframe] = field(default_factory=dict)
    attempted: dict[str, set[str]] = field(default_factory=dict)

    def add(
        self,
        code: str,
        message: str,
        hint: str,
        *,
        node: str | None = None,
        port: str | None = None,
        param: str | None = None,
    ) -> None:
        self.issues.append(Issue(code, message, hint, node=node, port=port, param=param))

    def warn(self, code: str, message: str, hint: str, *, node: str | None = None) -> None:
        self.issues.append(Issue(code, message, hint, node=node, severity="warning"))

    def label(self, node_id: str) -> str:
        ntype = self.types.get(node_id)
        return f"Node {node_id!r} ({ntype.name})" if ntype else f"Node {node_id!r}"


def schema_issues(exc: PydanticValidationError) -> list[Issue]:
    """Structural problems (from loading a document) as issues naming the field."""
    out = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"]) or "(document)"
        hint = "Fix or remove this field (see `tradegraph workflow new` for a valid example)."
        if error["type"] == "extra_forbidden":
            hint = "Remove the unknown field; check its spelling against the workflow schema."
        elif error["type"] == "missing":
            hint = f"Add the required field {path!r}."
        node = None
        if error["loc"][:1] == ("nodes",) and len(error["loc"]) > 1:
            node = f"#{error['loc'][1]}"
        out.append(Issue("schema", f"At {path}: {error['msg']}.", hint, node=node))
    return out


def check_inputs(st: State) -> None:
    if not st.spec.inputs:
        st.add(
            "missing_input",
            "The workflow has no input feed.",
            "Add inputs: [{name: main, symbol: '{symbol}', timeframe: 1h}].",
        )
        return
    base: Timeframe | None = None
    for feed in st.spec.inputs:
        if feed.name in st.feeds:
            st.add(
                "duplicate_input",
                f"Input {feed.name!r} is declared twice.",
                "Give every input a distinct name.",
            )
            continue
        try:
            tf = Timeframe.parse(feed.timeframe)
        except ValidationError as exc:
            st.add("invalid_input", f"Input {feed.name!r}: {exc.message}", exc.hint or "")
            continue
        if base is None:
            base = tf
        elif (
            feed.symbol != st.spec.inputs[0].symbol
            or tf.seconds <= base.seconds
            or not base.divides(tf)
        ):
            st.add(
                "invalid_input",
                f"Input {feed.name!r} ({feed.symbol} {tf}) must be the first input's symbol ({st.spec.inputs[0].symbol}) at a longer timeframe that is a multiple of {base}.",
                "Derive higher timeframes from the base feed; other symbols are not supported yet.",
            )
            continue
        st.feeds[feed.name] = tf


def check_nodes(st: State) -> None:
    seen: set[str] = set()
    for node in st.spec.nodes:
        if node.id in seen:
            st.add(
                "duplicate_node",
                f"Node id {node.id!r} is used twice.",
                "Give every node a unique id.",
                node=node.id,
            )
            continue
        seen.add(node.id)
        ntype = st.registry.find(node.type)
        if ntype is None:
            st.add(
                "unknown_node_type",
                f"Node {node.id!r} has unknown type {node.type!r}.",
                suggest(node.type, st.registry.names(), listing=NODES_HINT),
                node=node.id,
            )
            continue
        st.types[node.id] = ntype
        st.params[node.id] = resolve_params(st, node, ntype)


def param_value(st: State, node: NodeSpec, ntype: NodeType, name: str) -> ParamValue | None:
    """The checked value of one given node param (None after reporting a problem)."""
    label = st.label(node.id)
    raw = node.params[name]
    spec = ntype.param(name)
    if spec is None:
        known = [p.name for p in ntype.params]
        hint = suggest(name, known) if known else "This node type takes no parameters."
        st.add(
            "unknown_param", f"{label} has no parameter {name!r}.", hint, node=node.id, param=name
        )
        return None
    ref = param_reference(raw)
    value: ParamValue = raw
    if ref is not None:
        if ref not in st.values:
            declared = sorted(st.values) or ["(none declared)"]
            st.add(
                "unknown_parameter_ref",
                f"{label} parameter {name!r} references ${ref}, which is not a workflow parameter.",
                f"{suggest(ref, declared)} Or declare {ref!r} under parameters.",
                node=node.id,
                param=name,
            )
            return None
        value = st.values[ref]
    problem = spec.problem(value)
    if problem is None:
        return spec.coerce(value)
    out_of_bounds = problem[0].startswith("is out of bounds")
    origin = f" (from workflow parameter {ref!r})" if ref else ""
    hint = problem[1] + (f" Change the value of workflow parameter {ref!r}." if ref else "")
    st.add(
        "param_out_of_bounds" if out_of_bounds else "invalid_param",
        f"{label} parameter {name!r} {problem[0]}{origin}.",
        hint,
        node=node.id,
        param=name,
    )
    return None


def resolve_params(st: State, node: NodeSpec, ntype: NodeType) -> dict[str, ParamValue]:
    resolved: dict[str, ParamValue] = {}
    label = st.label(node.id)
    ok = True
    for name in node.params:
        value = param_value(st, node, ntype, name)
        if value is None:
            ok = False
        else:
            resolved[name] = value
    for spec in ntype.params:
        if spec.name in node.params:
            continue
        if spec.default is None:
            st.add(
                "missing_param",
                f"{label} needs parameter {spec.name!r} ({spec.description}).",
                f"Add `{spec.name}: <{spec.kind}>` under its params, or reference a workflow "
                f"parameter as `{spec.name}: $name`.",
                node=node.id,
                param=spec.name,
            )
            ok = False
        else:
            resolved[spec.name] = spec.default
    if ok:
        problem = ntype.check(resolved)
        if problem is not None:
            st.add("invalid_params", f"{label} {problem[0]}.", problem[1], node=node.id)
    if ntype.name == "feed":
        wanted = resolved.get("input", "")
        if isinstance(wanted, str) and wanted and wanted not in {f.name for f in st.spec.inputs}:
            st.add(
                "unknown_input",
                f"{label} reads input {wanted!r}, which is not declared.",
                suggest(wanted, [f.name for f in st.spec.inputs]),
                node=node.id,
                param="input",
            )
    return resolved


def endpoint(
    st: State, text: str, edge: str, *, output: bool
) -> tuple[PortRef, PortType | None] | None:
    ref = PortRef.parse(text)
    role = "source" if output else "target"
    if ref.node not in st.types:
        if st.spec.node(ref.node) is None:
            ids = [n.id for n in st.spec.nodes] or ["(no nodes)"]
            st.add(
                "unknown_node",
                f"Edge {edge}: {role} node {ref.node!r} does not exist.",
                suggest(ref.node, ids),
                node=ref.node,
            )
        return None
    ntype = st.types[ref.node]
    port = ntype.output(ref.port) if output else ntype.input(ref.port)
    if port is None:
        other = ntype.input(ref.port) if output else ntype.output(ref.port)
        names = [p.name for p in (ntype.outputs if output else ntype.inputs)] or ["(none)"]
        if other is not None:
            what = "an input" if output else "an output"
            hint = f"Edges run from an output port to an input port; {role} ports of {ntype.name}: {', '.join(names)}."
            st.add(
                "unknown_port",
                f"Edge {edge}: {text} is {what} port, not {'an output' if output else 'an input'}.",
                hint,
                node=ref.node,
                port=ref.port,
            )
        else:
            kind = "output" if output else "input"
            st.add(
                "unknown_port",
                f"Edge {edge}: {st.label(ref.node)} has no {kind} port {ref.port!r}.",
                suggest(ref.port, names),
                node=ref.node,
                port=ref.port,
            )
        return None
    return ref, port.type


def check_edges(st: State) -> None:
    for node_id in st.types:
        st.inputs[node_id] = {}
        st.gates[node_id] = []
    for edge in st.spec.edges:
        name = f"{edge.source} → {edge.target}"
        src = endpoint(st, edge.source, name, output=True)
        dst = endpoint(st, edge.target, name, output=False)
        if dst is not None:
            st.attempted.setdefault(dst[0].node, set()).add(dst[0].port)
        if edge.condition is not None:
            check_condition(st, edge.condition, name, edge.target_node)
        if src is None or dst is None:
            continue
        (sref, stype), (dref, dtype) = src, dst
        if stype != dtype:
            assert stype is not None
            assert dtype is not None
            fix = CONVERTERS.get((stype, dtype))
            hint = (
                f"Insert {fix} between them."
                if fix
                else f"Connect an output of type {dtype.value} (from {PRODUCERS[dtype]})."
            )
            st.add(
                "port_type_mismatch",
                f"Edge {name}: {edge.source} is {stype.value} but {edge.target} expects {dtype.value}.",
                hint,
                node=dref.node,
                port=dref.port,
            )
            continue
        port = st.types[dref.node].input(dref.port)
        assert port is not None
        connected = st.inputs[dref.node].setdefault(dref.port, [])
        if connected and not port.variadic:
            st.add(
                "duplicate_input",
                f"{st.label(dref.node)} input port {dref.port!r} has several incoming edges ({connected[0]}, {sref}).",
                "This port takes one edge; remove the extra one (and/or/confluence take many).",
                node=dref.node,
                port=dref.port,
            )
            continue
        connected.append(sref)


def check_condition(st: State, text: str, edge: str, target: str) -> None:
    cond = Condition.parse(text)
    found = endpoint(st, str(cond.source), f"{edge} (condition)", output=True)
    if found is None:
        return
    if found[1] is not PortType.SIGNAL:
        st.add(
            "bad_condition",
            f"Edge {edge}: condition {text} is {found[1].value if found[1] else '?'}, not a signal.",
            "A condition must name a signal output (e.g. setup.signal); turn a series into one with compare.",
            node=target,
        )
        return
    if target in st.gates:
        st.gates[target].append(cond)


def check_ports(st: State) -> None:
    for node_id, ntype in st.types.items():
        connected = frozenset(st.inputs.get(node_id, {})) | st.attempted.get(node_id, set())
        for port in ntype.inputs:
            if port.required and port.name not in connected:
                ranked = sorted(
                    (
                        (t.category == "source", f"{n}.{p.name}")
                        for n, t in st.types.items()
                        if n != node_id
                        for p in t.outputs
                        if p.type == port.type
                    ),
                    key=lambda item: item[0],
                )
                candidates = [name for _, name in ranked][:4]
                hint = f"Add an edge into {node_id}.{port.name}" + (
                    f", e.g. from {', '.join(candidates)}."
                    if candidates
                    else f" from a {port.type.value} output ({PRODUCERS[port.type]})."
                )
                st.add(
                    "unconnected_port",
                    f"{st.label(node_id)} input port {port.name!r} ({port.type.value}) is not connected.",
                    hint,
                    node=node_id,
                    port=port.name,
                )
        if ntype.requires_one_of and not connected & set(ntype.requires_one_of):
            ports = " or ".join(ntype.requires_one_of)
            st.add(
                "unconnected_port",
                f"{st.label(node_id)} needs at least one of the input ports {ports} connected.",
                f"Connect an entry signal to {node_id}.{ntype.requires_one_of[0]}.",
                node=node_id,
                port=ntype.requires_one_of[0],
            )
        if node_id in st.params:
            problem = ntype.check_ports(st.params[node_id], connected)
            if problem is not None:
                st.add(
                    "unconnected_port",
                    f"{st.label(node_id)}: {problem[0]}.",
                    problem[1],
                    node=node_id,
                )


__all__ = [
    "NODES_HINT",
    "State",
    "check_edges",
    "check_inputs",
    "check_nodes",
    "check_ports",
    "endpoint",
    "schema_issues",
]
