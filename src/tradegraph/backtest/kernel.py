"""The compiled per-bar loop: one pass over the bars, several instruments, one cash balance.

Bar t, in order (see ``docs/backtesting.md``):

1. open   - marks move to the open; pending market exits, then pending market entries
            (signals of bar t-1 in NEXT_OPEN mode) fill at the open;
2. range  - stop-loss / trailing / liquidation / take-profit of held positions against
            the bar's high and low; resting limit/stop entries fill or expire;
3. close  - marks move to the close, trailing references take the bar's extreme; a
            stop policy moves each held position's stop for bar t+1 and may call a
            time stop (an exit signal of bar t); bar t's signals are read: exits
            first (all instruments), then entries (filled now in CLOSE mode, else
            queued for bar t+1);
4. equity - cash + sum(quantity x close); an account at or below zero is closed out.

Intent arrays are 2-D ``(bars, instruments)``; a ``(1, 1)`` array broadcasts, so absent
intents cost nothing.
"""

# Numba kernels take flat positional arguments (no kwargs or objects in nopython mode).
# ruff: noqa: PLR0917

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tradegraph.backtest.config import (
    K_CASH,
    K_CLOSE_AT_END,
    K_DIRECTION,
    K_FILL,
    K_LEVERAGE,
    K_MAINT,
    K_POLICY,
    K_RECORD,
    K_TTL,
)
from tradegraph.backtest.jit import F64, I64, Arr, kernel
from tradegraph.backtest.kernel_ops import (
    A_BANKRUPT,
    A_BARS_IN_MARKET,
    A_CASH,
    A_IN_MARKET_NOW,
    A_LEN,
    C_FILLS,
    C_ORDERS,
    C_TRADES,
    KIND_LIMIT,
    KIND_MARKET,
    KIND_STOP,
    KIND_STOP_LIMIT,
    P_EXPIRY,
    P_KIND,
    P_LIMIT,
    P_ROW,
    P_SIDE,
    P_SIZE,
    P_SL,
    P_STOP,
    P_TP,
    P_TRAIL,
    P_TRIGGERED,
    R_LIQUIDATION,
    R_TIME_STOP,
    S_COLS,
    S_INTRA,
    S_MARK,
    S_PEXIT,
    S_QTY,
    S_SL,
    S_TP,
    S_TRAIL,
    S_TRAIL_REF,
    ST_CANCELLED,
    ST_EXPIRED,
    close_position,
    market_price,
    open_position,
    policy_close,
    protect,
    resting_fill_price,
)
from tradegraph.backtest.kernel_stretch import mark_stretch, quiet, scan_signals
from tradegraph.backtest.records import (
    F_COLS,
    O_COLS,
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
    T_COLS,
)

_SIGNAL = 0
_REVERSE = 4
_END = 6
_OPEN_TRADE = 7
_LONG_ONLY = 0
_SHORT_ONLY = 1
_REVERSING = 3


@kernel
def _at(a: Arr, t: int, j: int) -> Any:
    return a[t if a.shape[0] > 1 else 0, j if a.shape[1] > 1 else 0]


@kernel
def _before(a: F64, t: int, j: int) -> float:
    """``a`` at bar t-1 (NaN on the first bar): what was known at bar t's open."""
    if a.shape[0] > 1 and t == 0:
        return np.nan
    return float(_at(a, t - 1, j))


@kernel
def _flat(st: F64, k: int) -> bool:
    for j in range(k):  # noqa: SIM110 - a plain loop compiles; all(<generator>) may not
        if st[j, S_QTY] != 0.0:
            return False
    return True


@kernel
def _cancel_pending(st: F64, orders: F64, j: int, bar: int, status: float) -> None:
    if st[j, P_SIDE] != 0.0:
        row = int(st[j, P_ROW])
        orders[row, O_STATUS] = status
        orders[row, O_DONE_BAR] = bar
        st[j, P_SIDE] = 0.0


