"""Source and timeframe nodes: ``feed``, ``resample``, ``align`` and ``align_signal``.

Multi-timeframe without look-ahead: ``resample`` aggregates bars into a higher
timeframe and keeps only complete bars; ``align`` maps a higher-timeframe series onto
the base bars so that a higher bar becomes visible on the first base bar opening at or
after its close (the rule of :func:`tradegraph.data.align_to`).
"""

from __future__ import annotations

import numpy as np

from tradegraph.data.grid import floor_ns
from tradegraph.data.resample import resample_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.workflow.nodes.common import (
    bars_in,
    choice_param,
    p_str,
    series_in,
    signal_in,
    tail_of,
)
from tradegraph.workflow.ports import PortType, port
from tradegraph.workflow.registry import EvalContext, Inputs, NodeParam, NodeType, Outputs, Params
from tradegraph.workflow.values import Bars, BoolArray, FloatArray, IntArray

TIMEFRAMES = ("3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w")
_COLUMNS = ("open", "high", "low", "close", "volume")
_BAR_OUTPUTS = (
    port("bars", PortType.BARS, "the bars"),
    *(port(c, PortType.SERIES, f"{c} of each bar") for c in _COLUMNS),
)


def resample_bars(bars: Bars, target: Timeframe) -> Bars:
    """The complete ``target`` bars built from ``bars`` (see tradegraph.data.resample)."""
    frame = resample_ohlcv(bars.to_frame(), bars.timeframe, target).complete_bars()
    return Bars.from_frame(frame, target)


def _bar_outputs(bars: Bars) -> Outputs:
    return {"bars": bars, **{c: bars.column(c) for c in _COLUMNS}}


def higher_bars_unchanged(ctx: EvalContext, _params: Params) -> bool:
    """True when the newest base bar cannot have changed the complete bars of
    ``ctx.timeframe``: it does not close its higher bar, and it does not start a new
    higher bar while the previous one was still open (gaps make that one complete)."""
    target = ctx.timeframe
    if target == ctx.base_timeframe:
        return False
    times = ctx.base_time_ns
    if len(times) < 2:
        return False
    step = ctx.base_timeframe.nanoseconds
    previous, last = (int(b) for b in floor_ns(times[-2:], target))
    if int(times[-1]) + step >= last + target.nanoseconds:
        return False  # the newest bar completes its higher bar
    if last == previous:
        return True
    return int(times[-2]) + step >= previous + target.nanoseconds  # was already complete


def _feed(ctx: EvalContext, _inputs: Inputs, params: Params) -> Outputs:
    name = p_str(params, "input") or next(iter(ctx.feeds))
    return _bar_outputs(ctx.feeds[name])


def _resample(ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    return _bar_outputs(resample_bars(bars_in(inputs), ctx.timeframe))


def visible_positions(ctx: EvalContext, port_name: str) -> IntArray:
    """For each base bar, the index of the last higher bar visible on it (−1: none)."""
    higher_tf = ctx.input_timeframes[port_name]
    visible_at = ctx.timelines[higher_tf] + higher_tf.nanoseconds
    positions: IntArray = np.searchsorted(visible_at, ctx.base_time_ns, side="right") - 1
    return positions


def _align(ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    values = series_in(inputs, "series")
    pos = visible_positions(ctx, "series")
    out: FloatArray = np.full(len(pos), np.nan)
    seen = pos >= 0
    out[seen] = values[pos[seen]]
    return {"series": out}


def _align_signal(ctx: EvalContext, inputs: Inputs, _params: Params) -> Outputs:
    values = signal_in(inputs, "signal")
    pos = visible_positions(ctx, "signal")
    out: BoolArray = np.zeros(len(pos), dtype=np.bool_)
    seen = pos >= 0
    out[seen] = values[pos[seen]]
    return {"signal": out}


def source_nodes() -> list[NodeType]:
    """The feed, resample and alignment node types."""
    return [
        NodeType(
            name="feed",
            title="Market data feed",
            category="source",
            description="The bars of one workflow input (default: the first, the base "
            "timeframe); inputs at a higher timeframe are resampled from the base feed.",
            inputs=(),
            outputs=_BAR_OUTPUTS,
            params=(NodeParam("input", "str", "", "workflow input name ('' = the first)"),),
            evaluate=_feed,
            timeframe_rule="feed",
            step_unchanged=higher_bars_unchanged,
        ),
        NodeType(
            name="resample",
            title="Resample",
            category="source",
            description="Aggregate bars into a higher timeframe (complete bars only).",
            inputs=(port("bars", PortType.BARS, "bars of a lower timeframe"),),
            outputs=_BAR_OUTPUTS,
            params=(choice_param("timeframe", "4h", TIMEFRAMES, "target timeframe"),),
            evaluate=_resample,
            timeframe_rule="resample",
            step_unchanged=higher_bars_unchanged,
        ),
        NodeType(
            name="align",
            title="Align to base bars",
            category="align",
            description="A higher-timeframe series as visible on each base bar (no "
            "look-ahead: a higher bar shows from the first base bar opening at its close).",
            inputs=(port("series", PortType.SERIES, "a higher-timeframe series"),),
            outputs=(port("series", PortType.SERIES, "the series on the base bars"),),
            params=(),
            evaluate=_align,
            timeframe_rule="align",
            step_tail=tail_of(1),
        ),
        NodeType(
            name="align_signal",
            title="Align signal to base bars",
            category="align",
            description="A higher-timeframe signal as visible on each base bar (False "
            "before the first higher bar closes).",
            inputs=(port("signal", PortType.SIGNAL, "a higher-timeframe signal"),),
            outputs=(port("signal", PortType.SIGNAL, "the signal on the base bars"),),
            params=(),
            evaluate=_align_signal,
            timeframe_rule="align",
            step_tail=tail_of(1),
        ),
    ]


__all__ = ["TIMEFRAMES", "higher_bars_unchanged", "resample_bars", "source_nodes"]
