"""Indicators over 1M bars, each beside a TA-Lib-class C peer's time from the same run.

Run: ``.venv/bin/python -m benchmarks.bench_indicators [--bars N] [--repeat R] [--only S]``.

For TA-Lib-backed indicators the peer is the bare TA-Lib call (so the ratio is our
wrapper overhead: coercion, validation, result tuple). For own implementations (held to
the 3x budget of DESIGN.md §6) the peer is the closest C computation:

- SuperTrend: TA-Lib ``ATR`` (SuperTrend is ATR plus a serial band/trend pass);
- VWAP: ``TYPPRICE`` + two ``SUM`` over the window + a division;
- Donchian: ``MAX`` + ``MIN``; Keltner: ``EMA`` + ``ATR``;
- volume profile: TA-Lib has none, and no TA-Lib function does comparable work (a
  profile spreads every window bar over the rows whenever the window's range moves,
  then walks the value area, O(window · rows) per range change and O(rows) per bar).
  The peer is the same algorithm written as plain C99 loops, the way TA-Lib is written,
  compiled here with ``cc -O3 -march=native -ffp-contract=off`` (strict IEEE like ours)
  and checked to give bit-identical results. Without a C compiler the row falls back
  to TA-Lib ``CCI`` over the window (an O(window) rescan per bar with two flops per
  window bar, far less work), shown for information and not held to the budget.

Timings are the best of ``--repeat`` runs, ours and the peer alternating, after a
warm-up call (numba kernels compiled or loaded from the on-disk cache before timing);
the machine is shared, so the best run is the one least disturbed. Both sides include
allocating their output arrays (an indicator with more outputs pays for more memory).
"""

from __future__ import annotations

import argparse
import ctypes
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
    budgeted: bool = True  # False: no peer held to the budget (shown for information)
    info_label: str = ""  # a second, information-only peer (not held to the budget)
    info_peer: Callable[[Data], object] | None = None


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


