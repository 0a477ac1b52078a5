"""The resolved graph: a validated workflow ready to compile.

Validation turns a :class:`~tradegraph.workflow.spec.WorkflowSpec` into a
:class:`ResolvedGraph`: node types looked up, parameters merged and coerced, inputs
grouped by port (in edge order), gates collected from edge conditions, timeframes
inferred, and nodes in a topological order. Both compiled forms (batch plan and step
graph) are built from it, so they cannot disagree on structure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.registry import NodeType, ParamValue
from tradegraph.workflow.spec import WorkflowSpec

_PASS_THROUGH = frozenset({"math", "align", "logic"})


@dataclass(frozen=True, slots=True)
class PortRef:
    """``node.port``."""

    node: str
    port: str

    @classmethod
    def parse(cls, text: str) -> PortRef:
        node, _, port = text.partition(".")
        return cls(node, port)

    def __str__(self) -> str:
        return f"{self.node}.{self.port}"


@dataclass(frozen=True, slots=True)
class Condition:
    """A gate: the signal ``source`` (negated when ``negate``) must be True."""

    source: PortRef
    negate: bool = False

    @classmethod
    def parse(cls, text: str) -> Condition:
        negate = text.startswith("not ")
        return cls(PortRef.parse(text[4:] if negate else text), negate)

    def __str__(self) -> str:
        return f"{'not ' if self.negate else ''}{self.source}"


@dataclass(frozen=True, slots=True)
class ResolvedNode:
    """One node, resolved: its type, parameters, upstream ports, gate and timeframe."""

    id: str
    type: NodeType
    params: Mapping[str, ParamValue]
    inputs: Mapping[str, tuple[PortRef, ...]]
    gate: tuple[Condition, ...]
    timeframe: Timeframe
    input_timeframes: Mapping[str, Timeframe]

    @property
    def gated(self) -> bool:
        return bool(self.gate)

    def dependencies(self) -> set[str]:
        deps = {ref.node for refs in self.inputs.values() for ref in refs}
        deps.update(c.source.node for c in self.gate)
        return deps


@dataclass(frozen=True, slots=True)
class ResolvedGraph:
    """A validated workflow: nodes in topological order plus its decision output."""

    spec: WorkflowSpec
    spec_hash: str
    parameters: Mapping[str, ParamValue]
    base_timeframe: Timeframe
    feeds: Mapping[str, Timeframe]
    nodes: tuple[ResolvedNode, ...]
    decision: PortRef
    outputs: Mapping[str, PortRef]
    _index: dict[str, ResolvedNode] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n.id: n for n in self.nodes})
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def node(self, node_id: str) -> ResolvedNode:
        return self._index[node_id]

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    def origin_category(self, node_id: str) -> str:
        """The category of the node a value really comes from, looking through
        pass-through transforms (math, align, logic) to their first input."""
        seen: set[str] = set()
        current = self.node(node_id)
        while current.type.category in _PASS_THROUGH and current.id not in seen:
            seen.add(current.id)
            refs = next(iter(current.inputs.values()), ())
            if not refs:
                break
            current = self.node(refs[0].node)
        return current.type.category

    def warmup_bars(self) -> int:
        """Base bars before every node on the longest path has warmed up (an estimate
        for display: a higher-timeframe node's warm-up counts in base bars)."""
        ready: dict[str, int] = {}
        for node in self.nodes:
            upstream = max((ready[d] for d in node.dependencies()), default=0)
            ratio = max(1, node.timeframe.seconds // self.base_timeframe.seconds)
            ready[node.id] = upstream + node.type.warmup(node.params) * ratio
        return ready[self.decision.node]

    def ancestors(self, targets: Iterable[str]) -> set[str]:
        """``targets`` and every node they depend on."""
        out: set[str] = set()
        stack = list(targets)
        while stack:
            node_id = stack.pop()
            if node_id in out or node_id not in self._index:
                continue
            out.add(node_id)
            stack.extend(self._index[node_id].dependencies())
        return out


__all__ = ["Condition", "PortRef", "ResolvedGraph", "ResolvedNode"]
