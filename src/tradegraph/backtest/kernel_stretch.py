"""Compiled helpers that let the per-bar loop skip quiet stretches: a pre-scan of the
signal bars, the "nothing to watch" test, and the tight mark-to-market loop used until
the next signal bar (identical results to the full per-bar path, tested by the whole
semantic suite and the no-look-ahead property)."""

# Numba kernels take flat positional arguments (no kwargs or objects in nopython mode).
# ruff: noqa: PLR0917

from __future__ import annotations

import math

import numpy as np

from tradegraph.backtest.jit import F64, I64, Arr, kernel
from tradegraph.backtest.kernel_ops import (
    A_BARS_IN_MARKET,
    A_CASH,
    P_SIDE,
    S_MARK,
    S_PEXIT,
    S_QTY,
    S_SL,
    S_TP,
    S_TRAIL,
    liquidation_price,
)


@kernel
def scan_signals(entry_long: Arr, entry_short: Arr, exit_: Arr, n: int, k: int) -> tuple[I64, int]:
    """(sorted bars on which any instrument has any signal, number of entry signals)."""
    elr = 1 if entry_long.shape[0] > 1 else 0
    elc = 1 if entry_long.shape[1] > 1 else 0
    esr = 1 if entry_short.shape[0] > 1 else 0
    esc = 1 if entry_short.shape[1] > 1 else 0
    exr = 1 if exit_.shape[0] > 1 else 0
    exc = 1 if exit_.shape[1] > 1 else 0
    bars = np.empty(n, dtype=np.int64)
    m = 0
    entries = 0
    for t in range(n):
        hit = False
        for j in range(k):
            a = entry_long[t * elr, j * elc]
            b = entry_short[t * esr, j * esc]
            entries += int(a) + int(b)
            hit = hit or a or b or exit_[t * exr, j * exc]
        if hit:
            bars[m] = t
            m += 1
    return bars[:m], entries


@kernel
def quiet(st: F64, k: int) -> bool:
    """No pending order or exit, no protective level; several instruments only flat."""
    for j in range(k):
        if st[j, P_SIDE] != 0.0 or st[j, S_PEXIT] != 0.0:
            return False
        if st[j, S_QTY] != 0.0:
            if k > 1:
                return False
            if not (
                math.isnan(st[j, S_SL]) and math.isnan(st[j, S_TP]) and math.isnan(st[j, S_TRAIL])
            ):
                return False
    return True


@kernel
def mark_stretch(
    cfg: F64,
    st: F64,
    acct: F64,
    close: F64,
    low: F64,
    high: F64,
    equity: F64,
    positions: F64,
    record: bool,
    start: int,
    stop: int,
) -> int:
    """Mark bars ``start..stop-1`` to market; return the first bar needing the full path."""
    k = close.shape[1]
    cash = acct[A_CASH]
    qty = st[0, S_QTY] if k == 1 else 0.0
    liq = liquidation_price(cfg, st, acct, 0) if qty != 0.0 else np.nan
    watch = not math.isnan(liq)
    t = start
    while t < stop:
        if watch and ((qty > 0 and low[t, 0] <= liq) or (qty < 0 and high[t, 0] >= liq)):
            break
        eq = cash
        if qty != 0.0:
            eq += qty * close[t, 0]
        if eq <= 0.0:
            break
        equity[t] = eq
        if record:
            for j in range(k):
                positions[t, j] = st[j, S_QTY]
        t += 1
    if qty != 0.0:
        acct[A_BARS_IN_MARKET] += t - start
    if t > start:
        for j in range(k):
            st[j, S_MARK] = close[t - 1, j]
    return t


__all__ = ["mark_stretch", "quiet", "scan_signals"]
