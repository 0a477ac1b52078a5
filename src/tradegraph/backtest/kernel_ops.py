"""Compiled building blocks of the fill simulation: prices, fees, sizing, opening and
closing positions, protective exits, the risk engine's stop policy and resting entry
orders.

Everything here is ``@njit(cache=True, nogil=True)``; the per-instrument state is one row
of a float64 matrix (``S_*`` columns) so that helpers stay small and the kernel's
signature never changes. Semantics are documented in ``docs/backtesting.md``.
"""

# Numba kernels take flat positional arguments (no kwargs or objects in nopython mode).
# ruff: noqa: PLR0917

from __future__ import annotations

import math

import numpy as np

from tradegraph.backtest.config import (
    K_COMM_FIXED,
    K_COMM_PCT,
    K_LEVERAGE,
    K_LOT,
    K_MAINT,
    K_POL_ATR_MULT,
    K_POL_BE_OFFSET,
    K_POL_BE_R,
    K_POL_MAX_BARS,
    K_POL_MIN_R,
    K_POL_TRAIL_FRAC,
    K_POL_TRAIL_KIND,
    K_POL_TRAIL_MULT,
    K_POLICY,
    K_SAME_BAR,
    K_SIZE,
    K_SIZING,
    K_SL_PCT,
    K_SLIP_ATR,
    K_SLIP_BPS,
    K_TICK,
    K_TP_PCT,
    K_TRAIL_PCT,
)
from tradegraph.backtest.jit import F64, I64, kernel
from tradegraph.backtest.records import (
    F_BAR,
    F_FEE,
    F_INSTRUMENT,
    F_ORDER,
    F_PRICE,
    F_QTY,
    F_REASON,
    F_SIDE,
    O_DONE_BAR,
    O_FILL_PRICE,
    O_QTY,
    O_STATUS,
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
from tradegraph.risk.kernels import (
    initial_stop,
    next_stop,
    r_multiple,
    risk_quantity,
    stop_hit,
    time_stop_hit,
)

# Per-instrument state columns.
S_QTY = 0  # signed position quantity
S_ENTRY_PRICE = 1
S_ENTRY_BAR = 2
S_ENTRY_FEE = 3
S_SL = 4  # stop-loss price (NaN: none)
S_TP = 5  # take-profit price (NaN: none)
S_TRAIL = 6  # trailing distance in price units (NaN: none)
S_TRAIL_REF = 7  # best price seen since entry (high for longs, low for shorts)
S_INIT_STOP = 8  # stop at entry, for the R multiple
S_PEXIT = 9  # pending market exit at next open: 0 none, else ExitReason + 1
S_MARK = 10  # latest known price (open, then close) for equity and margin
P_SIDE = 11  # pending entry order side: 0 none, +1 buy, -1 sell
P_KIND = 12
P_LIMIT = 13
P_STOP = 14
P_TRIGGERED = 15  # stop-limit already triggered
P_EXPIRY = 16  # last bar on which the order may fill
P_SIZE = 17
P_SL = 18
P_TP = 19
P_TRAIL = 20
P_ROW = 21  # row in the orders buffer
S_INTRA = 22  # 1 on the bar of an intrabar (limit/stop) entry
S_BEST = 23  # stop policy: most favourable price since entry (the fill price at first)
S_BARS = 24  # stop policy: bar closes seen while held (the entry bar's, unless entered at it)
S_COLS = 25

# Account vector.
A_CASH = 0
A_BANKRUPT = 1
A_BARS_IN_MARKET = 2
A_IN_MARKET_NOW = 3
A_REJECTED = 4
A_LEN = 5

# Counters vector.
C_TRADES = 0
C_FILLS = 1
C_ORDERS = 2

# Codes duplicated from records/config enums (numba reads plain ints).
KIND_MARKET = 0
KIND_LIMIT = 1
KIND_STOP = 2
KIND_STOP_LIMIT = 3
ST_FILLED = 1.0
ST_CANCELLED = 2.0
ST_EXPIRED = 3.0
ST_REJECTED = 4.0
R_STOP_LOSS = 1
R_TAKE_PROFIT = 2
R_TRAILING = 3
R_LIQUIDATION = 5
R_TIME_STOP = 8
SIZING_FRACTION = 0
SIZING_FIXED = 1
EPS = 1e-9


@kernel
def snap(price: float, tick: float, up: bool) -> float:
    """Round ``price`` onto the tick grid, up or down (values within 1e-9 ticks stay)."""
    if tick <= 0.0:
        return price
    x = price / tick
    r = math.floor(x + 0.5)
    if abs(x - r) < EPS:
        return r * tick
    return (math.ceil(x) if up else math.floor(x)) * tick


@kernel
def market_price(cfg: F64, price: float, side: int, atr: float) -> float:
    """Fill price of a market or stop order: adverse slippage, adverse tick rounding."""
    slip = price * cfg[K_SLIP_BPS] * 1e-4
    if cfg[K_SLIP_ATR] > 0.0 and not math.isnan(atr):
        slip += cfg[K_SLIP_ATR] * atr
    return snap(price + side * slip, cfg[K_TICK], side > 0)


@kernel
def limit_price(cfg: F64, price: float, side: int) -> float:
    """Fill price of a limit order: no slippage, rounded to stay within the limit."""
    return snap(price, cfg[K_TICK], side < 0)


@kernel
def fee(cfg: F64, qty: float, price: float) -> float:
    pct: float = cfg[K_COMM_PCT]
    fixed: float = cfg[K_COMM_FIXED]
    return pct * abs(qty) * price + fixed


@kernel
def entry_quantity(cfg: F64, st: F64, acct: F64, price: float, size: float, stop: float) -> float:
    """Units to buy/sell at ``price`` under the sizing mode; 0 means reject."""
    eq: float = acct[A_CASH]
    used = 0.0
    for i in range(st.shape[0]):
        if st[i, S_QTY] != 0.0:
            value = st[i, S_QTY] * st[i, S_MARK]
            eq += value
            used += abs(value)
    lev: float = cfg[K_LEVERAGE]
    avail = eq - used / lev
    if avail <= 0.0:
        return 0.0
    power: float = avail * lev
    unit_cost: float = price * (1.0 + cfg[K_COMM_PCT])
    fixed: float = cfg[K_COMM_FIXED]
    lot: float = cfg[K_LOT]
    mode = int(cfg[K_SIZING])
    amount: float = size if not math.isnan(size) else cfg[K_SIZE]
    if mode == SIZING_FRACTION:
        # a fraction of total equity (x leverage), capped by the buying power left
        budget = min(eq * amount * lev, power) - fixed
        if budget <= 0.0:
            return 0.0
        if lot > 0.0:
            return (budget // (unit_cost * lot)) * lot
        return budget / unit_cost
    if mode == SIZING_FIXED:
        qty = (amount // lot) * lot if lot > 0.0 else amount
        if qty * unit_cost + fixed > power * (1.0 + 1e-12):
            return 0.0
        return qty
    # RISK: the risk engine's fixed-fractional size (``amount`` of equity lost at the
    # stop; the same kernel live trading uses), capped by the buying power left
    dist = abs(price - stop)
    if not (dist > 0.0):
        return 0.0
    affordable = (power - fixed) / unit_cost
    if lot > 0.0:
        qty = risk_quantity(eq, amount, price, stop, 1.0, lot)
        return max(min(qty, (affordable // lot) * lot), 0.0)
    return max(min(eq * amount / dist, affordable), 0.0)


@kernel
def record_fill(
    fills: F64,
    cnt: I64,
    bar: int,
    j: int,
    side: float,
    qty: float,
    price: float,
    fee_paid: float,
    order: float,
    reason: float,
) -> None:
    r = cnt[C_FILLS]
    fills[r, F_BAR] = bar
    fills[r, F_INSTRUMENT] = j
    fills[r, F_SIDE] = side
    fills[r, F_QTY] = qty
    fills[r, F_PRICE] = price
    fills[r, F_FEE] = fee_paid
    fills[r, F_ORDER] = order
    fills[r, F_REASON] = reason
    cnt[C_FILLS] = r + 1


@kernel
def open_position(
    cfg: F64,
    st: F64,
    acct: F64,
    fills: F64,
    orders: F64,
    cnt: I64,
    j: int,
    bar: int,
    side: int,
    price: float,
    ref_price: float,
    size: float,
    sl: float,
    tp: float,
    trail: float,
    row: int,
    policy_atr: float,
) -> bool:
    """Size and open a position at ``price``; False (order rejected) if the size is 0.

    With a stop policy the initial stop is ``atr_multiple`` x ``policy_atr`` (the ATR
    known at the fill) from the fill price, tightened with the intent / percent stop."""
    if math.isnan(sl) and cfg[K_SL_PCT] > 0.0:
        sl = price * (1.0 - side * cfg[K_SL_PCT])
    if cfg[K_POLICY] != 0.0:
        sl = initial_stop(price, policy_atr, cfg[K_POL_ATR_MULT], sl, side)
    if math.isnan(tp) and cfg[K_TP_PCT] > 0.0:
        tp = price * (1.0 + side * cfg[K_TP_PCT])
    if math.isnan(trail) and cfg[K_TRAIL_PCT] > 0.0:
        trail = price * cfg[K_TRAIL_PCT]
    qty = entry_quantity(cfg, st, acct, price, size, sl)
    if row >= 0:
        orders[row, O_DONE_BAR] = bar
    if not (qty > 0.0):
        acct[A_REJECTED] += 1.0
        if row >= 0:
            orders[row, O_STATUS] = ST_REJECTED
        return False
    paid = fee(cfg, qty, price)
    acct[A_CASH] -= side * qty * price + paid
    st[j, S_QTY] = side * qty
    st[j, S_ENTRY_PRICE] = price
    st[j, S_ENTRY_BAR] = bar
    st[j, S_ENTRY_FEE] = paid
    st[j, S_SL] = sl
    st[j, S_TP] = tp
    st[j, S_TRAIL] = trail
    st[j, S_TRAIL_REF] = ref_price
    st[j, S_INIT_STOP] = sl
    st[j, S_PEXIT] = 0.0
    st[j, S_BEST] = price
    st[j, S_BARS] = 0.0
    acct[A_IN_MARKET_NOW] = 1.0
    if row >= 0:
        orders[row, O_STATUS] = ST_FILLED
        orders[row, O_FILL_PRICE] = price
        orders[row, O_QTY] = qty
    record_fill(fills, cnt, bar, j, side, qty, price, paid, row, -1.0)
    return True


@kernel
def close_position(
    cfg: F64,
    st: F64,
    acct: F64,
    trades: F64,
    fills: F64,
    cnt: I64,
    j: int,
    bar: int,
    price: float,
    reason: int,
    charge: bool,
) -> None:
    """Close instrument ``j``'s whole position at ``price`` and record the trade."""
    qty = st[j, S_QTY]
    entry = st[j, S_ENTRY_PRICE]
    paid = fee(cfg, qty, price) if charge else 0.0
    acct[A_CASH] += qty * price - paid
    pnl = qty * (price - entry) - st[j, S_ENTRY_FEE] - paid
    r = cnt[C_TRADES]
    trades[r, T_INSTRUMENT] = j
    trades[r, T_DIRECTION] = 1.0 if qty > 0 else -1.0
    trades[r, T_ENTRY_BAR] = st[j, S_ENTRY_BAR]
    trades[r, T_EXIT_BAR] = bar
    trades[r, T_ENTRY_PRICE] = entry
    trades[r, T_EXIT_PRICE] = price
    trades[r, T_QTY] = abs(qty)
    trades[r, T_ENTRY_FEE] = st[j, S_ENTRY_FEE]
    trades[r, T_EXIT_FEE] = paid
    trades[r, T_PNL] = pnl
    trades[r, T_RETURN] = pnl / (abs(qty) * entry)
    stop = st[j, S_INIT_STOP]
    risk = (entry - stop) if qty > 0 else (stop - entry)
    trades[r, T_R_MULTIPLE] = pnl / (abs(qty) * risk) if risk > 0.0 else np.nan
    trades[r, T_EXIT_REASON] = reason
    trades[r, T_INITIAL_STOP] = stop
    cnt[C_TRADES] = r + 1
    if charge:
        record_fill(fills, cnt, bar, j, -1.0 if qty > 0 else 1.0, abs(qty), price, paid, -1, reason)
    st[j, S_QTY] = 0.0
    st[j, S_PEXIT] = 0.0


@kernel
def liquidation_price(cfg: F64, st: F64, acct: F64, j: int) -> float:
    """Price of instrument ``j`` at which equity falls to the maintenance margin, with
    every other position held at its mark. NaN when no positive such price exists."""
    e0 = acct[A_CASH]
    m0 = 0.0
    mm = cfg[K_MAINT]
    for i in range(st.shape[0]):
        if i != j and st[i, S_QTY] != 0.0:
            e0 += st[i, S_QTY] * st[i, S_MARK]
            m0 += mm * abs(st[i, S_QTY] * st[i, S_MARK])
    q = st[j, S_QTY]
    denom = q - mm * abs(q)
    if denom == 0.0:
        return np.nan
    p = (m0 - e0) / denom
    return p if p > 0.0 else np.nan


@kernel
def protect(
    cfg: F64,
    st: F64,
    acct: F64,
    trades: F64,
    fills: F64,
    cnt: I64,
    j: int,
    bar: int,
    start: float,
    high: float,
    low: float,
    atr: float,
    allow_target: bool,
) -> None:
    """Stop-loss, trailing stop, liquidation and take-profit for one bar.

    ``start`` is the first price of the segment (the open, or the fill price for an
    intrabar entry). Adverse levels: the tightest of stop, trailing level and
    liquidation price; a stop that moved since entry (stop policy) exits as trailing.
    A segment starting beyond a level fills at ``start`` (gap).
    When both an adverse level and the target lie in the range, ``same_bar`` decides
    (stop first by default; liquidation always first).
    """
    qty = st[j, S_QTY]
    side = 1 if qty > 0 else -1
    level = st[j, S_SL]
    reason = R_STOP_LOSS if level == st[j, S_INIT_STOP] else R_TRAILING  # moved: policy
    trail = st[j, S_TRAIL]
    if not math.isnan(trail):
        t_level = st[j, S_TRAIL_REF] - side * trail
        if math.isnan(level) or (t_level - level) * side > 0:
            level = t_level
            reason = R_TRAILING
    liq = liquidation_price(cfg, st, acct, j)
    if not math.isnan(liq) and (math.isnan(level) or (liq - level) * side >= 0):
        level = liq
        reason = R_LIQUIDATION
    target = st[j, S_TP] if allow_target else np.nan
    if stop_hit(level, start, start, side):
        close_position(
            cfg,
            st,
            acct,
            trades,
            fills,
            cnt,
            j,
            bar,
            market_price(cfg, start, -side, atr),
            reason,
            True,
        )
        return
    if not math.isnan(target) and (start - target) * side >= 0:
        close_position(
            cfg,
            st,
            acct,
            trades,
            fills,
            cnt,
            j,
            bar,
            limit_price(cfg, start, -side),
            R_TAKE_PROFIT,
            True,
        )
        return
    favourable_extreme = high if side > 0 else low
    adverse = stop_hit(level, low, high, side)
    favourable = not math.isnan(target) and (favourable_extreme - target) * side >= 0
    if adverse and favourable and reason != R_LIQUIDATION and cfg[K_SAME_BAR] == 1.0:
        adverse = False
    if adverse:
        close_position(
            cfg,
            st,
            acct,
            trades,
            fills,
            cnt,
            j,
            bar,
            market_price(cfg, level, -side, atr),
            reason,
            True,
        )
    elif favourable:
        close_position(
            cfg,
            st,
            acct,
            trades,
            fills,
            cnt,
            j,
            bar,
            limit_price(cfg, target, -side),
            R_TAKE_PROFIT,
            True,
        )


@kernel
def policy_close(
    cfg: F64,
    st: F64,
    j: int,
    high: float,
    low: float,
    close: float,
    atr: float,
    highest: float,
    lowest: float,
) -> bool:
    """At a bar's close, for instrument ``j``'s held position under the stop policy: take
    the bar's extreme into the best price, count the bar, and set the stop for the next
    bar (``risk.kernels.next_stop``: breakeven, trailing, tighten-only) from data up to
    this close. True when the time stop says exit (judged at ``close``).

    ``high``/``low`` are the part of the bar after the entry (the close alone on the bar
    of an intrabar entry); ``atr``, ``highest``, ``lowest`` are this bar's ATR and
    chandelier lookback extremes."""
    sign = 1 if st[j, S_QTY] > 0 else -1
    best = max(st[j, S_BEST], high) if sign > 0 else min(st[j, S_BEST], low)
    bars = st[j, S_BARS] + 1.0
    entry = st[j, S_ENTRY_PRICE]
    first = st[j, S_INIT_STOP]
    st[j, S_BEST] = best
    st[j, S_BARS] = bars
    st[j, S_SL] = next_stop(
        sign,
        entry,
        first,
        st[j, S_SL],
        best,
        highest,
        lowest,
        atr,
        cfg[K_POL_BE_R],
        cfg[K_POL_BE_OFFSET],
        int(cfg[K_POL_TRAIL_KIND]),
        cfg[K_POL_TRAIL_MULT],
        cfg[K_POL_TRAIL_FRAC],
    )
    return time_stop_hit(
        int(bars), int(cfg[K_POL_MAX_BARS]), r_multiple(entry, first, close, sign), cfg[K_POL_MIN_R]
    )


@kernel
def resting_fill_price(
    st: F64, j: int, open_: float, high: float, low: float
) -> tuple[float, bool]:
    """Where a resting limit/stop/stop-limit entry fills in this bar (NaN: it does not),
    and whether it fills as a market (slippage) order. Marks stop-limits triggered."""
    side = int(st[j, P_SIDE])
    kind = int(st[j, P_KIND])
    lim = st[j, P_LIMIT]
    stop = st[j, P_STOP]
    if kind == KIND_STOP or (kind == KIND_STOP_LIMIT and st[j, P_TRIGGERED] == 0.0):
        touched = high >= stop if side > 0 else low <= stop
        if not touched:
            return np.nan, False
        if kind == KIND_STOP:
            return (max(open_, stop) if side > 0 else min(open_, stop)), True
        st[j, P_TRIGGERED] = 1.0
        at_open = (open_ - stop) * side >= 0
        if at_open:
            if (lim - open_) * side >= 0:
                return open_, False
            return np.nan, False
        if (lim - stop) * side >= 0:
            return stop, False
        return np.nan, False  # conservative: the pull-back to the limit may precede the trigger
    # plain limit, or a stop-limit triggered on an earlier bar
    if (lim - open_) * side >= 0:
        return open_, False
    if (lim - (low if side > 0 else high)) * side >= 0:
        return lim, False
    return np.nan, False


__all__ = [
    "close_position",
    "entry_quantity",
    "open_position",
    "policy_close",
    "protect",
    "resting_fill_price",
]
