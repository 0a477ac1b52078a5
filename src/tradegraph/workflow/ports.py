"""Port types: what flows along an edge.

Every port has one type; an edge connects an output port to an input port of the same
type. Values are per-bar arrays at the timeframe of the node that produced them:

- ``bars``: an OHLCV bar series (:class:`~tradegraph.workflow.values.Bars`);
- ``series``: float64 per bar (NaN = not available);
- ``signal``: bool per bar (an event or a state);
- ``levels``: a level set per bar (nearest support and resistance);
- ``regime``: trend and volatility regime per bar;
- ``decision``: the decision per bar (direction, exit, entry/stop/target, confidence,
  reasoning);
- ``text``: an optional string per bar (an analyst's reasoning).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PortType(StrEnum):
    """The type of a port (and of the values on an edge)."""

    BARS = "bars"
    SERIES = "series"
    SIGNAL = "signal"
    LEVELS = "levels"
    REGIME = "regime"
    DECISION = "decision"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One input or output port of a node type.

    ``variadic`` input ports accept any number of edges (the node gets a tuple of values,
    in edge order); ``required`` ones need at least one.
    """

    name: str
    type: PortType
    description: str = ""
    required: bool = True
    variadic: bool = False


def port(
    name: str,
    type_: PortType,
    description: str = "",
    *,
    required: bool = True,
    variadic: bool = False,
) -> PortSpec:
    """Shorthand for :class:`PortSpec`."""
    return PortSpec(name, type_, description, required=required, variadic=variadic)


#: Which node types produce a value of each type (for "how to fix" hints).
PRODUCERS: dict[PortType, str] = {
    PortType.BARS: "feed or resample",
    PortType.SERIES: "an indicator, feed (open/high/low/close/volume), math or scale",
    PortType.SIGNAL: "compare, cross_over, cross_under, threshold, and/or/not",
    PortType.LEVELS: "support_resistance",
    PortType.REGIME: "regime",
    PortType.DECISION: "decision or human_approval",
    PortType.TEXT: "llm_analyst (reasoning)",
}

#: What to insert between two mismatched port types, when something converts them.
CONVERTERS: dict[tuple[PortType, PortType], str] = {
    (PortType.SERIES, PortType.SIGNAL): "a compare, threshold or cross_over node",
    (PortType.SIGNAL, PortType.SERIES): "a to_series node (True → 1.0, False → 0.0)",
    (PortType.BARS, PortType.SERIES): "the feed's close (or open/high/low/volume) port instead",
}


__all__ = ["CONVERTERS", "PRODUCERS", "PortSpec", "PortType", "port"]
