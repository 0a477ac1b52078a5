"""The node library: sources and timeframes, every indicator and pattern of the analysis
layer, regime and confluence, logic and arithmetic, decision, LLM analyst and human
approval, registered by factory functions into :func:`default_registry`.

Boundary: node evaluations are pure functions of their inputs and parameters (the LLM
analyst goes through the cached AI port handed to it); no I/O, no clock.
"""

from __future__ import annotations

from functools import cache

from tradegraph.workflow.nodes.analyst import analyst_node
from tradegraph.workflow.nodes.approval import approval_node
from tradegraph.workflow.nodes.arithmetic import arithmetic_nodes
from tradegraph.workflow.nodes.decision import decision_node
from tradegraph.workflow.nodes.indicators import indicator_nodes
from tradegraph.workflow.nodes.logic import logic_nodes
from tradegraph.workflow.nodes.patterns import pattern_nodes
from tradegraph.workflow.nodes.sources import source_nodes
from tradegraph.workflow.registry import NodeRegistry

LIBRARY = (
    source_nodes,
    indicator_nodes,
    pattern_nodes,
    logic_nodes,
    arithmetic_nodes,
    decision_node,
    analyst_node,
    approval_node,
)


def build_registry() -> NodeRegistry:
    """A new registry holding the shipped node library (extend it with ``register``)."""
    registry = NodeRegistry()
    for factory in LIBRARY:
        registry.register(factory)
    return registry


@cache
def default_registry() -> NodeRegistry:
    """The shared registry of the shipped node library."""
    return build_registry()


__all__ = ["LIBRARY", "build_registry", "default_registry"]
