"""The workflow specification: a versioned, typed node graph as plain data.

A :class:`WorkflowSpec` is what a person draws in the studio or writes in YAML:

- ``metadata``: id, name, version, description, tags;
- ``parameters``: typed workflow parameters with default, bounds and step (directly an
  optimisation space) and ``constraints`` between them (``"fast < slow"``);
- ``inputs``: feeds, a symbol placeholder and a timeframe each; the first is the base
  (decision) timeframe, the others must be multiples of it on the same symbol;
- ``nodes``: id, type and params; a param value ``"$name"`` references workflow
  parameter ``name``;
- ``edges``: ``source: node.port`` → ``target: node.port``, with an optional
  ``condition: node.port`` (or ``not node.port``) naming a signal that gates the target;
- ``outputs``: named node ports, exactly one of which is the decision.

The model checks structure only (shapes, names, types of literals), so drafts can be
saved; :mod:`tradegraph.workflow.validation` checks meaning and explains every problem.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
PORT_REF = r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"
CONDITION_REF = r"^(not )?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"
SCHEMA_VERSION: Final = 1

ParamLiteral = StrictBool | StrictInt | StrictFloat | StrictStr


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(_Model):
    """Who the workflow is: a stable id, a display name, a version and a description."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(default="1.0.0", min_length=1, max_length=40)
    description: str = ""
    tags: tuple[str, ...] = ()


class Parameter(_Model):
    """A workflow parameter; nodes reference it as ``"$name"``.

    ``minimum``/``maximum``/``step`` bound it and define its optimisation grid;
    ``choices`` enumerate the admissible texts of a ``str`` parameter.
    """

    name: str = Field(pattern=IDENTIFIER)
    type: Literal["int", "float", "bool", "str"]
    default: ParamLiteral
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    description: str = ""


class FeedInput(_Model):
    """A market data feed: a symbol (or the ``{symbol}`` placeholder) and a timeframe."""

    name: str = Field(default="main", pattern=IDENTIFIER)
    symbol: str = Field(default="{symbol}", min_length=1)
    timeframe: str = "1h"


class Position(_Model):
    """Where the studio draws a node."""

    x: float
    y: float


class NodeSpec(_Model):
    """One node: a unique id, a registered type, parameters (literals or ``$refs``)."""

    id: str = Field(pattern=IDENTIFIER)
    type: str = Field(min_length=1)
    params: dict[str, ParamLiteral] = Field(default_factory=dict)
    label: str | None = None
    position: Position | None = None


class EdgeSpec(_Model):
    """``source`` output port → ``target`` input port, optionally gated by ``condition``."""

    source: str = Field(pattern=PORT_REF)
    target: str = Field(pattern=PORT_REF)
    condition: str | None = Field(default=None, pattern=CONDITION_REF)

    @property
    def source_node(self) -> str:
        return self.source.split(".", 1)[0]

    @property
    def source_port(self) -> str:
        return self.source.split(".", 1)[1]

    @property
    def target_node(self) -> str:
        return self.target.split(".", 1)[0]

    @property
    def target_port(self) -> str:
        return self.target.split(".", 1)[1]


class OutputSpec(_Model):
    """A named output of the workflow, taken from a node's output port."""

    name: str = Field(default="decision", pattern=IDENTIFIER)
    source: str = Field(pattern=PORT_REF)


class WorkflowSpec(_Model):
    """A complete workflow version (see the module docstring)."""

    schema_version: Literal[1] = 1
    metadata: Metadata
    parameters: tuple[Parameter, ...] = ()
    constraints: tuple[str, ...] = ()
    inputs: tuple[FeedInput, ...] = (FeedInput(),)
    nodes: tuple[NodeSpec, ...] = ()
    edges: tuple[EdgeSpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()

    def node(self, node_id: str) -> NodeSpec | None:
        """The node with id ``node_id`` (None when there is none)."""
        return next((n for n in self.nodes if n.id == node_id), None)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def param_reference(value: object) -> str | None:
    """The workflow parameter a node param value references (``"$fast"`` → ``fast``)."""
    if isinstance(value, str) and value.startswith("$") and len(value) > 1:
        return value[1:]
    return None


def workflow_json_schema() -> dict[str, object]:
    """The JSON Schema of :class:`WorkflowSpec` (for the web studio and the API)."""
    schema = WorkflowSpec.model_json_schema()
    schema["$id"] = "https://tradegraph.dev/schemas/workflow-v1.json"
    return schema


__all__ = [
    "SCHEMA_VERSION",
    "EdgeSpec",
    "FeedInput",
    "Metadata",
    "NodeSpec",
    "OutputSpec",
    "ParamLiteral",
    "Parameter",
    "Position",
    "WorkflowSpec",
    "param_reference",
    "workflow_json_schema",
]