# The volume profile's C peer: the algorithm of tradegraph.indicators.profile_kernels
# (range distribution) as plain C loops. Kept operation for operation identical, so the
# benchmark can check that both compute the same numbers before timing them.
_PROFILE_C = r"""
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

void vp_prepare(const double *high, const double *low, const double *close,
                const double *volume, int64_t n, double *table) {
    double *lo_ = table, *hi_ = table + n, *px = table + 2 * n, *vol = table + 3 * n,
           *den = table + 4 * n;
    for (int64_t j = 0; j < n; j++) {
        double h = high[j], l = low[j], c = close[j], v = volume[j];
        if (isnan(h) || isnan(l) || isnan(c) || isnan(v)) {
            lo_[j] = INFINITY; hi_[j] = -INFINITY; px[j] = NAN; vol[j] = 0.0; den[j] = 0.0;
            continue;
        }
        lo_[j] = l; hi_[j] = h; vol[j] = v; px[j] = l;
        den[j] = (h > l && v > 0.0) ? v / (h - l) : 0.0;
    }
}

int vp_rolling(const double *table, int64_t n, int64_t window, int64_t bins,
               double fraction, double *poc_out, double *vah_out, double *val_out) {
    const double *lows = table, *highs = table + n, *prices = table + 2 * n,
                 *vols = table + 3 * n, *dens = table + 4 * n;
    int64_t padded = (bins + 3) / 4 * 4, zero = padded + 2, capacity = 1;
    while (capacity <= window) capacity *= 2;
    int64_t mask = capacity - 1;
    double *cells = malloc((size_t)(padded + 3) * sizeof(double));
    double *shifted = malloc((size_t)(bins + 2) * sizeof(double));
    double *edges = malloc((size_t)(padded + 1) * sizeof(double));
    int64_t *qmin = malloc((size_t)capacity * sizeof(int64_t));
    int64_t *qmax = malloc((size_t)capacity * sizeof(int64_t));
    if (!cells || !shifted || !edges || !qmin || !qmax) return -1;
    for (int64_t r = 0; r < padded + 3; r++) cells[r] = -INFINITY;
    for (int64_t r = 1; r <= bins; r++) cells[r] = 0.0;
    cells[zero] = 0.0;
    for (int64_t r = 0; r < bins + 2; r++) shifted[r] = -INFINITY;
    for (int64_t r = 0; r <= padded; r++) edges[r] = INFINITY;
    int64_t min_head = 0, min_tail = 0, max_head = 0, max_tail = 0, active = 0;
    double bottom = NAN, top = NAN, width = NAN, inverse = NAN, total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double x = lows[i];
        while (min_tail > min_head && lows[qmin[(min_tail - 1) & mask]] >= x) min_tail--;
        qmin[min_tail++ & mask] = i;
        x = highs[i];
        while (max_tail > max_head && highs[qmax[(max_tail - 1) & mask]] <= x) max_tail--;
        qmax[max_tail++ & mask] = i;
        int64_t start = i - window + 1;
        if (qmin[min_head & mask] < start) min_head++;
        if (qmax[max_head & mask] < start) max_head++;
        if (start < 0) { poc_out[i] = vah_out[i] = val_out[i] = NAN; continue; }
        double new_bottom = lows[qmin[min_head & mask]], new_top = highs[qmax[max_head & mask]];
        int64_t first, step, count; double dsign;
        if (new_bottom == bottom && new_top == top && start > 0) {
            first = i; step = -window; count = 2; dsign = -2.0;
            total += vols[i] - vols[start - 1];
            active += (vols[i] > 0.0) - (vols[start - 1] > 0.0);
        } else {
            first = start; step = 1; count = window; dsign = 0.0;
            bottom = new_bottom; top = new_top;
            width = (top - bottom) / (double)bins;
            inverse = width > 0.0 ? 1.0 / width : 0.0;
            if (bottom <= top) {
                for (int64_t r = 0; r < bins; r++) edges[r] = bottom + (double)r * width;
                edges[bins] = top;
            }
            for (int64_t r = 1; r <= bins; r++) cells[r] = 0.0;
            total = 0.0; active = 0;
            for (int64_t j = start; j <= i; j++) { total += vols[j]; active += vols[j] > 0.0; }
        }
        for (int64_t t = 0; t < count; t++) {
            int64_t j = first + t * step;
            double v = vols[j];
            if (v == 0.0) continue;
            double sign = 1.0 + (double)t * dsign;
            if (width == 0.0) { cells[1] += sign * v; continue; }
            double density = dens[j];
            if (density > 0.0) {
                double lo = lows[j], hi = highs[j], d = sign * density;
                for (int64_t r = 0; r < padded; r++) {
                    double upper = edges[r + 1], lower = edges[r];
                    double overlap = (hi < upper ? hi : upper) - (lo > lower ? lo : lower);
                    overlap = overlap > 0.0 ? overlap : 0.0;
                    cells[r + 1] += d * ((lo <= lower) & (hi >= upper) ? width : overlap);
                }
                continue;
            }
            int64_t b = (int64_t)((prices[j] - bottom) * inverse);
            b = b > 0 ? b : 0;
            b = b < bins - 1 ? b : bins - 1;
            cells[b + 1] += sign * v;
        }
        if (active == 0 || !(bottom <= top)) { poc_out[i] = vah_out[i] = val_out[i] = NAN; continue; }
        double tol = 1e-10 * total, largest = -INFINITY;
        for (int64_t r = 1; r <= bins; r++) {
            shifted[r] = cells[r] + tol;
            largest = largest >= cells[r] ? largest : cells[r];
        }
        int64_t poc = 1;
        while (cells[poc] < largest - tol) poc++;
        int64_t lo_row = poc, hi_row = poc;
        double acc = cells[poc], target = fraction * total - tol;
        while (acc < target && hi_row - lo_row + 1 < bins) {
            int take_up = !(cells[lo_row - 1] > shifted[hi_row + 1]);
            int take_down = !(cells[hi_row + 1] > shifted[lo_row - 1]);
            acc += (take_up ? cells[hi_row + 1] : 0.0) + (take_down ? cells[lo_row - 1] : 0.0);
            hi_row += take_up;
            lo_row -= take_down;
        }
        poc_out[i] = bottom + ((double)poc - 0.5) * width;
        vah_out[i] = bottom + (double)hi_row * width;
        val_out[i] = bottom + (double)(lo_row - 1) * width;
    }
    free(cells); free(shifted); free(edges); free(qmin); free(qmax);
    return 0;
}
"""


