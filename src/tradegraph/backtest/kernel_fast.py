"""The fast path of the fill simulation: the general kernel specialised to its most
common domain, with the same results bit for bit.

Domain (``fast_path_applies`` in ``engine.py`` decides): one instrument, entries are
market orders (no ``limit`` / ``stop_entry``), no stop-loss, take-profit or trailing
stop (neither from the intents nor from the config), no ATR slippage. Everything else
is supported: both fill modes, every direction and sizing mode, per-bar sizes, fixed
and percentage commissions, slippage in basis points, tick and lot rounding, leverage,
maintenance margin (liquidation), bankruptcy, ``close_at_end``.

Why it is faster: the state is a handful of scalar locals and the helpers
(``kernel_fast_ops``) are inlined; the full per-bar path runs only on signal bars and
the bar after them, while the quiet stretches in between (nothing pending, no signal)
are found eight bars at a time and marked to market by branch-free loops. Prices the
full path may need are read lazily and prefetched one signal ahead. The per-bar logic
is the general kernel's, phase by phase (``docs/backtesting.md``), with the branches
that cannot occur in this domain removed; ``tests/unit/backtest/test_bt_fast_path.py``
checks bit-identical output of both kernels on random markets, intents and configs of
the domain (hypothesis).
"""

# Numba kernels take flat positional arguments (no kwargs or objects in nopython mode).
# ruff: noqa: PLR0917

from __future__ import annotations

import math

import numpy as np

from tradegraph.backtest.config import (
    K_CASH,
    K_CLOSE_AT_END,
    K_COMM_FIXED,
    K_COMM_PCT,
    K_DIRECTION,
    K_FILL,
    K_LEVERAGE,
    K_LOT,
    K_MAINT,
    K_RECORD,
    K_SIZE,
    K_SIZING,
    K_SLIP_BPS,
    K_TICK,
)
from tradegraph.backtest.jit import F64, I64, Arr, kernel, prefetch
from tradegraph.backtest.kernel_fast_ops import (
    cancel_order,
    close_trade,
    fill_entry,
    fill_price,
    liquidation_level,
    mark_stretch,
    new_order,
    next_signal,
    touches,
)
from tradegraph.backtest.kernel_ops import (
    A_BANKRUPT,
    A_BARS_IN_MARKET,
    A_CASH,
    A_IN_MARKET_NOW,
    A_LEN,
    A_REJECTED,
    R_LIQUIDATION,
)
from tradegraph.backtest.records import F_COLS, O_COLS, T_COLS

_SIGNAL = 0
_REVERSE = 4
_END = 6
_OPEN_TRADE = 7
_LONG_ONLY = 0
_SHORT_ONLY = 1
_REVERSING = 3


