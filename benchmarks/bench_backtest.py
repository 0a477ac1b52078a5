"""Backtest engine benchmark: tradegraph vs backtesting.py vs vectorbt, same run.

Same strategy (SMA cross, long only, 0.2% commission, next-open fills, whole units), same
synthetic data (seeded 1-minute random walk). Each measurement runs in its own
subprocess so peak memory (max RSS) belongs to one engine. Times are wall clock, best of
``--repeat`` after a warm-up run (JIT caches loaded), end to end: market arrays in,
indicators, signals, fills, fees and the statistics out. backtesting.py is a per-bar
Python loop, so it runs on ``--bt-bars`` bars (default 100k) and is reported in bars/s.

tradegraph's first call in a new process is reported too: with the on-disk JIT cache
(what users see) and with an empty cache (the one-off compile).

    .venv/bin/python -m benchmarks.bench_backtest [--bars 1000000] [--sweep] [--repeat 5]
"""

# Each engine is imported only inside its own measuring subprocess, so that the peak
# memory reported belongs to that engine alone.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable

import numpy as np

FAST, SLOW = 10, 20
SWEEP = [(f, s) for f in range(5, 55, 5) for s in range(10, 210, 10) if f < s]


def _data(bars: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(42)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, bars)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, 0.0002, bars - 1))])
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, 0.001, bars))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, 0.001, bars))
    index = (np.arange(bars, dtype=np.int64) * 60 + 1_600_000_000) * 10**9
    return open_, high, low, close, index


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best of ``repeat`` timed calls, seconds of the warm-up call made before them)."""
    started = time.perf_counter()
    fn()  # warm-up: JIT compile or cache load
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), first


def _tradegraph(task: str, bars: int, repeat: int) -> dict[str, float]:
    from tradegraph.backtest import BacktestConfig, Intents, MarketData, run_backtest
    from tradegraph.backtest.signals import crosses
    from tradegraph.backtest.strategies import get_strategy
    from tradegraph.backtest.sweep import run_sweep
    from tradegraph.indicators import sma

    o, h, lo, c, idx = _data(bars)
    cfg = BacktestConfig(commission_pct=0.002)
    engine_s: list[float] = []
    if task in {"single", "first"}:

        def single() -> object:
            market = MarketData.from_arrays(o, h, lo, c, index_ns=idx)
            up, down = crosses(sma(c, FAST), sma(c, SLOW))
            result = run_backtest(market, Intents(entry_long=up, entry_short=down), cfg)
            engine_s.append(result.elapsed_s)
            return result.stats

        if task == "first":  # one call in a fresh process: compile or cache load included
            started = time.perf_counter()
            single()
            return {"seconds": time.perf_counter() - started}
        best, first = _best(single, repeat)
        return {"seconds": best, "first_s": first, "engine_s": min(engine_s)}
    market = MarketData.from_arrays(o, h, lo, c, index_ns=idx)
    combos = [{"fast": float(f), "slow": float(s)} for f, s in SWEEP]

    def sweep() -> object:
        return run_sweep(market, get_strategy("sma_cross"), combos, cfg, workers=2)

    best, first = _best(sweep, max(1, repeat - 2))
    return {"seconds": best, "first_s": first}


def _vectorbt(task: str, bars: int, repeat: int) -> dict[str, float]:
    import pandas as pd
    import vectorbt as vbt

    o, _h, _lo, c, idx = _data(bars)
    close = pd.Series(c, index=pd.to_datetime(idx))
    open_ = pd.Series(o, index=close.index)

    def run(fast: list[int], slow: list[int]) -> object:
        f = vbt.MA.run(close, fast, short_name="f").ma
        s = vbt.MA.run(close, slow, short_name="s").ma
        f.columns = s.columns = range(len(fast))
        up = (f > s) & (f.shift() < s.shift())
        down = (f < s) & (f.shift() > s.shift())
        # signals on bar t's close fill at bar t+1's open: shift and trade at the open
        pf = vbt.Portfolio.from_signals(
            open_, up.shift(1, fill_value=False), down.shift(1, fill_value=False),
            fees=0.002, init_cash=10_000, size_granularity=1, freq="1min",
        )  # fmt: skip
        return pf.total_return()

    if task == "single":
        return {"seconds": _best(lambda: run([FAST], [SLOW]), repeat)[0]}
    chunks = [SWEEP[i : i + 25] for i in range(0, len(SWEEP), 25)]

    def sweep() -> object:
        return [run([f for f, _ in ch], [s for _, s in ch]) for ch in chunks]

    return {"seconds": _best(sweep, 1)[0]}


def _backtesting_py(task: str, bars: int, repeat: int) -> dict[str, float]:
    import pandas as pd
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover

    from tradegraph.indicators import sma

    o, h, lo, c, idx = _data(bars)
    frame = pd.DataFrame({"Open": o, "High": h, "Low": lo, "Close": c}, index=pd.to_datetime(idx))

    class SmaCross(Strategy):
        def init(self) -> None:
            self.f = self.I(sma, self.data.Close, FAST)
            self.s = self.I(sma, self.data.Close, SLOW)

        def next(self) -> None:
            if crossover(self.f, self.s):
                if not self.position:
                    self.buy()
            elif crossover(self.s, self.f):
                self.position.close()

    def run() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Backtest(frame, SmaCross, cash=10_000, commission=0.002).run()

    if task != "single":
        return {"seconds": float("nan")}
    return {"seconds": _best(run, max(1, repeat - 2))[0]}


ENGINES = {"tradegraph": _tradegraph, "vectorbt": _vectorbt, "backtesting.py": _backtesting_py}


def _child(engine: str, task: str, bars: int, repeat: int) -> None:
    out = ENGINES[engine](task, bars, repeat)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _measure(
    engine: str, task: str, bars: int, repeat: int, env: dict[str, str] | None = None
) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.bench_backtest", "--child", engine, task]
    cmd += ["--bars", str(bars), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        print(f"  {engine} {task} failed: {tail[0]}")
        return {"seconds": float("nan"), "peak_mb": float("nan")}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _first_calls(bars: int) -> tuple[float, float]:
    """tradegraph's first single run in a new process: (JIT cache warm, cache empty)."""
    warm = _measure("tradegraph", "first", bars, 1)["seconds"]
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=empty)
        cold = _measure("tradegraph", "first", bars, 1, env)["seconds"]
    return warm, cold


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--bt-bars", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="also run the 175-combo sweep")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "TASK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], args.bars, args.repeat)
        return
    print(f"single SMA({FAST},{SLOW}) cross backtest, end to end (indicators+signals+fills+fees"
          "+stats)")  # fmt: skip
    print(f"{'engine':<16}{'bars':>10}{'seconds':>10}{'M bars/s':>10}{'peak MB':>10}")
    rates: dict[str, float] = {}
    tradegraph: dict[str, float] = {}
    for engine in ENGINES:
        bars = args.bt_bars if engine == "backtesting.py" else args.bars
        m = _measure(engine, "single", bars, args.repeat)
        if engine == "tradegraph":
            tradegraph = m
        rates[engine] = bars / m["seconds"]
        print(
            f"{engine:<16}{bars:>10}{m['seconds']:>10.4f}{rates[engine] / 1e6:>10.2f}"
            f"{m['peak_mb']:>10.0f}"
        )
    for peer in ("vectorbt", "backtesting.py"):
        print(f"tradegraph / {peer}: {rates['tradegraph'] / rates[peer]:.1f}x (bars/s)")
    if "engine_s" in tradegraph:
        print(f"tradegraph run_backtest alone (elapsed_s): {tradegraph['engine_s']:.4f} s")
    warm, cold = _first_calls(args.bars)
    print(f"tradegraph first call in a new process: {warm:.2f} s with the JIT cache, "
          f"{cold:.1f} s compiling from an empty cache")  # fmt: skip
    if args.sweep:
        print(f"\nsweep fast 5..50/5 x slow 10..200/10, fast<slow: {len(SWEEP)} combos, "
              f"{args.bars} bars")  # fmt: skip
        print(f"{'engine':<16}{'seconds':>10}{'combos/s':>10}{'peak MB':>10}")
        combo_rates: dict[str, float] = {}
        for engine in ("tradegraph", "vectorbt"):
            m = _measure(engine, "sweep", args.bars, args.repeat)
            combo_rates[engine] = len(SWEEP) / m["seconds"]
            print(f"{engine:<16}{m['seconds']:>10.2f}{combo_rates[engine]:>10.1f}"
                  f"{m['peak_mb']:>10.0f}")  # fmt: skip
        ratio = combo_rates["tradegraph"] / combo_rates["vectorbt"]
        print(f"tradegraph / vectorbt: {ratio:.1f}x (combos/s)")


if __name__ == "__main__":
    main()
