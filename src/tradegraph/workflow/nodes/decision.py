"""The decision node: entry/exit rules → one decision per bar.

Direction: +1 where ``long`` fires and ``short`` does not, −1 for the reverse, 0 when
neither or both fire (a conflict is no trade) or when the ``confidence`` input is below
``min_confidence``. The reference entry is the bar's close. Stops and targets:

- ``atr``: close ∓ ``stop_atr`` × ATR (target ± ``target_atr`` × ATR);
- ``percent``: close × (1 ∓ ``stop_pct``) (target × (1 ± ``target_pct``));
- ``levels``: the nearest support below / resistance above (from the ``levels`` port);
- ``rr`` (target only): ``reward_risk`` times the stop distance.

A stop or target that is missing or not strictly on the correct side of the entry is
left empty (NaN). Confidence is the ``confidence`` input clipped to [0, 1] (1 when not
connected); ``exit`` passes through.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from tradegraph.indicators import atr
from tradegraph.workflow.nodes.common import (
    bars_in,
    choice_param,
    float_param,
    int_param,
    levels_in,
    p_float,
    p_int,
    p_str,
    series_in,
    signal_in,
    text_in,
)
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import EvalContext, Inputs, NodeType, Outputs, Params, Problem
from tradegraph.workflow.values import DecisionSeries, FloatArray, ObjectArray, constant

STOP_MODES = ("none", "atr", "percent", "levels")
TARGET_MODES = ("none", "atr", "percent", "levels", "rr")


def _uses_atr(params: Params) -> bool:
    return p_str(params, "stop") == "atr" or p_str(params, "target") == "atr"


def _uses_levels(params: Params) -> bool:
    return p_str(params, "stop") == "levels" or p_str(params, "target") == "levels"


def _stop(
    params: Params, close: FloatArray, sign: FloatArray, atr_v: FloatArray | None, inputs: Inputs
) -> FloatArray:
    mode = p_str(params, "stop")
    if mode == "none":
        return _nothing(len(close))
    if mode == "atr":
        assert atr_v is not None
        return close - sign * p_float(params, "stop_atr") * atr_v
    if mode == "percent":
        return close * (1.0 - sign * p_float(params, "stop_pct"))
    if mode == "levels":
        levels = levels_in(inputs, "levels")
        return np.where(sign > 0, levels.support, levels.resistance)
    return _nothing(len(close))


def _nothing(n: int) -> FloatArray:
    """An all-NaN price series (a read-only broadcast: no memory per bar)."""
    return cast(FloatArray, constant(np.nan, n, np.float64))


def _target(
    params: Params,
    *,
    close: FloatArray,
    sign: FloatArray,
    atr_v: FloatArray | None,
    stop: FloatArray,
    inputs: Inputs,
) -> FloatArray:
    mode = p_str(params, "target")
    if mode == "none":
        return _nothing(len(close))
    if mode == "atr":
        assert atr_v is not None
        return close + sign * p_float(params, "target_atr") * atr_v
    if mode == "percent":
        return close * (1.0 + sign * p_float(params, "target_pct"))
    if mode == "levels":
        levels = levels_in(inputs, "levels")
        return np.where(sign > 0, levels.resistance, levels.support)
    if mode == "rr":
        return close + sign * p_float(params, "reward_risk") * np.abs(close - stop)
    return _nothing(len(close))


def _evaluate(_ctx: EvalContext, inputs: Inputs, params: Params) -> Outputs:
    bars = bars_in(inputs)
    n = len(bars)
    no = np.zeros(n, dtype=np.bool_)
    long = signal_in(inputs, "long") if "long" in inputs else no
    short = signal_in(inputs, "short") if "short" in inputs else no
    # bools as 0/1 bytes: +1 long only, -1 short only, 0 neither or both (a conflict)
    direction = long.view(np.int8) - short.view(np.int8)
    if "confidence" in inputs:
        confidence = np.clip(np.nan_to_num(series_in(inputs, "confidence"), nan=0.0), 0.0, 1.0)
        minimum = p_float(params, "min_confidence")
        if minimum > 0:
            direction[confidence < minimum] = 0
        active = direction != 0
        confidence = np.where(active, confidence, 0.0)
    else:
        active = direction != 0
        confidence = cast(FloatArray, constant(1.0, n, np.float64))  # read where active
    close = bars.close
    stop_mode, target_mode = p_str(params, "stop"), p_str(params, "target")
    if stop_mode == "none" and target_mode == "none":
        stop = target = _nothing(n)
    else:
        sign = direction.astype(np.float64)
        atr_v = (
            atr(bars.high, bars.low, close, p_int(params, "atr_period"))
            if _uses_atr(params)
            else None
        )
        stop = _stop(params, close, sign, atr_v, inputs)
        target = _target(params, close=close, sign=sign, atr_v=atr_v, stop=stop, inputs=inputs)
        with np.errstate(invalid="ignore"):
            if stop_mode != "none":
                stop = np.where(active & ((close - stop) * sign > 0), stop, np.nan)
            if target_mode != "none":
                target = np.where(active & ((target - close) * sign > 0), target, np.nan)
    exits = signal_in(inputs, "exit") if "exit" in inputs else no
    if "reasoning" in inputs:
        reasoning = text_in(inputs, "reasoning").copy()
        reasoning[~(active | exits)] = None
    else:
        reasoning = cast(ObjectArray, constant(None, n, object))
    value = DecisionSeries(
        direction=direction,
        exit=exits,
        entry=close,
        stop=stop,
        target=target,
        confidence=confidence,
        reasoning=reasoning,
    )
    return {"decision": value}


def _check(params: Params) -> Problem | None:
    if p_str(params, "target") == "rr" and p_str(params, "stop") == "none":
        return (
            "target='rr' (a multiple of the stop distance) needs a stop",
            "Set stop to atr, percent or levels, or choose another target.",
        )
    return None


def _check_ports(params: Params, connected: frozenset[str]) -> Problem | None:
    if _uses_levels(params) and "levels" not in connected:
        return (
            "a level-based stop or target needs the 'levels' input port connected",
            "Add a support_resistance node and an edge <node>.levels → <this node>.levels.",
        )
    return None


def _tail(params: Params) -> int | None:
    return None if _uses_atr(params) else 1


def _warmup(params: Params) -> int:
    return p_int(params, "atr_period") if _uses_atr(params) else 0


def decision_node() -> NodeType:
    return NodeType(
        name="decision",
        title="Decision",
        category="decision",
        description="Entry/exit rules → a decision per bar with stop, target and confidence.",
        inputs=(
            port("bars", PortType.BARS, "the base bars (entry reference, ATR)"),
            port("long", PortType.SIGNAL, "enter long", required=False),
            port("short", PortType.SIGNAL, "enter short", required=False),
            port("exit", PortType.SIGNAL, "close the position", required=False),
            port("confidence", PortType.SERIES, "confidence in [0, 1]", required=False),
            port("levels", PortType.LEVELS, "support/resistance for stops", required=False),
            port("reasoning", PortType.TEXT, "why (e.g. an analyst's text)", required=False),
        ),
        outputs=(port("decision", PortType.DECISION, "the decision per bar"),),
        params=(
            choice_param("stop", "none", STOP_MODES, "how the stop-loss is set"),
            choice_param("target", "none", TARGET_MODES, "how the take-profit is set"),
            int_param("atr_period", 14, "ATR length", minimum=1, maximum=10_000),
            float_param(
                "stop_atr", 2.0, "stop distance in ATRs", minimum=0.0, exclusive_minimum=True
            ),
            float_param(
                "target_atr", 3.0, "target distance in ATRs", minimum=0.0, exclusive_minimum=True
            ),
            float_param(
                "stop_pct",
                0.02,
                "stop distance as a fraction",
                minimum=0.0,
                maximum=0.99,
                exclusive_minimum=True,
            ),
            float_param(
                "target_pct",
                0.04,
                "target distance as a fraction",
                minimum=0.0,
                exclusive_minimum=True,
            ),
            float_param(
                "reward_risk",
                2.0,
                "target distance / stop distance",
                minimum=0.0,
                exclusive_minimum=True,
            ),
            float_param(
                "min_confidence",
                0.0,
                "entries below this confidence are dropped",
                minimum=0.0,
                maximum=1.0,
            ),
        ),
        evaluate=_evaluate,
        warmup=_warmup,
        check=_check,
        step_tail=_tail,
        requires_one_of=("long", "short"),
        check_ports=_check_ports,
    )


__all__ = ["STOP_MODES", "TARGET_MODES", "decision_node"]
