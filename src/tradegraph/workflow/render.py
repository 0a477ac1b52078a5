"""Plain-text views of a workflow for terminals: the graph as a tree drawn from the
decision back to the feeds, and the parameter table rows."""

from __future__ import annotations

from dataclasses import dataclass

from tradegraph.workflow.graph import PortRef, ResolvedGraph, ResolvedNode
from tradegraph.workflow.spec import WorkflowSpec, param_reference


def _describe(graph: ResolvedGraph, node: ResolvedNode) -> str:
    spec_node = graph.spec.node(node.id)
    given = spec_node.params if spec_node is not None else {}
    shown = []
    for name, raw in given.items():
        ref = param_reference(raw)
        value = node.params.get(name)
        shown.append(f"{name}=${ref}={value}" if ref else f"{name}={value}")
    text = f"{node.type.name}({', '.join(shown)})"
    if node.timeframe != graph.base_timeframe:
        text += f" @{node.timeframe}"
    return text


def render_tree(graph: ResolvedGraph) -> list[str]:
    """The graph as a tree from the decision back to the feeds: each line is
    ``input port ◀ node.port  type(params)``; gates appear as ``if ◀ signal``. A node
    already drawn is marked ``↑`` instead of being repeated."""
    lines: list[str] = []
    drawn: set[str] = set()

    def draw(ref: PortRef, label: str, prefix: str, connector: str, child_prefix: str) -> None:
        node = graph.node(ref.node)
        head = f"{prefix}{connector}{label + ' ◀ ' if label else ''}{ref}"
        if node.id in drawn:
            lines.append(f"{head} ↑")
            return
        drawn.add(node.id)
        lines.append(f"{head}  {_describe(graph, node)}")
        children = [(port, r) for port, refs in node.inputs.items() for r in refs]
        children += [("if not" if c.negate else "if", c.source) for c in node.gate]
        for i, (port, r) in enumerate(children):
            last = i == len(children) - 1
            draw(
                r,
                port,
                child_prefix,
                "└─ " if last else "├─ ",
                child_prefix + ("   " if last else "│  "),
            )

    draw(graph.decision, "", "", "", "")
    unused = [n.id for n in graph.nodes if n.id not in drawn]
    if unused:
        lines.append(f"(not feeding the decision: {', '.join(unused)})")
    return lines


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """One row of the parameter table."""

    name: str
    type: str
    default: str
    value: str
    range: str
    step: str
    description: str


def parameter_rows(
    spec: WorkflowSpec, values: dict[str, object] | None = None
) -> list[ParameterRow]:
    """The workflow parameters with their defaults, effective values and ranges."""
    rows = []
    for p in spec.parameters:
        if p.choices:
            span = "{" + ", ".join(p.choices) + "}"
        elif p.minimum is not None or p.maximum is not None:
            low = "-inf" if p.minimum is None else f"{p.minimum:g}"
            high = "inf" if p.maximum is None else f"{p.maximum:g}"
            span = f"[{low}, {high}]"
        else:
            span = ""
        value = (values or {}).get(p.name, p.default)
        rows.append(
            ParameterRow(
                name=p.name,
                type=p.type,
                default=str(p.default),
                value=str(value),
                range=span,
                step="" if p.step is None else f"{p.step:g}",
                description=p.description,
            )
        )
    return rows


__all__ = ["ParameterRow", "parameter_rows", "render_tree"]