def _build_profile_peer() -> ctypes.CDLL | None:
    """Compile the C peer with the system compiler; None when there is none (or it fails)."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        return None
    build = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    source, library = build / "profile.c", build / "profile.so"
    source.write_text(_PROFILE_C)
    flags = ["-O3", "-march=native", "-ffp-contract=off", "-shared", "-fPIC"]
    done = subprocess.run(
        [compiler, *flags, "-o", str(library), str(source), "-lm"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    lib = ctypes.CDLL(str(library))
    pointer, i64 = ctypes.c_void_p, ctypes.c_int64
    lib.vp_prepare.argtypes = [pointer, pointer, pointer, pointer, i64, pointer]
    lib.vp_rolling.argtypes = [pointer, i64, i64, i64, ctypes.c_double, pointer, pointer, pointer]
    lib.vp_rolling.restype = ctypes.c_int
    return lib


def _c_profile(lib: ctypes.CDLL, d: Data, window: int, bins: int = 24) -> tuple[np.ndarray, ...]:
    n = len(d.close)
    table = np.empty((5, n))
    lib.vp_prepare(
        d.high.ctypes.data, d.low.ctypes.data, d.close.ctypes.data, d.volume.ctypes.data, n,
        table.ctypes.data,
    )  # fmt: skip
    poc, vah, val = np.empty(n), np.empty(n), np.empty(n)
    status = lib.vp_rolling(
        table.ctypes.data, n, window, bins, 0.7, poc.ctypes.data, vah.ctypes.data, val.ctypes.data
    )
    if status != 0:
        raise MemoryError("C peer: allocation failed")
    return poc, vah, val


def _profile_case(lib: ctypes.CDLL | None, window: int) -> Case:
    def ours(d: Data) -> object:
        return ti.volume_profile(d.high, d.low, d.close, d.volume, window)

    def cci(d: Data) -> object:
        return talib.CCI(d.high, d.low, d.close, window)

    name = f"volume_profile({window},24)"
    if lib is None:
        return Case(name, True, ours, f"CCI({window}) (info)", cci, budgeted=False)
    return Case(
        name,
        True,
        ours,
        "C, same algorithm",
        lambda d: _c_profile(lib, d, window),
        info_label=f"CCI({window}) (info)",
        info_peer=cci,
    )


def cases(profile_peer: ctypes.CDLL | None = None) -> list[Case]:
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
        _profile_case(profile_peer, 20),
        _profile_case(profile_peer, 100),
    ]


def check_profile_peer(lib: ctypes.CDLL, data: Data) -> bool:
    """The C peer and ours must agree bit for bit (else the comparison means nothing)."""
    for window in (20, 100):
        ours = ti.volume_profile(data.high, data.low, data.close, data.volume, window)
        theirs = _c_profile(lib, data, window)
        if not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(ours, theirs, strict=True)):
            return False
    return True


def _timed(function: Callable[[Data], object], data: Data) -> float:
    start = time.perf_counter()
    function(data)
    return time.perf_counter() - start


def best_of(case: Case, data: Data, repeat: int) -> tuple[float, float, float]:
    """Best times of ours, the peer and the info peer (NaN if none), run alternately so
    all see the same machine load."""
    ours: list[float] = []
    peer: list[float] = []
    info: list[float] = []
    for _ in range(repeat):
        ours.append(_timed(case.ours, data))
        peer.append(_timed(case.peer, data))
        if case.info_peer is not None:
            info.append(_timed(case.info_peer, data))
    return min(ours), min(peer), min(info, default=float("nan"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    args, _ = parser.parse_known_args(argv)  # `python -m benchmarks indicators` passes names
    data = make_data(args.bars)
    small = make_data(2_000)
    lib = _build_profile_peer()
    if lib is not None and not check_profile_peer(lib, small):
        print("warning: the C volume-profile peer disagrees with ours; dropping it")
        lib = None
    all_cases = [case for case in cases(lib) if args.only in case.name]
    for case in all_cases:  # compile / load numba kernels before timing
        case.ours(small)
        case.peer(small)
        if case.info_peer is not None:
            case.info_peer(small)
    print(f"indicators over {args.bars:,} bars (best of {args.repeat}); peer = TA-Lib-class C")
    header = (
        f"{'indicator':<24}{'ours ms':>9}{'Mbars/s':>9}  {'peer':<22}{'peer ms':>9}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    worst_own = 0.0
    for case in all_cases:
        ours, peer, info = best_of(case, data, args.repeat)
        ratio = ours / peer
        flag = ""
        if case.own and case.budgeted:
            worst_own = max(worst_own, ratio)
            flag = "  ok" if ratio <= BUDGET else "  OVER 3x"
        print(
            f"{case.name:<24}{ours * 1e3:>9.2f}{args.bars / ours / 1e6:>9.1f}  "
            f"{case.peer_label:<22}{peer * 1e3:>9.2f}{ratio:>7.2f}{flag}"
        )
        if case.info_peer is not None:
            print(f"{'':<42}{case.info_label:<22}{info * 1e3:>9.2f}{ours / info:>7.2f}")
    print(f"worst own-implementation ratio: {worst_own:.2f} (budget {BUDGET:.0f}x)")
    print(
        "volume profile peer: "
        + (
            "the same algorithm in C (cc -O3 -march=native), bit-identical results; "
            "CCI (an O(window) TA-Lib rescan, far less work per bar) is information only"
            if lib is not None
            else "no C compiler found, so only the information-only CCI rows are shown"
        )
    )


if __name__ == "__main__":
    main()