@kernel
def _place_entry(
    st: F64,
    orders: F64,
    cnt: I64,
    j: int,
    t: int,
    side: int,
    lim: float,
    stop: float,
    size: float,
    sl: float,
    tp: float,
    trail: float,
    ttl: int,
) -> None:
    _cancel_pending(st, orders, j, t, ST_CANCELLED)
    kind = KIND_MARKET
    if not math.isnan(lim) and not math.isnan(stop):
        kind = KIND_STOP_LIMIT
    elif not math.isnan(lim):
        kind = KIND_LIMIT
    elif not math.isnan(stop):
        kind = KIND_STOP
    row = cnt[C_ORDERS]
    orders[row, O_ID] = row
    orders[row, O_INSTRUMENT] = j
    orders[row, O_CREATED_BAR] = t
    orders[row, O_SIDE] = side
    orders[row, O_KIND] = kind
    orders[row, O_LIMIT] = lim
    orders[row, O_STOP] = stop
    orders[row, O_STATUS] = 0.0
    orders[row, O_DONE_BAR] = -1.0
    orders[row, O_FILL_PRICE] = np.nan
    orders[row, O_QTY] = 0.0
    cnt[C_ORDERS] = row + 1
    st[j, P_SIDE] = side
    st[j, P_KIND] = kind
    st[j, P_LIMIT] = lim
    st[j, P_STOP] = stop
    st[j, P_TRIGGERED] = 0.0
    st[j, P_EXPIRY] = t + ttl if ttl > 0 else 1e18
    st[j, P_SIZE] = size
    st[j, P_SL] = sl
    st[j, P_TP] = tp
    st[j, P_TRAIL] = trail
    st[j, P_ROW] = row


