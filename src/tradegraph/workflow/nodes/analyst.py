"""The LLM analyst node: asks the AI port for a structured verdict at decision points.

It runs only where its gate fires (conditions on its incoming edges; validation rejects
an ungated analyst), and at bar t it sees only point-in-time data: the last ``lookback``
bars up to t and the values at t of the features wired into it. Every call goes through
the response cache, keyed by (node, model, prompt hash). With the embedded rule-based
provider the node works offline and is deterministic.
"""

from __future__ import annotations

import math

import numpy as np

from tradegraph.ai.prompts import AnalystContext, AnalystLimits, BarSnapshot, analyst_request
from tradegraph.ai.rule_based import RULE_BASED_MODEL
from tradegraph.ai.verdict import AnalystRole, AnalystVerdict
from tradegraph.workflow.nodes.common import (
    bars_in,
    choice_param,
    float_param,
    int_param,
    many_series,
    p_float,
    p_int,
    p_str,
    runtime_error,
)
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import (
    EvalContext,
    Inputs,
    NodeParam,
    NodeType,
    Outputs,
    Params,
)
from tradegraph.workflow.values import Bars

ROLES = tuple(role.value for role in AnalystRole)


def iso_time(time_ns: int) -> str:
    """An epoch-ns instant as ISO 8601 UTC with nanoseconds (deterministic text)."""
    return str(np.datetime64(int(time_ns), "ns")) + "Z"


def _snapshots(bars: Bars, t: int, lookback: int) -> tuple[BarSnapshot, ...]:
    start = max(0, t - lookback + 1)
    return tuple(
        BarSnapshot(
            time=iso_time(int(bars.time_ns[i])),
            open=float(bars.open[i]),
            high=float(bars.high[i]),
            low=float(bars.low[i]),
            close=float(bars.close[i]),
            volume=float(bars.volume[i]),
        )
        for i in range(start, t + 1)
    )


def _feature(value: float) -> float | None:
    return value if math.isfinite(value) else None


def analyst_at(ctx: EvalContext, inputs: Inputs, params: Params, t: int) -> dict[str, object]:
    """The analyst's outputs at bar ``t`` (one cached LLM call)."""
    if ctx.llm is None:
        raise runtime_error(
            ctx.node_id,
            "no LLM port is configured for this run.",
            "Pass llm=CachedLLM(RuleBasedProvider()) (the default) to the plan.",
        )
    bars = bars_in(inputs)
    names = ctx.sources.get("features", ())
    features = {
        name: _feature(float(values[t]))
        for name, values in zip(names, many_series(inputs, "features"), strict=True)
    }
    context = AnalystContext(
        role=AnalystRole(p_str(params, "role")),
        symbol=ctx.symbol,
        time=iso_time(int(bars.time_ns[t])),
        bars=_snapshots(bars, t, p_int(params, "lookback")),
        features=features,
        limits=AnalystLimits(
            min_confidence=p_float(params, "min_confidence"),
            max_volatility=p_float(params, "max_volatility"),
        ),
    )
    request = analyst_request(context, p_str(params, "model"))
    verdict = ctx.llm.complete(request, AnalystVerdict, node=ctx.node_id)
    return {
        "signal": float(verdict.sign * verdict.confidence),
        "confidence": float(verdict.confidence),
        "long": verdict.approve and verdict.sign > 0,
        "short": verdict.approve and verdict.sign < 0,
        "approve": verdict.approve,
        "reasoning": verdict.reasoning,
    }


def _every_bar(ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    """Ungated evaluation (validation forbids it; kept total for direct use)."""
    n = len(bars_in(inputs))
    out: dict[str, list[object]] = {}
    for t in range(n):
        for name, value in analyst_at(ctx, inputs, params, t).items():
            out.setdefault(name, []).append(value)
    return {
        "signal": np.array(out.get("signal", []), dtype=np.float64),
        "confidence": np.array(out.get("confidence", []), dtype=np.float64),
        "long": np.array(out.get("long", []), dtype=np.bool_),
        "short": np.array(out.get("short", []), dtype=np.bool_),
        "approve": np.array(out.get("approve", []), dtype=np.bool_),
        "reasoning": np.array(out.get("reasoning", []), dtype=object),
    }


def analyst_node() -> NodeType:
    return NodeType(
        name="llm_analyst",
        title="LLM analyst",
        category="ai",
        description="Asks the AI port for a verdict (direction, confidence, approval, "
        "reasoning) at gated decision points, from point-in-time bars and features.",
        inputs=(
            port("bars", PortType.BARS, "the base bars (recent history in the prompt)"),
            port(
                "features",
                PortType.SERIES,
                "signals in [-1, 1] shown to the analyst",
                required=False,
                variadic=True,
            ),
        ),
        outputs=(
            port("signal", PortType.SERIES, "direction × confidence (NaN where not run)"),
            port("confidence", PortType.SERIES, "confidence in [0, 1] (NaN where not run)"),
            port("long", PortType.SIGNAL, "approved long"),
            port("short", PortType.SIGNAL, "approved short"),
            port("approve", PortType.SIGNAL, "approved (either way)"),
            port("reasoning", PortType.TEXT, "the analyst's reasoning"),
        ),
        params=(
            choice_param("role", "technical_analyst", ROLES, "what the analyst does"),
            NodeParam("model", "str", RULE_BASED_MODEL, "model name (rule-based = embedded)"),
            int_param("lookback", 20, "recent bars in the prompt", minimum=2, maximum=500),
            float_param(
                "min_confidence", 0.3, "confidence needed to approve", minimum=0.0, maximum=1.0
            ),
            float_param(
                "max_volatility",
                0.05,
                "risk reviewer's volatility ceiling",
                minimum=0.0,
                exclusive_minimum=True,
            ),
        ),
        evaluate=_every_bar,
        evaluate_at=analyst_at,
        kind="llm",
    )


__all__ = ["ROLES", "analyst_at", "analyst_node", "iso_time"]
