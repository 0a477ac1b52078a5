"""Building blocks of the fast kernel (``kernel_fast``): the general kernel's prices,
fees, sizing and record rows for one instrument with market orders only, plus the
quiet-stretch helpers (signal packing and scanning, branch-free mark-to-market).

Each mirrors a ``kernel_ops`` / ``kernel`` function operation for operation, so results
stay bit-identical (``tests/unit/backtest/test_bt_fast_path.py``). The small ones are
``inline_kernel``s: inlined into ``simulate_fast``, they cost no call.

Numba's on-disk cache tracks only the file of the compiled function: after editing this
module, touch ``kernel_fast.py`` (or clear ``__pycache__``) so that ``simulate_fast``
is recompiled with the change.
"""

# Numba kernels take flat positional arguments (no kwargs or objects in nopython mode).
# ruff: noqa: PLR0917

from __future__ import annotations

import math

import numpy as np

from tradegraph.backtest.jit import F64, Arr, inline_kernel, kernel
from tradegraph.backtest.kernel_ops import (
    EPS,
    KIND_MARKET,
    SIZING_FIXED,
    SIZING_FRACTION,
    ST_CANCELLED,
    ST_FILLED,
    ST_REJECTED,
)
from tradegraph.backtest.records import (
    F_BAR,
    F_FEE,
    F_INSTRUMENT,
    F_ORDER,
    F_PRICE,
    F_QTY,
    F_REASON,
    F_SIDE,
    O_CREATED_BAR,
    O_DONE_BAR,
    O_FILL_PRICE,
    O_ID,
    O_INSTRUMENT,
    O_KIND,
    O_LIMIT,
    O_QTY,
    O_SIDE,
    O_STATUS,
    O_STOP,
    T_DIRECTION,
    T_ENTRY_BAR,
    T_ENTRY_FEE,
    T_ENTRY_PRICE,
    T_EXIT_BAR,
    T_EXIT_FEE,
    T_EXIT_PRICE,
    T_EXIT_REASON,
    T_INITIAL_STOP,
    T_INSTRUMENT,
    T_PNL,
    T_QTY,
    T_R_MULTIPLE,
    T_RETURN,
)


@inline_kernel
def snap_price(price: float, tick: float, up: bool) -> float:
    """``kernel_ops.snap``."""
    if tick <= 0.0:
        return price
    x = price / tick
    r = math.floor(x + 0.5)
    if abs(x - r) < EPS:
        return r * tick
    return (math.ceil(x) if up else math.floor(x)) * tick


@inline_kernel
def fill_price(price: float, side: int, bps: float, tick: float) -> float:
    """``kernel_ops.market_price`` without ATR slippage (outside this domain)."""
    slip = price * bps * 1e-4
    return snap_price(price + side * slip, tick, side > 0)