@kernel
def simulate(  # noqa: PLR0912, PLR0915 - one loop, phases commented
    open_: F64,
    high: F64,
    low: F64,
    close: F64,
    atr: F64,
    stop_atr: F64,
    highest: F64,
    lowest: F64,
    entry_long: Arr,
    entry_short: Arr,
    exit_: Arr,
    stop_loss: Arr,
    take_profit: Arr,
    trailing: Arr,
    size: Arr,
    limit: Arr,
    stop_entry: Arr,
    cfg: F64,
) -> tuple[F64, F64, F64, F64, F64, F64, F64]:
    """Simulate; ``atr`` is the slippage ATR of the previous bar, ``stop_atr`` /
    ``highest`` / ``lowest`` the stop policy's ATR and chandelier extremes at each close
    (``(1, 1)`` NaN without a policy). Returns equity, positions, trades, fills, orders,
    the account vector and the policy stop at each close (``(1, 1)`` unless recorded)."""
    n, k = close.shape
    record = cfg[K_RECORD] != 0.0
    policy = cfg[K_POLICY] != 0.0
    fill_close = cfg[K_FILL] == 1.0
    direction = int(cfg[K_DIRECTION])
    ttl = int(cfg[K_TTL])
    st = np.zeros((k, S_COLS))
    acct = np.zeros(A_LEN)
    acct[A_CASH] = cfg[K_CASH]
    cnt = np.zeros(3, dtype=np.int64)
    # every trade needs an entry order and every order an entry signal: exact bounds,
    # so the loop never reallocates (array reassignment costs refcounting per bar)
    sig_bars, entries = scan_signals(entry_long, entry_short, exit_, n, k)
    cap_orders = entries + 1
    trades = np.empty((cap_orders + k, T_COLS))
    fills = np.empty((2 * (cap_orders + k), F_COLS))
    orders = np.empty((cap_orders, O_COLS))
    elr = 1 if entry_long.shape[0] > 1 else 0
    elc = 1 if entry_long.shape[1] > 1 else 0
    esr = 1 if entry_short.shape[0] > 1 else 0
    esc = 1 if entry_short.shape[1] > 1 else 0
    exr = 1 if exit_.shape[0] > 1 else 0
    exc = 1 if exit_.shape[1] > 1 else 0
    # an unleveraged single long can never reach a liquidation price: skip the guard
    # for positions without stops or targets then
    guard_all = cfg[K_LEVERAGE] > 1.0 or cfg[K_MAINT] > 0.0 or k > 1 or direction != _LONG_ONLY
    equity = np.empty(n)
    positions = np.zeros((n if record else 1, k))
    record_stops = record and policy
    stops = np.full((n, k) if record_stops else (1, 1), np.nan)
    time_exit = np.zeros(k, dtype=np.bool_)
    side_now = np.zeros(k, dtype=np.int64)
    sp = 0
    t = 0
    while t < n:
        # quiet stretch: nothing pending and no stop, target or trail to watch, so every
        # bar until the next signal bar only marks equity (exactly what the full path
        # would do); a possible liquidation or a non-positive equity ends the stretch
        while sp < sig_bars.shape[0] and sig_bars[sp] < t:
            sp += 1
        next_sig = sig_bars[sp] if sp < sig_bars.shape[0] else n
        # (a stop policy watches every held position at every close)
        if next_sig > t and quiet(st, k) and (not policy or _flat(st, k)):
            t = mark_stretch(
                cfg, st, acct, close, low, high, equity, positions, record, t, next_sig
            )
            if t >= next_sig or t >= n:
                continue
        alive = acct[A_BANKRUPT] == 0.0
        acct[A_IN_MARKET_NOW] = 0.0
        # 1. open
        for j in range(k):
            st[j, S_MARK] = open_[t, j]
            if st[j, S_QTY] != 0.0:
                acct[A_IN_MARKET_NOW] = 1.0
                if st[j, S_PEXIT] != 0.0:
                    side = 1 if st[j, S_QTY] > 0 else -1
                    px = market_price(cfg, open_[t, j], -side, _at(atr, t, j))
                    close_position(
                        cfg,
                        st,
                        acct,
                        trades,
                        fills,
                        cnt,
                        j,
                        t,
                        px,
                        int(st[j, S_PEXIT]) - 1,
                        True,
                    )
        for j in range(k):
            if alive and st[j, P_SIDE] != 0.0 and st[j, P_KIND] == KIND_MARKET:
                side = int(st[j, P_SIDE])
                st[j, P_SIDE] = 0.0
                px = market_price(cfg, open_[t, j], side, _at(atr, t, j))
                open_position(
                    cfg,
                    st,
                    acct,
                    fills,
                    orders,
                    cnt,
                    j,
                    t,
                    side,
                    px,
                    open_[t, j],
                    st[j, P_SIZE],
                    st[j, P_SL],
                    st[j, P_TP],
                    st[j, P_TRAIL],
                    int(st[j, P_ROW]),
                    _before(stop_atr, t, j),
                )
        # 2. range: protective exits, then resting entries
        for j in range(k):
            if st[j, S_QTY] != 0.0 and (
                guard_all
                or not math.isnan(st[j, S_SL])
                or not math.isnan(st[j, S_TP])
                or not math.isnan(st[j, S_TRAIL])
            ):
                protect(
                    cfg,
                    st,
                    acct,
                    trades,
                    fills,
                    cnt,
                    j,
                    t,
                    open_[t, j],
                    high[t, j],
                    low[t, j],
                    _at(atr, t, j),
                    True,
                )
        for j in range(k):
            if st[j, P_SIDE] == 0.0:
                continue
            if not alive:
                _cancel_pending(st, orders, j, t, ST_CANCELLED)
                continue
            px, as_market = resting_fill_price(st, j, open_[t, j], high[t, j], low[t, j])
            if not math.isnan(px):
                side = int(st[j, P_SIDE])
                st[j, P_SIDE] = 0.0
                fill_px = market_price(cfg, px, side, _at(atr, t, j)) if as_market else px
                if open_position(
                    cfg,
                    st,
                    acct,
                    fills,
                    orders,
                    cnt,
                    j,
                    t,
                    side,
                    fill_px,
                    px,
                    st[j, P_SIZE],
                    st[j, P_SL],
                    st[j, P_TP],
                    st[j, P_TRAIL],
                    int(st[j, P_ROW]),
                    _before(stop_atr, t, j),
                ):
                    # conservative on the fill bar: the rest of the range may come after
                    protect(
                        cfg,
                        st,
                        acct,
                        trades,
                        fills,
                        cnt,
                        j,
                        t,
                        px,
                        high[t, j],
                        low[t, j],
                        _at(atr, t, j),
                        False,
                    )
                    st[j, S_INTRA] = 1.0
            elif t >= st[j, P_EXPIRY]:
                _cancel_pending(st, orders, j, t, ST_EXPIRED)
        # 3. close
        for j in range(k):
            c = close[t, j]
            st[j, S_MARK] = c
            q = st[j, S_QTY]
            if q != 0.0 and not math.isnan(st[j, S_TRAIL]):
                # after an intrabar entry only the close is known to follow the fill
                ref = st[j, S_TRAIL_REF]
                best_long = c if st[j, S_INTRA] != 0.0 else high[t, j]
                best_short = c if st[j, S_INTRA] != 0.0 else low[t, j]
                st[j, S_TRAIL_REF] = max(ref, best_long) if q > 0 else min(ref, best_short)
            if policy:
                intra = st[j, S_INTRA] != 0.0
                time_exit[j] = q != 0.0 and policy_close(
                    cfg,
                    st,
                    j,
                    c if intra else high[t, j],
                    c if intra else low[t, j],
                    c,
                    _at(stop_atr, t, j),
                    _at(highest, t, j),
                    _at(lowest, t, j),
                )
            st[j, S_INTRA] = 0.0
        if alive:
            # exits (and the closing half of reversals) first, for every instrument
            for j in range(k):
                el = entry_long[t * elr, j * elc]
                es = entry_short[t * esr, j * esc]
                ex = exit_[t * exr, j * exc]
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
                reason = _SIGNAL
                if policy and time_exit[j] and not ex:
                    # the time stop acts as this bar's exit signal (even when reversing)
                    ex = True
                    reason = R_TIME_STOP
                side_now[j] = 0
                q = st[j, S_QTY]
                if ex:
                    _cancel_pending(st, orders, j, t, ST_CANCELLED)
                    if q != 0.0:
                        if fill_close:
                            sd = 1 if q > 0 else -1
                            px = market_price(cfg, close[t, j], -sd, _at(atr, t, j))
                            close_position(
                                cfg, st, acct, trades, fills, cnt, j, t, px, reason, True
                            )
                        else:
                            st[j, S_PEXIT] = reason + 1
                    continue
                side = 1 if el else (-1 if es else 0)
                if side == 0 or q * side > 0:
                    continue
                if q != 0.0:
                    if fill_close:
                        px = market_price(cfg, close[t, j], side, _at(atr, t, j))
                        close_position(cfg, st, acct, trades, fills, cnt, j, t, px, _REVERSE, True)
                    else:
                        st[j, S_PEXIT] = _REVERSE + 1
                side_now[j] = side
            # then entries
            for j in range(k):
                side = side_now[j]
                if side == 0:
                    continue
                _place_entry(
                    st,
                    orders,
                    cnt,
                    j,
                    t,
                    side,
                    _at(limit, t, j),
                    _at(stop_entry, t, j),
                    _at(size, t, j),
                    _at(stop_loss, t, j),
                    _at(take_profit, t, j),
                    _at(trailing, t, j),
                    ttl,
                )
                if fill_close and st[j, P_KIND] == KIND_MARKET:
                    st[j, P_SIDE] = 0.0
                    c = close[t, j]
                    px = market_price(cfg, c, side, _at(atr, t, j))
                    open_position(
                        cfg,
                        st,
                        acct,
                        fills,
                        orders,
                        cnt,
                        j,
                        t,
                        side,
                        px,
                        c,
                        st[j, P_SIZE],
                        st[j, P_SL],
                        st[j, P_TP],
                        st[j, P_TRAIL],
                        int(st[j, P_ROW]),
                        _at(stop_atr, t, j),
                    )
        # 4. equity
        eq = acct[A_CASH]
        for j in range(k):
            q = st[j, S_QTY]
            if q != 0.0:
                eq += q * close[t, j]
                acct[A_IN_MARKET_NOW] = 1.0
            if record:
                positions[t, j] = q
            if record_stops and q != 0.0:
                stops[t, j] = st[j, S_SL]
        if acct[A_IN_MARKET_NOW] != 0.0:
            acct[A_BARS_IN_MARKET] += 1.0
        if alive and eq <= 0.0:
            for j in range(k):
                if st[j, S_QTY] != 0.0:
                    close_position(
                        cfg, st, acct, trades, fills, cnt, j, t, close[t, j], R_LIQUIDATION, True
                    )
                _cancel_pending(st, orders, j, t, ST_CANCELLED)
            acct[A_BANKRUPT] = 1.0
            eq = acct[A_CASH]
        equity[t] = eq
        t += 1
    # end of data
    if n > 0:
        at_end = cfg[K_CLOSE_AT_END] != 0.0
        for j in range(k):
            if st[j, S_QTY] != 0.0:
                close_position(
                    cfg,
                    st,
                    acct,
                    trades,
                    fills,
                    cnt,
                    j,
                    n - 1,
                    close[n - 1, j],
                    _END if at_end else _OPEN_TRADE,
                    at_end,
                )
        if at_end:
            equity[n - 1] = acct[A_CASH]
    return (
        equity,
        positions,
        trades[: cnt[C_TRADES]].copy(),
        fills[: cnt[C_FILLS]].copy(),
        orders[: cnt[C_ORDERS]].copy(),
        acct,
        stops,
    )


__all__ = ["simulate"]
