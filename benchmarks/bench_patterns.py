"""Patterns, regime, confluence and calibration over 1M bars (budget: all patterns ≤ 2 s).

Run: ``.venv/bin/python -m benchmarks.bench_patterns [--bars N] [--repeat R]``.

Each row is the best of ``--repeat`` runs after a warm-up call (numba kernels compiled or
loaded from the on-disk cache first). Candlesticks are timed beside the raw TA-Lib CDL
calls they wrap (the ratio is the cost of validation and the confidence score); pin bar
and inside bar have no TA-Lib function, so their peer is the closest CDL one (CDLHAMMER:
one-bar shadow geometry; CDLHARAMI: two-bar containment). Other detectors have no peer.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import talib

from tradegraph import patterns as tp

BUDGET_S = 2.0  # all patterns over 1M bars (issue #4)


@dataclass(frozen=True)
class Data:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # "pattern" (counted in the 2 s budget) or "scoring"
    ours: Callable[[Data], object]
    peer_label: str = ""
    peer: Callable[[Data], object] | None = None


def make_data(n: int, seed: int = 7) -> Data:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    open_ = np.empty(n)
    open_[0] = close[0]
    open_[1:] = close[:-1] * (1.0 + rng.normal(0.0, 0.0004, n - 1))
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, 0.001, n)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, 0.001, n)))
    volume = rng.lognormal(8.0, 0.7, n)
    return Data(open_, high, low, close, volume)


def _ohlc(d: Data) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return d.open, d.high, d.low, d.close


def _cdl(*names: str) -> Callable[[Data], object]:
    def run(d: Data) -> object:
        return [getattr(talib, name)(*_ohlc(d)) for name in names]

    return run


def _confluence(d: Data) -> object:
    reg = tp.regime(d.high, d.low, d.close)
    components = [
        tp.Component("engulfing", tp.engulfing(*_ohlc(d)).signal, role=tp.ComponentRole.REVERSAL),
        tp.Component("pin_bar", tp.pin_bar(*_ohlc(d)).signal, role=tp.ComponentRole.REVERSAL),
        tp.Component("trend", reg.trend_score, weight=2.0, role=tp.ComponentRole.TREND),
        tp.Component(
            "breakout",
            tp.range_breakout(d.high, d.low, d.close, d.volume).signal,
            role=tp.ComponentRole.BREAKOUT,
        ),
    ]
    return tp.confluence(components, reg)


def cases() -> list[Case]:
    return [
        Case("pin_bar", "pattern", lambda d: tp.pin_bar(*_ohlc(d)), "CDLHAMMER", _cdl("CDLHAMMER")),
        Case(
            "hammer_shooting_star",
            "pattern",
            lambda d: tp.hammer_shooting_star(*_ohlc(d)),
            "CDLHAMMER+CDLSHOOTINGSTAR",
            _cdl("CDLHAMMER", "CDLSHOOTINGSTAR"),
        ),
        Case(
            "engulfing",
            "pattern",
            lambda d: tp.engulfing(*_ohlc(d)),
            "CDLENGULFING",
            _cdl("CDLENGULFING"),
        ),
        Case("doji", "pattern", lambda d: tp.doji(*_ohlc(d)), "CDLDOJI", _cdl("CDLDOJI")),
        Case(
            "inside_bar",
            "pattern",
            lambda d: tp.inside_bar(*_ohlc(d)),
            "CDLHARAMI",
            _cdl("CDLHARAMI"),
        ),
        Case(
            "morning_evening_star",
            "pattern",
            lambda d: tp.morning_evening_star(*_ohlc(d)),
            "CDLMORNINGSTAR+CDLEVENINGSTAR",
            _cdl("CDLMORNINGSTAR", "CDLEVENINGSTAR"),
        ),
        Case("swing_pivots(5,5)", "pattern", lambda d: tp.swing_pivots(d.high, d.low)),
        Case(
            "support_resistance",
            "pattern",
            lambda d: tp.support_resistance(d.high, d.low, d.close),
        ),
        Case("levels_as_of(end)", "pattern", lambda d: tp.levels_as_of(d.high, d.low, d.close)),
        Case(
            "range_breakout(20)",
            "pattern",
            lambda d: tp.range_breakout(d.high, d.low, d.close, d.volume),
        ),
        Case(
            "level_break",
            "pattern",
            lambda d: tp.level_break(d.high, d.low, d.close, d.volume),
        ),
        Case("divergence(rsi)", "pattern", lambda d: tp.divergence(d.high, d.low, d.close)),
        Case(
            "divergence(macd)",
            "pattern",
            lambda d: tp.divergence(d.high, d.low, d.close, tp.DivergenceConfig(oscillator="macd")),
        ),
        Case("regime", "scoring", lambda d: tp.regime(d.high, d.low, d.close)),
        Case("confluence(4 comp.)", "scoring", _confluence),
        Case(
            "calibrate",
            "scoring",
            lambda d: tp.calibrate(np.tanh(np.diff(d.close, prepend=d.close[0]) * 500), d.close),
        ),
    ]


def best_of(function: Callable[[Data], object], data: Data, repeat: int) -> float:
    function(data)  # warm-up: numba compile or cache load, TA-Lib init
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(data)
        timings.append(time.perf_counter() - start)
    return min(timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    data = make_data(args.bars)

    print(f"patterns over {args.bars:,} bars (best of {args.repeat})")
    header = f"{'case':<24}{'ours ms':>10}  {'peer (TA-Lib)':<30}{'peer ms':>9}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    totals = {"pattern": 0.0, "scoring": 0.0}
    cdl_ours = cdl_peer = 0.0
    for case in cases():
        ours = best_of(case.ours, data, args.repeat)
        totals[case.group] += ours
        if case.peer is not None:
            peer = best_of(case.peer, data, args.repeat)
            cdl_ours += ours
            cdl_peer += peer
            print(
                f"{case.name:<24}{ours * 1e3:>10.1f}  {case.peer_label:<30}"
                f"{peer * 1e3:>9.1f}{ours / peer:>7.2f}x"
            )
        else:
            print(f"{case.name:<24}{ours * 1e3:>10.1f}  {'-':<30}{'':>9}{'':>8}")
    print("-" * len(header))
    print(
        f"{'candlesticks':<24}{cdl_ours * 1e3:>10.1f}  {'raw TA-Lib CDL':<30}"
        f"{cdl_peer * 1e3:>9.1f}{cdl_ours / cdl_peer:>7.2f}x"
    )
    verdict = "within" if totals["pattern"] <= BUDGET_S else "OVER"
    print(
        f"{'all patterns':<24}{totals['pattern'] * 1e3:>10.1f}  "
        f"budget {BUDGET_S * 1e3:.0f} ms: {verdict}"
    )
    print(f"{'regime+confluence+calib':<24}{totals['scoring'] * 1e3:>10.1f}")


if __name__ == "__main__":
    main()