@inline_kernel
def entry_size(
    cash: float,
    qty: float,
    mark: float,
    price: float,
    size: float,
    pct: float,
    fixed: float,
    lev: float,
    lot: float,
    mode: int,
    default_size: float,
) -> float:
    """``kernel_ops.entry_quantity`` for one instrument and no stop (RISK: rejected)."""
    eq = cash
    used = 0.0
    if qty != 0.0:
        value = qty * mark
        eq += value
        used += abs(value)
    avail = eq - used / lev
    if avail <= 0.0:
        return 0.0
    power = avail * lev
    unit_cost = price * (1.0 + pct)
    amount = size if not math.isnan(size) else default_size
    if mode == SIZING_FRACTION:
        budget = min(eq * amount * lev, power) - fixed
        if budget <= 0.0:
            return 0.0
        if lot > 0.0:
            step = unit_cost * lot
            if budget < step:  # what the floor division gives, without its fmod call
                return 0.0
            return (budget // step) * lot
        return budget / unit_cost
    if mode == SIZING_FIXED:
        q = (amount // lot) * lot if lot > 0.0 else amount
        if q * unit_cost + fixed > power * (1.0 + 1e-12):
            return 0.0
        return q
    return 0.0  # RISK sizing needs a stop, and this domain has none


@inline_kernel
def liquidation_level(cash: float, qty: float, mm: float) -> float:
    """``kernel_ops.liquidation_price`` with no other instrument."""
    e0 = cash
    m0 = 0.0
    denom = qty - mm * abs(qty)
    if denom == 0.0:
        return np.nan
    p = (m0 - e0) / denom
    return p if p > 0.0 else np.nan


@inline_kernel
def put_fill(
    fills: F64,
    r: int,
    bar: int,
    side: float,
    qty: float,
    price: float,
    fee: float,
    order: float,
    reason: float,
) -> None:
    """``kernel_ops.record_fill`` (instrument 0)."""
    fills[r, F_BAR] = bar
    fills[r, F_INSTRUMENT] = 0.0
    fills[r, F_SIDE] = side
    fills[r, F_QTY] = qty
    fills[r, F_PRICE] = price
    fills[r, F_FEE] = fee
    fills[r, F_ORDER] = order
    fills[r, F_REASON] = reason


@inline_kernel
def close_trade(
    trades: F64,
    fills: F64,
    n_tr: int,
    n_fi: int,
    cash: float,
    qty: float,
    entry: float,
    entry_bar: float,
    entry_fee: float,
    bar: int,
    price: float,
    reason: int,
    charge: bool,
    pct: float,
    fixed: float,
) -> tuple[float, int, int]:
    """``kernel_ops.close_position`` (no initial stop, so no R multiple); returns the
    new cash and record counts."""
    paid = pct * abs(qty) * price + fixed if charge else 0.0
    cash += qty * price - paid
    pnl = qty * (price - entry) - entry_fee - paid
    trades[n_tr, T_INSTRUMENT] = 0.0
    trades[n_tr, T_DIRECTION] = 1.0 if qty > 0 else -1.0
    trades[n_tr, T_ENTRY_BAR] = entry_bar
    trades[n_tr, T_EXIT_BAR] = bar
    trades[n_tr, T_ENTRY_PRICE] = entry
    trades[n_tr, T_EXIT_PRICE] = price
    trades[n_tr, T_QTY] = abs(qty)
    trades[n_tr, T_ENTRY_FEE] = entry_fee
    trades[n_tr, T_EXIT_FEE] = paid
    trades[n_tr, T_PNL] = pnl
    trades[n_tr, T_RETURN] = pnl / (abs(qty) * entry)
    trades[n_tr, T_R_MULTIPLE] = np.nan
    trades[n_tr, T_EXIT_REASON] = reason
    trades[n_tr, T_INITIAL_STOP] = np.nan
    if charge:
        put_fill(fills, n_fi, bar, -1.0 if qty > 0 else 1.0, abs(qty), price, paid, -1.0, reason)
        n_fi += 1
    return cash, n_tr + 1, n_fi


@inline_kernel
def fill_entry(
    orders: F64,
    fills: F64,
    row: int,
    n_fi: int,
    bar: int,
    side: int,
    price: float,
    cash: float,
    qty: float,
    mark: float,
    size: float,
    pct: float,
    fixed: float,
    lev: float,
    lot: float,
    mode: int,
    default_size: float,
) -> tuple[float, float, float, int, bool]:
    """``kernel_ops.open_position`` of a market order (no stops): (cash, position,
    fee paid, fill count, filled); an unaffordable order is marked rejected."""
    q = entry_size(cash, qty, mark, price, size, pct, fixed, lev, lot, mode, default_size)
    orders[row, O_DONE_BAR] = bar
    if not (q > 0.0):
        orders[row, O_STATUS] = ST_REJECTED
        return cash, qty, 0.0, n_fi, False
    paid = pct * abs(q) * price + fixed
    cash -= side * q * price + paid
    orders[row, O_STATUS] = ST_FILLED
    orders[row, O_FILL_PRICE] = price
    orders[row, O_QTY] = q
    put_fill(fills, n_fi, bar, side, q, price, paid, row, -1.0)
    return cash, side * q, paid, n_fi + 1, True


@inline_kernel
def new_order(orders: F64, row: int, bar: int, side: int) -> None:
    """``kernel._place_entry``'s row for a market order."""
    orders[row, O_ID] = row
    orders[row, O_INSTRUMENT] = 0.0
    orders[row, O_CREATED_BAR] = bar
    orders[row, O_SIDE] = side
    orders[row, O_KIND] = KIND_MARKET
    orders[row, O_LIMIT] = np.nan
    orders[row, O_STOP] = np.nan
    orders[row, O_STATUS] = 0.0
    orders[row, O_DONE_BAR] = -1.0
    orders[row, O_FILL_PRICE] = np.nan
    orders[row, O_QTY] = 0.0


@inline_kernel
def cancel_order(orders: F64, row: int, bar: int) -> None:
    """``kernel._cancel_pending``'s row update."""
    orders[row, O_STATUS] = ST_CANCELLED
    orders[row, O_DONE_BAR] = bar


@kernel
def pack_signals(entry_long: Arr, entry_short: Arr, exit_: Arr, signal: Arr) -> int:
    """Write each bar's signals into ``signal`` as bits (1 long, 2 short, 4 exit),
    followed by a sentinel and zero padding to whole 8-byte words (``signal`` holds
    ``(bars // 8 + 1) * 8`` bytes); return the number of entry signals. One branch-free
    loop."""
    n = entry_long.shape[0]
    el8 = entry_long.view(np.uint8)
    es8 = entry_short.view(np.uint8)
    ex8 = exit_.view(np.uint8)
    entries = 0
    for i in range(n):
        a = el8[i]
        b = es8[i]
        entries += a + b
        signal[i] = a | (b << 1) | (ex8[i] << 2)
    signal[n:] = 0
    signal[n] = 1
    return entries


@inline_kernel
def next_signal(signal: Arr, words: Arr, t: int) -> int:
    """First bar >= t with a signal (``pack_signals``' sentinel bounds the scan),
    eight bars per step through the zero ``words``."""
    while t & 7 and not signal[t]:
        t += 1
    if signal[t]:
        return t
    w = t >> 3
    while words[w] == 0:
        w += 1
    t = w << 3
    while not signal[t]:
        t += 1
    return t


@inline_kernel
def mark_stretch(close: F64, equity: F64, start: int, end: int, cash: float, qty: float) -> bool:
    """Equity of bars ``start..end-1`` holding ``qty``; True if some equity is <= 0.
    Branch-free loops (no slices, which would allocate views), so they vectorise; the
    arithmetic is the per-bar path's."""
    bad = False
    if qty != 0.0:
        for i in range(start, end):
            eq = cash + qty * close[i]
            equity[i] = eq
            bad |= eq <= 0.0
    else:
        for i in range(start, end):
            equity[i] = cash
        bad = cash <= 0.0 and end > start
    return bad


@inline_kernel
def touches(price: F64, start: int, end: int, level: float, side: int) -> bool:
    """Whether any ``(price - level) * side <= 0`` in ``start..end-1`` (branch-free)."""
    hit = False
    for i in range(start, end):
        hit |= (price[i] - level) * side <= 0
    return hit


__all__ = [
    "cancel_order",
    "close_trade",
    "entry_size",
    "fill_entry",
    "fill_price",
    "liquidation_level",
    "mark_stretch",
    "new_order",
    "next_signal",
    "pack_signals",
    "put_fill",
    "snap_price",
    "touches",
]
