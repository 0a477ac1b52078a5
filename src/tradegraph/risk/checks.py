"""Pre-trade checks: one pure function from (order, account, time, guard mode) to a decision.

An order is **risk-reducing** when it is on the opposite side of the position and, together
with the working (non-reduce-only) orders on its side, does not exceed the position: it
can only shrink exposure. Every other order is **risk-increasing**.

All orders must be on the lot/tick grid, inside the price collar of a fresh last price,
at least the venue's min notional, within the max order quantity/notional, and not a
duplicate. A risk-reducing market order is let through without a fresh price (an exit
must always be possible). Risk-increasing orders must in addition pass: guard mode not
HALTED, positive equity, daily/monthly loss limits, not restricted, order rate, stop and
target present and on the right side, reward/risk and expected profit, and notional at most
``leverage`` x equity (larger is a fat finger). Any of these failing denies the order.

Then capacity: risk to the stop (``risk_per_trade_max``), the instrument's exposure, its
correlated cluster's exposure and gross leverage (all scaled by ``reducing_factor`` while
REDUCING). An order over capacity is **reduced** to the largest lot multiple that fits,
unless that is less than ``min_reduced_fraction`` of it, below min notional, or
reductions are off — then it is denied. Nothing here raises for an expected outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import OrderType, Side
from tradegraph.risk.account import AccountSnapshot
from tradegraph.risk.codes import ReasonCode
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.decision import RiskDecision, fast_approval
from tradegraph.risk.guard import GuardMode
from tradegraph.risk.request import ProposedOrder

_ZERO = Decimal(0)
_ONE = Decimal(1)
# Enum members bound to module names: attribute access on an Enum class is slow on the
# per-order path (hundreds of ns each on CPython 3.11).
_BUY = Side.BUY
_MARKET = OrderType.MARKET
_ACTIVE = GuardMode.ACTIVE
_REDUCING = GuardMode.REDUCING
_HALTED = GuardMode.HALTED
_SAFE_MODE = ReasonCode.SAFE_MODE
_GUARD_REDUCING = ReasonCode.GUARD_REDUCING
_DAILY = ReasonCode.DAILY_LOSS_LIMIT
_MONTHLY = ReasonCode.MONTHLY_LOSS_LIMIT
_EQUITY = ReasonCode.NON_POSITIVE_EQUITY
_RESTRICTED = ReasonCode.RESTRICTED_INSTRUMENT
_NO_PRICE = ReasonCode.NO_MARKET_PRICE
_STALE = ReasonCode.STALE_DATA
_BAD_QTY = ReasonCode.INVALID_QUANTITY
_BAD_PRICE = ReasonCode.INVALID_PRICE
_COLLAR = ReasonCode.PRICE_COLLAR
_MIN_NOTIONAL = ReasonCode.BELOW_MIN_NOTIONAL
_MAX_QTY = ReasonCode.MAX_ORDER_QUANTITY
_MAX_NOTIONAL = ReasonCode.MAX_ORDER_NOTIONAL
_FAT_FINGER = ReasonCode.FAT_FINGER
_RATE = ReasonCode.ORDER_RATE
_DUPLICATE = ReasonCode.DUPLICATE_ORDER
_REDUCE_ONLY = ReasonCode.REDUCE_ONLY
_NO_STOP = ReasonCode.MISSING_STOP
_BAD_STOP = ReasonCode.INVALID_STOP
_NO_TARGET = ReasonCode.MISSING_TARGET
_BAD_TARGET = ReasonCode.INVALID_TARGET
_RR = ReasonCode.REWARD_RISK
_PROFIT = ReasonCode.EXPECTED_PROFIT
_RISK = ReasonCode.RISK_PER_TRADE
_INSTRUMENT = ReasonCode.INSTRUMENT_EXPOSURE
_CLUSTER = ReasonCode.CLUSTER_EXPOSURE
_LEVERAGE = ReasonCode.LEVERAGE


def floor_to_lot(value: Decimal, lot: Decimal) -> Decimal:
    """The largest non-negative multiple of ``lot`` that is <= ``value``."""
    if value <= 0:
        return _ZERO
    return (value / lot).to_integral_value(rounding=ROUND_FLOOR) * lot


@dataclass(frozen=True, slots=True)
class _Capacity:
    """Capacity fractions of equity in one guard mode."""

    instrument: Decimal
    cluster: Decimal
    leverage: Decimal
    risk: Decimal


class PreTradeChecker:
    """Holds one strategy's ``RiskConfig``; ``check`` is pure and thread-safe."""

    __slots__ = ("_capacity", "_cfg", "_floor", "_static")

    def __init__(self, config: RiskConfig) -> None:
        self._cfg = config
        static: dict[str, frozenset[str]] = {}
        for cluster in config.clusters:
            for iid in cluster:
                static[iid] = static.get(iid, frozenset()) | cluster
        self._static = static
        self._floor = config.expected_profit_floor
        self._capacity = {
            mode: _Capacity(
                instrument=factor * config.max_instrument_exposure,
                cluster=factor * config.max_cluster_exposure,
                leverage=factor * config.leverage,
                risk=factor * config.risk_per_trade_max,
            )
            for mode, factor in ((_ACTIVE, _ONE), (_REDUCING, config.reducing_factor))
        }

    @property
    def config(self) -> RiskConfig:
        return self._cfg

    def check_cancel(self, client_order_id: str) -> RiskDecision:
        """Cancels always pass, in every guard mode: they can only reduce risk."""
        return RiskDecision.approve(
            _ZERO, risk_increasing=False, detail=f"cancel {client_order_id}"
        )

    def check(  # noqa: PLR0912, PLR0915 - one linear pass is the fast path
        self,
        order: ProposedOrder,
        account: AccountSnapshot,
        now: datetime,
        mode: GuardMode = _ACTIVE,
    ) -> RiskDecision:
        """Approve, reduce or deny ``order`` against ``account`` at ``now`` in ``mode``."""
        if now.tzinfo is None:
            raise ValidationError(
                f"Pre-trade check time must be timezone-aware UTC, got {now!r}.",
                hint="Pass clock.now() from a tradegraph.core.clock.Clock.",
            )
        cfg = self._cfg
        inst = order.instrument
        iid = inst.id
        qty = order.quantity
        buy = order.side is _BUY
        exposure = account.exposures.get(iid)
        if exposure is None:
            pos = pend_buy = pend_sell = _ZERO
        else:
            pos = exposure.position
            pend_buy = exposure.pending_buy
            pend_sell = exposure.pending_sell
        # The directional quantity already committed on the order's side (+pos if buying).
        base = pos + pend_buy if buy else pend_sell - pos
        reducing = base + qty <= 0
        reasons: list[ReasonCode] = []
        notes: list[str] = []
        final_qty = qty
        if order.reduce_only and not reducing:
            final_qty = floor_to_lot(-base, inst.lot_size)
            reducing = True
            if final_qty <= 0:
                reasons.append(_REDUCE_ONLY)
                notes.append(f"reduce-only order of {qty} would not reduce position {pos}")

        # --- every order: grid, market data, size, duplicates ---------------------------
        if qty % inst.lot_size:
            reasons.append(_BAD_QTY)
            notes.append(f"quantity {qty} is not a multiple of lot size {inst.lot_size}")
        price = order.price
        stop_price = order.stop_price
        if (price is not None and price % inst.tick_size) or (
            stop_price is not None and stop_price % inst.tick_size
        ):
            reasons.append(_BAD_PRICE)
            notes.append(f"price is not a multiple of tick size {inst.tick_size}")
        mark = account.last_prices.get(iid)
        last = None
        exit_at_market = reducing and order.order_type is _MARKET
        if mark is None:
            if not exit_at_market:
                reasons.append(_NO_PRICE)
                notes.append(f"no last price for {iid}")
        elif now - mark.time > cfg.max_data_age:
            if not exit_at_market:
                reasons.append(_STALE)
                notes.append(f"last price of {iid} is older than {cfg.max_data_age}")
        else:
            last = mark.price
            if price is not None and abs(price - last) > cfg.price_collar * last:
                reasons.append(_COLLAR)
                notes.append(
                    f"limit {price} is outside the {cfg.price_collar} collar around {last}"
                )
        # Notional limits use the last price even when stale (an exit at market may go out).
        ref = price if price is not None else stop_price
        if ref is None and mark is not None:
            ref = mark.price
        mult = inst.multiplier
        notional = None
        if ref is not None:
            notional = qty * ref * mult
            if notional < inst.min_notional:
                reasons.append(_MIN_NOTIONAL)
                notes.append(f"notional {notional} is below the venue minimum {inst.min_notional}")
            if cfg.max_order_notional is not None and notional > cfg.max_order_notional:
                reasons.append(_MAX_NOTIONAL)
                notes.append(
                    f"notional {notional} exceeds max_order_notional {cfg.max_order_notional}"
                )
        if cfg.max_order_quantity is not None and qty > cfg.max_order_quantity:
            reasons.append(_MAX_QTY)
            notes.append(f"quantity {qty} exceeds max_order_quantity {cfg.max_order_quantity}")
        if (order.client_order_id and order.client_order_id in account.order_ids) or (
            iid in account.signatures
            and account.duplicate_of("", order.signature, now, cfg.duplicate_window)
        ):
            reasons.append(_DUPLICATE)
            notes.append("duplicate of a working or recent order")

        if reducing:
            return self._reducing(
                order, qty=qty, final_qty=final_qty, ref=ref, reasons=reasons, notes=notes
            )

        # --- risk-increasing: hard limits -----------------------------------------------
        equity = account.equity
        if mode is _HALTED:
            reasons.append(_SAFE_MODE)
            notes.append("SAFE_MODE: only cancels and risk-reducing orders pass")
        if equity <= 0:
            reasons.append(_EQUITY)
            notes.append(f"equity is {equity}")
        daily = account.daily_pnl
        if daily < 0 and -daily >= cfg.daily_loss_limit * (equity - daily):
            reasons.append(_DAILY)
            notes.append(f"daily loss {-daily} reached the {cfg.daily_loss_limit} limit")
        monthly = account.monthly_pnl
        if monthly < 0 and -monthly >= cfg.monthly_loss_limit * (equity - monthly):
            reasons.append(_MONTHLY)
            notes.append(f"monthly loss {-monthly} reached the {cfg.monthly_loss_limit} limit")
        restricted = cfg.restricted
        if restricted and (iid in restricted or inst.symbol in restricted):
            reasons.append(_RESTRICTED)
            notes.append(f"{iid} is restricted")
        times = account.order_times
        if (
            len(times) >= cfg.max_orders
            and account.orders_since(now - cfg.order_rate_window) >= cfg.max_orders
        ):
            reasons.append(_RATE)
            notes.append(f"{cfg.max_orders} orders already sent within {cfg.order_rate_window}")
        if ref is None or notional is None or last is None:
            return RiskDecision.deny(tuple(reasons), "; ".join(notes))
        stop_distance = self._quality(order, buy, ref, reasons, notes)
        if notional > cfg.leverage * equity:
            reasons.append(_FAT_FINGER)
            notes.append(f"notional {notional} exceeds {cfg.leverage}x equity {equity}")
        if reasons:
            return RiskDecision.deny(tuple(reasons), "; ".join(notes))

        # --- risk-increasing: capacity --------------------------------------------------
        cap = self._capacity[mode]
        unit = last * mult  # exposure of one unit, valued at the last price
        after = (base + qty) * unit
        opposite = (abs(pos - pend_sell) if buy else abs(pos + pend_buy)) * unit
        own = exposure.notional if exposure is not None else _ZERO
        limit = cap.instrument * equity
        fits = after <= limit and opposite <= limit
        leverage_room = cap.leverage * equity - (account.gross_exposure - own)
        fits = fits and after <= leverage_room and opposite <= leverage_room
        others = self._cluster_exposure(iid, account) if account.exposures else _ZERO
        cluster_room = cap.cluster * equity - others
        fits = fits and after <= cluster_room and opposite <= cluster_room
        budget = cap.risk * equity
        per_unit = stop_distance * mult if stop_distance is not None else None
        if fits and (per_unit is None or qty * per_unit <= budget):
            return fast_approval(qty, True)

        # --- over capacity: reduce or deny ----------------------------------------------
        lot = inst.lot_size
        failing: list[ReasonCode] = []
        allowed = qty
        tightest = None
        for reason, room in (
            (_INSTRUMENT, limit),
            (_LEVERAGE, leverage_room),
            (_CLUSTER, cluster_room),
        ):
            if after > room or opposite > room:
                failing.append(reason)
                tightest = room if tightest is None else min(tightest, room)
        if tightest is not None:  # the tightest room bounds the quantity for all of them
            bound = floor_to_lot(tightest / unit - base, lot) if opposite <= tightest else _ZERO
            while bound > 0 and (base + bound) * unit > tightest:
                bound -= lot
            allowed = min(allowed, bound)
        if per_unit is not None and qty * per_unit > budget:
            failing.append(_RISK)
            bound = floor_to_lot(budget / per_unit, lot)
            while bound > 0 and bound * per_unit > budget:
                bound -= lot
            allowed = min(allowed, bound)
        if mode is _REDUCING:
            failing.append(_GUARD_REDUCING)
        codes = tuple(failing)
        text = f"capacity allows {allowed} of {qty} ({', '.join(codes)})"
        if allowed <= 0 or not cfg.allow_reduce or allowed < cfg.min_reduced_fraction * qty:
            return RiskDecision.deny(codes, text)
        if allowed * ref * mult < inst.min_notional:
            return RiskDecision.deny((*codes, _MIN_NOTIONAL), f"{text}; below min notional")
        return RiskDecision.reduce(allowed, codes, text)

    def _reducing(
        self,
        order: ProposedOrder,
        *,
        qty: Decimal,
        final_qty: Decimal,
        ref: Decimal | None,
        reasons: list[ReasonCode],
        notes: list[str],
    ) -> RiskDecision:
        """The decision for a risk-reducing (or reduce-only) order."""
        if reasons:
            return RiskDecision.deny(tuple(reasons), "; ".join(notes), risk_increasing=False)
        if final_qty == qty:
            return fast_approval(qty, False)
        inst = order.instrument
        if ref is not None and final_qty * ref * inst.multiplier < inst.min_notional:
            return RiskDecision.deny(
                (_REDUCE_ONLY, _MIN_NOTIONAL),
                f"reduce-only remainder {final_qty} is below the venue minimum notional",
                risk_increasing=False,
            )
        return RiskDecision.reduce(
            final_qty,
            (_REDUCE_ONLY,),
            f"reduce-only order cut to the remaining position {final_qty}",
            risk_increasing=False,
        )

    def _quality(
        self,
        order: ProposedOrder,
        buy: bool,
        entry: Decimal,
        reasons: list[ReasonCode],
        notes: list[str],
    ) -> Decimal | None:
        """Stop/target presence and side, reward/risk and expected profit; returns the
        stop distance when the stop is valid."""
        cfg = self._cfg
        stop, target = order.stop_loss, order.take_profit
        stop_distance = None
        if stop is None:
            if cfg.require_stop:
                reasons.append(_NO_STOP)
                notes.append("a risk-increasing order needs a stop_loss")
        elif (entry > stop) is not buy or entry == stop:
            reasons.append(_BAD_STOP)
            notes.append(f"stop {stop} is on the wrong side of entry {entry}")
        else:
            stop_distance = abs(entry - stop)
        if target is None:
            if cfg.require_target:
                reasons.append(_NO_TARGET)
                notes.append("a risk-increasing order needs a take_profit")
            return stop_distance
        if (target > entry) is not buy or target == entry:
            reasons.append(_BAD_TARGET)
            notes.append(f"target {target} is on the wrong side of entry {entry}")
            return stop_distance
        reward = abs(target - entry)
        if stop_distance is not None and reward < cfg.min_reward_risk * stop_distance:
            reasons.append(_RR)
            notes.append(f"reward/risk {reward / stop_distance:.3f} is below {cfg.min_reward_risk}")
        if self._floor is not None and reward < self._floor * entry:
            reasons.append(_PROFIT)
            notes.append(f"expected profit {reward / entry:.4f} is below {self._floor}")
        return stop_distance

    def _cluster_exposure(self, iid: str, account: AccountSnapshot) -> Decimal:
        """Exposure of the other instruments in ``iid``'s correlated or static cluster."""
        static = self._static.get(iid)
        row = account.correlations.row(iid)
        threshold = self._cfg.correlation_threshold
        total = _ZERO
        for other, exposure in account.exposures.items():
            if other == iid:
                continue
            if static is not None and other in static:
                total += exposure.notional
                continue
            value = row.get(other)
            if value is not None and (value >= threshold or -value >= threshold):
                total += exposure.notional
        return total


__all__ = ["PreTradeChecker", "floor_to_lot"]
