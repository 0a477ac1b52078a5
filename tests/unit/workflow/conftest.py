"""Fixtures for workflow tests: synthetic bars and a compact spec builder.

Tests run with ``--import-mode=importlib``, so helpers come through the ``wf`` fixture.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pytest

from tradegraph.data import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.spec import WorkflowSpec
from tradegraph.workflow.values import Bars


def node(node_id: str, type_: str, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type_, "params": params}


def edge(source: str, target: str, condition: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"source": source, "target": target}
    if condition is not None:
        out["condition"] = condition
    return out


def make_spec(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    outputs: Sequence[Mapping[str, Any]] | None = None,
    *,
    parameters: Sequence[Mapping[str, Any]] = (),
    constraints: Sequence[str] = (),
    timeframe: str = "1h",
) -> WorkflowSpec:
    return WorkflowSpec.model_validate(
        {
            "metadata": {"id": "test", "name": "Test workflow"},
            "parameters": list(parameters),
            "constraints": list(constraints),
            "inputs": [{"name": "main", "symbol": "{symbol}", "timeframe": timeframe}],
            "nodes": list(nodes),
            "edges": list(edges),
            "outputs": list(outputs)
            if outputs is not None
            else [{"name": "decision", "source": "decide.decision"}],
        }
    )


def sma_cross_spec(fast: int = 5, slow: int = 12) -> WorkflowSpec:
    """A small valid workflow (SMA cross) to mutate in validation tests."""
    return make_spec(
        [
            node("price", "feed"),
            node("fast", "sma", period=fast),
            node("slow", "sma", period=slow),
            node("up", "cross_over"),
            node("down", "cross_under"),
            node("decide", "decision"),
        ],
        [
            edge("price.close", "fast.series"),
            edge("price.close", "slow.series"),
            edge("fast.value", "up.a"),
            edge("slow.value", "up.b"),
            edge("fast.value", "down.a"),
            edge("slow.value", "down.b"),
            edge("price.bars", "decide.bars"),
            edge("up.signal", "decide.long"),
            edge("down.signal", "decide.short"),
        ],
    )


def frame_of(bars: int, timeframe: str = "1h", seed: int = 7) -> pd.DataFrame:
    return synthetic_ohlcv(timeframe, bars, seed=seed)


def bars_of(bars: int, timeframe: str = "1h", seed: int = 7) -> Bars:
    return Bars.from_frame(frame_of(bars, timeframe, seed), Timeframe.parse(timeframe))


@pytest.fixture
def wf() -> types.SimpleNamespace:
    return types.SimpleNamespace(
        node=node,
        edge=edge,
        spec=make_spec,
        sma_cross=sma_cross_spec,
        frame=frame_of,
        bars=bars_of,
    )
