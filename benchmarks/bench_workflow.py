"""Workflow benchmark: batch plan speed, step latency, and a backtest through a workflow
against the hand-coded sma_cross (the peer) in the same run.

1. Batch evaluation of the 3-indicator multi-timeframe template
   (SuperTrend 1d + MACD 4h + RSI 1h) on ``--bars`` base bars (budget ≤ 1 s at 1M).
2. Step decision latency of a 10-node single-timeframe rule workflow after ``--history``
   bars of history: p50 and p99, through the step engine directly and through the
   compiled LangGraph graph (budget p99 ≤ 3 ms).
3. SMA-cross backtest on ``--bars`` bars: the ``sma_cross`` template through the batch
   plan + engine vs the hand-coded strategy + engine (budget ≤ 1.5×).

Times are wall clock, best of ``--repeat`` after a warm-up run (JIT caches loaded).

    .venv/bin/python -m benchmarks.bench_workflow [--bars 1000000] [--history 5000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from tradegraph.backtest import MarketData, run_backtest
from tradegraph.backtest.strategies import get_strategy
from tradegraph.data import synthetic_ohlcv
from tradegraph.model.timeframe import Timeframe
from tradegraph.services.workflows import workflow_strategy
from tradegraph.workflow import BatchPlan, StepEngine, WorkflowSpec, compile_graph, resolve
from tradegraph.workflow.step import bar_row
from tradegraph.workflow.templates import load_template
from tradegraph.workflow.values import Bars

RULES_10 = {
    "metadata": {"id": "bench_rules_10", "name": "10-node rule workflow"},
    "inputs": [{"name": "main", "timeframe": "1h"}],
    "nodes": [
        {"id": "price", "type": "feed"},
        {"id": "ema_fast", "type": "ema", "params": {"period": 12}},
        {"id": "ema_slow", "type": "ema", "params": {"period": 26}},
        {"id": "rsi", "type": "rsi", "params": {"period": 14}},
        {"id": "band", "type": "threshold", "params": {"lower": 30.0, "upper": 70.0}},
        {"id": "up", "type": "cross_over"},
        {"id": "down", "type": "cross_under"},
        {"id": "go_long", "type": "and"},
        {"id": "go_short", "type": "and"},
        {"id": "decide", "type": "decision", "params": {"stop": "percent", "target": "rr"}},
    ],
    "edges": [
        {"source": "price.close", "target": "ema_fast.series"},
        {"source": "price.close", "target": "ema_slow.series"},
        {"source": "price.close", "target": "rsi.series"},
        {"source": "rsi.value", "target": "band.series"},
        {"source": "ema_fast.value", "target": "up.a"},
        {"source": "ema_slow.value", "target": "up.b"},
        {"source": "ema_fast.value", "target": "down.a"},
        {"source": "ema_slow.value", "target": "down.b"},
        {"source": "up.signal", "target": "go_long.inputs"},
        {"source": "band.between", "target": "go_long.inputs"},
        {"source": "down.signal", "target": "go_short.inputs"},
        {"source": "band.between", "target": "go_short.inputs"},
        {"source": "price.bars", "target": "decide.bars"},
        {"source": "go_long.signal", "target": "decide.long"},
        {"source": "go_short.signal", "target": "decide.short"},
    ],
    "outputs": [{"name": "decision", "source": "decide.decision"}],
}


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _latencies(step: Callable[[int], object], start: int, count: int) -> tuple[float, float]:
    samples = []
    for t in range(start, start + count):
        started = time.perf_counter()
        step(t)
        samples.append(time.perf_counter() - started)
    ms = np.array(samples) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--history", type=int, default=5_000)
    parser.add_argument("--steps", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args()
    rows: list[tuple[str, str, str, str]] = []

    frame = synthetic_ohlcv("1h", args.bars, seed=42)
    bars = Bars.from_frame(frame, Timeframe.parse("1h"))

    mtf = BatchPlan(resolve(load_template("supertrend_macd_rsi_mtf")))
    seconds = _best(lambda: mtf.run(bars), args.repeat)
    rows.append(
        (
            "batch: SuperTrend 1d + MACD 4h + RSI 1h",
            f"{seconds:.3f} s",
            "≤ 1 s",
            f"{args.bars / seconds / 1e6:.1f}M bars/s",
        )
    )

    graph = resolve(WorkflowSpec.model_validate(RULES_10))
    steps = min(args.steps, args.bars - args.history)
    engine = StepEngine(graph)
    for t in range(args.history):
        engine.step(bar_row(bars, t))
    p50, p99 = _latencies(lambda t: engine.step(bar_row(bars, t)), args.history, steps)
    rows.append(
        (
            f"step, 10 rule nodes, direct engine ({args.history} bars kept)",
            f"p50 {p50:.3f} ms",
            "p99 ≤ 3 ms",
            f"p99 {p99:.3f} ms",
        )
    )
    step_graph = compile_graph(graph)
    for t in range(args.history):
        step_graph.engine.step(bar_row(bars, t))
    p50, p99 = _latencies(lambda t: step_graph.step(bar_row(bars, t)), args.history, steps)
    rows.append(
        (
            f"step, 10 rule nodes, LangGraph graph ({args.history} bars kept)",
            f"p50 {p50:.3f} ms",
            "p99 ≤ 3 ms",
            f"p99 {p99:.3f} ms",
        )
    )

    market = MarketData.from_frame(frame)
    # one strategy per run, built beforehand, so no run reuses another's node outputs
    fresh = [
        workflow_strategy("sma_cross", timeframe="1h", volume_frame=frame)
        for _ in range(args.repeat + 1)
    ]
    hand = get_strategy("sma_cross")
    params = {"fast": 10, "slow": 20}

    def through_workflow() -> None:
        strategy = fresh.pop()
        run_backtest(market, strategy.builder(market, params))

    def hand_coded() -> None:
        run_backtest(market, hand(market, params, None))

    ours = _best(through_workflow, args.repeat)
    peer = _best(hand_coded, args.repeat)
    rows.append(
        (
            "backtest sma_cross via workflow",
            f"{ours:.3f} s",
            "≤ 1.5× peer",
            f"{ours / peer:.2f}× peer",
        )
    )
    rows.append(
        (
            "backtest sma_cross hand-coded (peer)",
            f"{peer:.3f} s",
            "",
            f"{args.bars / peer / 1e6:.1f}M bars/s",
        )
    )

    width = max(len(r[0]) for r in rows)
    print(f"workflow benchmark, {args.bars:,} base bars (1h synthetic)")
    print(f"{'measurement':<{width}}  {'figure':>16}  {'budget':>12}  {'note':>16}")
    for name, figure, budget, note in rows:
        print(f"{name:<{width}}  {figure:>16}  {budget:>12}  {note:>16}")


if __name__ == "__main__":
    main()