@kernel
def simulate_fast(  # noqa: PLR0912, PLR0915 - one loop, phases commented
    open_: F64,
    high: F64,
    low: F64,
    close: F64,
    signal: Arr,
    size: F64,
    cfg: F64,
    equity: F64,
    trades: F64,
    fills: F64,
    orders: F64,
) -> tuple[I64, F64, int, int, int, F64]:
    """``kernel.simulate`` on the fast-path domain.

    Inputs: 1-D prices, the signals packed by ``kernel_fast_ops.pack_signals``, sizes
    (one per bar or a single value), the config vector. The caller allocates the
    outputs (``fast_buffers``): ``equity`` (one per bar) and the trade / fill / order
    record buffers. Returns (position change bars, position change quantities, trades,
    fills and orders written, account vector): the general kernel's outputs, with the
    position matrix as its change points.
    """
    n = close.shape[0]
    record = cfg[K_RECORD] != 0.0
    fill_close = cfg[K_FILL] == 1.0
    direction = int(cfg[K_DIRECTION])
    pct = cfg[K_COMM_PCT]
    fixed = cfg[K_COMM_FIXED]
    bps = cfg[K_SLIP_BPS]
    tick = cfg[K_TICK]
    lev = cfg[K_LEVERAGE]
    lot = cfg[K_LOT]
    mm = cfg[K_MAINT]
    mode = int(cfg[K_SIZING])
    default_size = cfg[K_SIZE]
    # as in the general kernel: a single unleveraged long can never be liquidated
    guard = lev > 1.0 or mm > 0.0 or direction != _LONG_ONLY
    words = signal.view(np.uint64)
    # positions as change points: from bar change_bar[i]'s close on, change_qty[i] is
    # held. The quantity changes only at fills, so this is short (the engine expands
    # it on demand); each fill changes it at most once
    changes = fills.shape[0] + 2 if record else 1
    change_bar = np.zeros(changes, dtype=np.int64)
    change_qty = np.zeros(changes)
    n_ch = 1  # from bar 0: flat
    szr = 1 if size.shape[0] > 1 else 0
    n_tr = 0
    n_fi = 0
    n_or = 0
    cash = cfg[K_CASH]
    qty = 0.0
    entry = 0.0
    entry_bar = 0.0
    entry_fee = 0.0
    pexit = 0  # pending market exit at the next open: ExitReason + 1
    pside = 0  # pending market entry side
    psize = np.nan
    prow = -1
    bankrupt = False
    in_now = False
    bars_in = 0
    rejected = 0
    t = 0
    target = -1  # the first signal bar >= the last stretch's start
    ahead = -1  # the signal bar after ``target``
    while t < n:
        if pside == 0 and pexit == 0:
            # quiet stretch up to the next signal: nothing pending, so the full path
            # below would only mark equity to market - unless a liquidation level is
            # touched or equity falls to zero, where the stretch ends early
            if t <= target:
                end = target
            elif t <= ahead:
                end = ahead
            else:
                end = next_signal(signal, words, t)
            if end != target:
                target = end
                ahead = next_signal(signal, words, end + 1) if end < n else n
                # signal bars lie far apart in memory: ask now for the prices the full
                # path may read at the one after this (a stretch and an event away);
                # a prefetch never faults, even past the end
                prefetch(open_, ahead)
                prefetch(open_, ahead + 1)
                prefetch(close, ahead)
                prefetch(close, ahead + 1)
            if end > t:
                held = qty != 0.0
                side = 1 if qty > 0 else -1
                level = liquidation_level(cash, qty, mm) if guard and held else np.nan
                stop = end
                if not math.isnan(level) and (
                    touches(open_, t, end, level, side)
                    or touches(low if side > 0 else high, t, end, level, side)
                ):
                    stop = t
                    while stop < end and not (
                        (open_[stop] - level) * side <= 0
                        or ((low[stop] if side > 0 else high[stop]) - level) * side <= 0
                    ):
                        stop += 1
                if record and qty != change_qty[n_ch - 1]:
                    change_bar[n_ch] = t
                    change_qty[n_ch] = qty
                    n_ch += 1
                if mark_stretch(close, equity, t, stop, cash, qty) and not bankrupt:
                    first = t
                    while first < stop and not (
                        (cash + qty * close[first] if held else cash) <= 0.0
                    ):
                        first += 1
                    stop = first
                if held:
                    bars_in += stop - t
                t = stop
                if t >= n:
                    break
        # the full path of bar t. open_[t] and close[t] are read only where needed: a
        # flat stretch does not stream them, and a signal bar far from the last one
        # would stall on a cache miss for a price it does not use
        alive = not bankrupt
        in_now = qty != 0.0
        if pside != 0 or pexit != 0 or (guard and qty != 0.0):
            o = open_[t]
            # 1. open: pending market exit, then pending market entry
            if qty != 0.0 and pexit != 0:
                side = 1 if qty > 0 else -1
                px = fill_price(o, -side, bps, tick)
                cash, n_tr, n_fi = close_trade(
                    trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar, entry_fee,
                    t, px, pexit - 1, True, pct, fixed,
                )  # fmt: skip
                qty = 0.0
                pexit = 0
            if alive and pside != 0:
                side = pside
                pside = 0
                px = fill_price(o, side, bps, tick)
                cash, qty, paid, n_fi, filled = fill_entry(
                    orders, fills, prow, n_fi, t, side, px, cash, qty, o, psize,
                    pct, fixed, lev, lot, mode, default_size,
                )  # fmt: skip
                if filled:
                    entry, entry_bar, entry_fee, pexit, in_now = px, t, paid, 0, True
                else:
                    rejected += 1
            # 2. range: liquidation is the only protective level in this domain
            if qty != 0.0 and guard:
                side = 1 if qty > 0 else -1
                level = liquidation_level(cash, qty, mm)
                if not math.isnan(level):
                    if (o - level) * side <= 0:
                        px = fill_price(o, -side, bps, tick)
                    elif ((low[t] if side > 0 else high[t]) - level) * side <= 0:
                        px = fill_price(level, -side, bps, tick)
                    else:
                        px = np.nan
                    if not math.isnan(px):
                        cash, n_tr, n_fi = close_trade(
                            trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar,
                            entry_fee, t, px, R_LIQUIDATION, True, pct, fixed,
                        )  # fmt: skip
                        qty = 0.0
                        pexit = 0
            if pside != 0 and not alive:
                cancel_order(orders, prow, t)
                pside = 0
        # 3. close: bar t's signals
        if alive:
            code = signal[t]  # just scanned, so cached (the inputs may not be)
            el = (code & 1) != 0
            es = (code & 2) != 0
            ex = (code & 4) != 0
            if direction == _LONG_ONLY and es:
                ex = True
                es = False
            elif direction == _SHORT_ONLY and el:
                ex = True
                el = False
            if el and es:
                el = False
                es = False
            if direction == _REVERSING:
                ex = False
            if ex:
                if pside != 0:
                    cancel_order(orders, prow, t)
                    pside = 0
                if qty != 0.0:
                    if fill_close:
                        sd = 1 if qty > 0 else -1
                        px = fill_price(close[t], -sd, bps, tick)
                        cash, n_tr, n_fi = close_trade(
                            trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar,
                            entry_fee, t, px, _SIGNAL, True, pct, fixed,
                        )  # fmt: skip
                        qty = 0.0
                        pexit = 0
                    else:
                        pexit = _SIGNAL + 1
            else:
                side = 1 if el else (-1 if es else 0)
                if side != 0 and not (qty * side > 0):
                    if qty != 0.0:
                        if fill_close:
                            px = fill_price(close[t], side, bps, tick)
                            cash, n_tr, n_fi = close_trade(
                                trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar,
                                entry_fee, t, px, _REVERSE, True, pct, fixed,
                            )  # fmt: skip
                            qty = 0.0
                            pexit = 0
                        else:
                            pexit = _REVERSE + 1
                    # the entry order (replacing a pending one)
                    if pside != 0:
                        cancel_order(orders, prow, t)
                    new_order(orders, n_or, t, side)
                    pside = side
                    psize = size[t * szr]
                    prow = n_or
                    n_or += 1
                    if fill_close:
                        pside = 0
                        px = fill_price(close[t], side, bps, tick)
                        cash, qty, paid, n_fi, filled = fill_entry(
                            orders, fills, prow, n_fi, t, side, px, cash, qty, close[t],
                            psize, pct, fixed, lev, lot, mode, default_size,
                        )  # fmt: skip
                        if filled:
                            entry, entry_bar, entry_fee, pexit, in_now = px, t, paid, 0, True
                        else:
                            rejected += 1
        # 4. equity
        eq = cash
        if qty != 0.0:
            eq += qty * close[t]
            in_now = True
        if record and qty != change_qty[n_ch - 1]:
            change_bar[n_ch] = t
            change_qty[n_ch] = qty
            n_ch += 1
        if in_now:
            bars_in += 1
        if alive and eq <= 0.0:
            if qty != 0.0:
                cash, n_tr, n_fi = close_trade(
                    trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar, entry_fee,
                    t, close[t], R_LIQUIDATION, True, pct, fixed,
                )  # fmt: skip
                qty = 0.0
                pexit = 0
            if pside != 0:
                cancel_order(orders, prow, t)
                pside = 0
            bankrupt = True
            eq = cash
        equity[t] = eq
        t += 1
    # end of data
    if n > 0:
        at_end = cfg[K_CLOSE_AT_END] != 0.0
        if qty != 0.0:
            cash, n_tr, n_fi = close_trade(
                trades, fills, n_tr, n_fi, cash, qty, entry, entry_bar, entry_fee,
                n - 1, close[n - 1], _END if at_end else _OPEN_TRADE, at_end, pct, fixed,
            )  # fmt: skip
        if at_end:
            equity[n - 1] = cash
    acct = np.zeros(A_LEN)
    acct[A_CASH] = cash
    acct[A_BANKRUPT] = 1.0 if bankrupt else 0.0
    acct[A_BARS_IN_MARKET] = bars_in
    acct[A_IN_MARKET_NOW] = 1.0 if in_now else 0.0
    acct[A_REJECTED] = rejected
    return change_bar[:n_ch], change_qty[:n_ch], n_tr, n_fi, n_or, acct


def fast_buffers(bars: int, entries: int) -> tuple[F64, F64, F64, F64]:
    """(equity, trades, fills, orders) buffers for ``simulate_fast``, allocated by numpy
    (which asks the kernel for transparent huge pages on large arrays: a few page faults
    instead of one per 4 KiB page). Every trade needs an entry order and every order an
    entry signal, so the bounds are exact, as in the general kernel; rows never written
    are never touched."""
    orders = entries + 1
    return (
        np.empty(bars),
        np.empty((orders + 1, T_COLS)),
        np.empty((2 * (orders + 1), F_COLS)),
        np.empty((orders, O_COLS)),
    )


__all__ = ["fast_buffers", "simulate_fast"]
