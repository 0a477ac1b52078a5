"""Indicators over 1M bars, each beside TA-Lib's time from the same run.

Run: ``.venv/bin/python -m benchmarks.bench_indicators [--bars N] [--repeat R]``.

For TA-Lib-backed indicators the peer is the bare TA-Lib call (so the ratio is our
wrapper overhead: coercion, validation, result tuple). For own implementations the peer
is the closest TA-Lib C computation:

- SuperTrend: ``ATR`` (SuperTrend is ATR plus one pass over the bars);
- VWAP: ``TYPPRICE`` + two ``SUM`` over the window + a division;
- Donchian: ``MAX`` + ``MIN``; Keltner: ``EMA`` + ``ATR``;
- volume profile: ``CCI`` over the same window — the TA-Lib function that, like a
  rolling profile, rescans the window on every bar (O(window) per bar).

Timings are the best of ``--repeat`` runs, ours and the peer alternating, after a
warm-up call (numba kernels compiled or loaded from the on-disk cache before timing).
Both sides include allocating their output arrays (an indicator with more outputs pays
for more memory).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import talib

from tradegraph import indicators as ti

BUDGET = 3.0  # own implementations within 3x of TA-Lib-class C speed (DESIGN.md §6)


@dataclass(frozen=True)
class Data:
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    timestamps: np.ndarray


@dataclass(frozen=True)
class Case:
    name: str
    own: bool  # an own implementation (held to the 3x budget) or a TA-Lib wrapper
    ours: Callable[[Data], object]
    peer_label: str
    peer: Callable[[Data], object]


def make_data(n: int, seed: int = 7) -> Data:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    span = np.abs(rng.normal(0.0, 0.006, n)) * close
    high = close + span * rng.random(n)
    low = close - span * rng.random(n)
    volume = rng.lognormal(8.0, 0.7, n)
    timestamps = np.int64(1_700_000_000_000_000_000) + np.arange(n, dtype=np.int64) * 60_000_000_000
    return Data(high, low, close, volume, timestamps)


def _vwap_peer(d: Data, window: int) -> object:
    tp = talib.TYPPRICE(d.high, d.low, d.close)
    return talib.SUM(tp * d.volume, window) / talib.SUM(d.volume, window)


def cases() -> list[Case]:
    return [
        Case(
            "sma(20)", False, lambda d: ti.sma(d.close, 20), "SMA", lambda d: talib.SMA(d.close, 20)
        ),
        Case(
            "ema(20)", False, lambda d: ti.ema(d.close, 20), "EMA", lambda d: talib.EMA(d.close, 20)
        ),
        Case(
            "wma(20)", False, lambda d: ti.wma(d.close, 20), "WMA", lambda d: talib.WMA(d.close, 20)
        ),
        Case("rsi(14)", False, lambda d: ti.rsi(d.close), "RSI", lambda d: talib.RSI(d.close, 14)),
        Case("macd", False, lambda d: ti.macd(d.close), "MACD", lambda d: talib.MACD(d.close)),
        Case(
            "bollinger(20)",
            False,
            lambda d: ti.bollinger(d.close),
            "BBANDS",
            lambda d: talib.BBANDS(d.close, 20, 2.0, 2.0, 0),
        ),
        Case(
            "atr(14)",
            False,
            lambda d: ti.atr(d.high, d.low, d.close),
            "ATR",
            lambda d: talib.ATR(d.high, d.low, d.close, 14),
        ),
        Case(
            "stoch_fast",
            False,
            lambda d: ti.stoch_fast(d.high, d.low, d.close),
            "STOCHF",
            lambda d: talib.STOCHF(d.high, d.low, d.close, 14, 3, 0),
        ),
        Case(
            "stoch_slow",
            False,
            lambda d: ti.stoch_slow(d.high, d.low, d.close),
            "STOCH",
            lambda d: talib.STOCH(d.high, d.low, d.close, 14, 3, 0, 3, 0),
        ),
        Case(
            "cci(20)",
            False,
            lambda d: ti.cci(d.high, d.low, d.close),
            "CCI",
            lambda d: talib.CCI(d.high, d.low, d.close, 20),
        ),
        Case(
            "mfi(14)",
            False,
            lambda d: ti.mfi(d.high, d.low, d.close, d.volume),
            "MFI",
            lambda d: talib.MFI(d.high, d.low, d.close, d.volume, 14),
        ),
        Case(
            "adx(14)",
            False,
            lambda d: ti.adx(d.high, d.low, d.close),
            "ADX+PLUS_DI+MINUS_DI",
            lambda d: (
                talib.ADX(d.high, d.low, d.close, 14),
                talib.PLUS_DI(d.high, d.low, d.close, 14),
                talib.MINUS_DI(d.high, d.low, d.close, 14),
            ),
        ),
        Case(
            "obv",
            False,
            lambda d: ti.obv(d.close, d.volume),
            "OBV",
            lambda d: talib.OBV(d.close, d.volume),
        ),
        Case(
            "supertrend(10,3)",
            True,
            lambda d: ti.supertrend(d.high, d.low, d.close),
            "ATR",
            lambda d: talib.ATR(d.high, d.low, d.close, 10),
        ),
        Case(
            "vwap_session(1d)",
            True,
            lambda d: ti.vwap_session(d.high, d.low, d.close, d.volume, d.timestamps),
            "TYPPRICE+2xSUM",
            lambda d: _vwap_peer(d, 1440),
        ),
        Case(
            "vwap_rolling(20)",
            True,
            lambda d: ti.vwap_rolling(d.high, d.low, d.close, d.volume, 20),
            "TYPPRICE+2xSUM",
            lambda d: _vwap_peer(d, 20),
        ),
        Case(
            "vwap_anchored(0)",
            True,
            lambda d: ti.vwap_anchored(d.high, d.low, d.close, d.volume, 0),
            "TYPPRICE+2xSUM",
            lambda d: _vwap_peer(d, 20),
        ),
        Case(
            "donchian(20)",
            True,
            lambda d: ti.donchian(d.high, d.low, 20),
            "MAX+MIN",
            lambda d: (talib.MAX(d.high, 20), talib.MIN(d.low, 20)),
        ),
        Case(
            "keltner(20,2,10)",
            True,
            lambda d: ti.keltner(d.high, d.low, d.close),
            "EMA+ATR",
            lambda d: (talib.EMA(d.close, 20), talib.ATR(d.high, d.low, d.close, 10)),
        ),
        *(
            Case(
                f"volume_profile({window},24)",
                True,
                lambda d, w=window: ti.volume_profile(d.high, d.low, d.close, d.volume, w),
                f"CCI({window})",
                lambda d, w=window: talib.CCI(d.high, d.low, d.close, w),
            )
            for window in (20, 100)
        ),
    ]


def _timed(function: Callable[[Data], object], data: Data) -> float:
    start = time.perf_counter()
    function(data)
    return time.perf_counter() - start


def best_of(case: Case, data: Data, repeat: int) -> tuple[float, float]:
    """Best times of ours and the peer, run alternately so both see the same machine load."""
    ours: list[float] = []
    peer: list[float] = []
    for _ in range(repeat):
        ours.append(_timed(case.ours, data))
        peer.append(_timed(case.peer, data))
    return min(ours), min(peer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = make_data(args.bars)
    small = make_data(500)
    all_cases = cases()
    for case in all_cases:  # compile / load numba kernels before timing
        case.ours(small)
        case.peer(small)
    print(f"indicators over {args.bars:,} bars (best of {args.repeat}); peer = TA-Lib C")
    header = f"{'indicator':<24}{'ours ms':>9}{'Mbars/s':>9}  {'TA-Lib peer':<22}{'peer ms':>9}{'ratio':>7}"
    print(header)
    print("-" * len(header))
    worst_own = 0.0
    for case in all_cases:
        ours, peer = best_of(case, data, args.repeat)
        ratio = ours / peer
        if case.own:
            worst_own = max(worst_own, ratio)
        flag = "" if not case.own else ("  ok" if ratio <= BUDGET else "  OVER 3x")
        print(
            f"{case.name:<24}{ours * 1e3:>9.2f}{args.bars / ours / 1e6:>9.1f}  "
            f"{case.peer_label:<22}{peer * 1e3:>9.2f}{ratio:>7.2f}{flag}"
        )
    print(f"worst own-implementation ratio: {worst_own:.2f} (budget {BUDGET:.0f}x)")


if __name__ == "__main__":
    main()
