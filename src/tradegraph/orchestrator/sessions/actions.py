"""What a session does with a ``Plan``: cancels, closes and entries through the risk
engine and the OMS, and the protective legs a stop policy manages.

- ``close``: a market order for the whole position (``execution.planning.plan_exit``),
  risk-reducing, never vetoed.
- ``enter``: sized (FIXED units, or ``risk.sizing.size_intent`` with an ATR stop when the
  decision has none, capped by the instrument exposure limit), checked by
  ``PreTradeChecker`` against the strategy's own book (after a reversal's close the
  account is taken as flat in the instrument), then placed with
  ``OrderManager.submit_intent``: the entry and, without a stop policy, its bracket legs
  (children the OMS sends once the entry fills).
- With a stop policy the stop depends on the fill price, so the entry goes alone and
  ``place_protection`` sends the legs after the fill (stop first, then target: the venue
  works a bar's resting orders in the order they came, and the backtest tests the stop
  first). ``move_stop`` replaces the stop leg when the policy moves it, and re-places the
  target behind it for the same reason.

Leg ids derive from the entry's decision id (``stop``, ``target``) and, for moves, from
the bar that moved them (``stop.m<bar>``, ``target.m<bar>``): re-doing a step after a
crash re-derives the same ids, which the order store and the venue de-duplicate.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from tradegraph.core.errors import ExecutionError
from tradegraph.core.precision import Rounding, to_decimal
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.planning import PlanContext, plan_exit
from tradegraph.execution.ports import Capabilities
from tradegraph.execution.store import OrderRecord
from tradegraph.model.enums import Direction, OrderType, Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import Order
from tradegraph.orchestrator.sessions.book import StrategyBook
from tradegraph.orchestrator.sessions.policy import Open
from tradegraph.orchestrator.sessions.spec import SessionSpec, SizingKind
from tradegraph.risk.account import AccountSnapshot, PriceMark
from tradegraph.risk.checks import PreTradeChecker
from tradegraph.risk.config import RiskConfig
from tradegraph.risk.guard import GuardMode
from tradegraph.risk.request import ProposedOrder
from tradegraph.risk.sizing import size_intent
from tradegraph.risk.stops import round_stop

PROTECTION = ("stop", "target")


def leg_base(leg: str) -> str:
    """``stop`` for ``stop``, ``stop.r1`` and ``stop.m20240101T000000Z``."""
    return leg.split(".", 1)[0]


def price(value: float) -> Decimal:
    return to_decimal(value, "price")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: a line for the decision record and the client ids it placed."""

    text: str
    order_ids: tuple[str, ...] = ()


class OrderActions:
    """The order side of one session (see the module docstring)."""

    def __init__(
        self,
        spec: SessionSpec,
        *,
        instrument: Instrument,
        orders: OrderManager,
        capabilities: Capabilities,
        book: StrategyBook,
        risk: RiskConfig,
    ) -> None:
        self.spec = spec
        self.instrument = instrument
        self.orders = orders
        self.capabilities = capabilities
        self.book = book
        self.risk = risk
        self.checker = PreTradeChecker(risk)

    def context(self, decision_id: str, now: datetime) -> PlanContext:
        return PlanContext(self.spec.tenant_id, self.spec.strategy_id, decision_id, now)

    # --- cancels and closes ----------------------------------------------------------------

    def cancel(
        self,
        *,
        protection: bool,
        entries: bool,
        decision_id: str,
        keep: Collection[str] = (),
    ) -> list[str]:
        """Cancel the working protective legs and/or entries of earlier decisions (never
        the orders of ``decision_id`` itself, which a re-done step may have placed before
        a crash, nor those in ``keep``); problems come back as notes."""
        notes: list[str] = []
        for record in self.book.working():
            if record.client_order_id in keep or record.decision_id == decision_id:
                continue
            base = leg_base(record.leg)
            if (protection and base in PROTECTION) or (entries and base == "entry"):
                try:
                    self.orders.cancel(record.client_order_id)
                except ExecutionError as exc:
                    notes.append(f"cancel of {record.leg} failed: {exc.message}")
        return notes

    def close(self, ctx: PlanContext) -> Outcome:
        plan = plan_exit(self.instrument, self.book.position, ctx, capabilities=self.capabilities)
        if not plan.planned:
            return Outcome(plan.skipped_reason)
        placement = self.orders.place(plan.records, risk_increasing=False)
        ids = tuple(r.client_order_id for r in placement.records)
        if placement.refused_reason:
            return Outcome(f"close refused: {placement.refused_reason}", ids)
        return Outcome("", ids)

    # --- entries ----------------------------------------------------------------------------

    def enter(
        self,
        entry: Open,
        ctx: PlanContext,
        *,
        close: Decimal,
        reasoning: str,
        mode: GuardMode,
        atr: float | None,
        flat: bool,
        bracket: bool,
    ) -> Outcome:
        """Size, check and place an entry (with its bracket as children when
        ``bracket``; a stop policy places the legs itself after the fill)."""
        now = ctx.now
        confidence = (
            min(max(entry.confidence, 0.0), 1.0) if math.isfinite(entry.confidence) else 0.0
        )
        intent = Intent(
            instrument_id=self.instrument.id,
            direction=entry.direction,
            time=now,
            confidence=confidence,
            stop=entry.stop_loss,
            target=entry.take_profit,
            reasoning=reasoning,
        )
        quantity, sizing_stop = self._size(intent, close, atr)
        if quantity <= 0:
            return Outcome("entry not sized (no stop to size from, or below one lot)")
        if sizing_stop is not None:
            intent = replace(intent, stop=sizing_stop)
        proposal = ProposedOrder(
            instrument=self.instrument,
            side=entry.side,
            quantity=quantity,
            order_type=OrderType.MARKET,
            time=now,
            client_order_id=ctx.client_id("entry"),
            stop_loss=price(intent.stop) if intent.stop is not None else None,
            take_profit=price(intent.target) if intent.target is not None else None,
        )
        account = self._account(close, now, flat=flat, decision_id=ctx.decision_id)
        verdict = self.checker.check(proposal, account, now, mode)
        if verdict.denied:
            return Outcome(f"risk denied: {', '.join(r.value for r in verdict.reasons)}")
        if not bracket:
            intent = replace(intent, stop=None, target=None)
        placement = self.orders.submit_intent(
            intent, verdict, strategy_id=self.spec.strategy_id, decision_id=ctx.decision_id
        )
        ids = tuple(r.client_order_id for r in placement.records)
        if placement.refused_reason:
            return Outcome(f"entry refused: {placement.refused_reason}", ids)
        sized = f"{verdict.quantity}" + (" (reduced by risk)" if verdict.reduced else "")
        return Outcome(f"{entry.direction.value} {sized}", ids)

    def _size(
        self, intent: Intent, close: Decimal, atr: float | None
    ) -> tuple[Decimal, float | None]:
        """Units to enter, and the protective stop to place when the decision has none
        (RISK sizing sizes from an ATR stop then; FIXED sizing adds no stop)."""
        sizing = self.spec.sizing
        instrument = self.instrument
        if sizing.kind is SizingKind.FIXED:
            assert sizing.quantity is not None
            return instrument.round_quantity(sizing.quantity), None
        equity = self.book.equity(close)
        result = size_intent(intent, instrument, equity, self.risk, price=close, atr=atr)
        stop = float(result.stop) if intent.stop is None and result.stop is not None else None
        cap = instrument.round_quantity(  # never propose more than the exposure limit allows
            self.risk.max_instrument_exposure * equity / (close * instrument.multiplier)
        )
        return min(result.quantity, cap), stop

    def _account(
        self, close: Decimal, now: datetime, *, flat: bool, decision_id: str
    ) -> AccountSnapshot:
        """What the risk check sees. Orders of this very decision are left out: they exist
        only when the step is being re-done after a crash, and the check must see what it
        saw the first time (not mistake the step's own entry for a duplicate)."""
        iid = self.instrument.id
        held = None if flat else self.book.holding_position()
        working = [
            r.order
            for r in self.book.working()
            if not r.order.reduce_only
            and not (flat and leg_base(r.leg) in PROTECTION)
            and r.decision_id != decision_id
        ]
        return AccountSnapshot(
            equity=self.book.equity(close),
            positions=(held,) if held is not None and held.quantity != 0 else (),
            open_orders=tuple(working),
            last_prices={iid: PriceMark(close, now)},
            instruments={iid: self.instrument},
        )

    # --- stop-policy legs ------------------------------------------------------------------

    def _leg(self, ctx: PlanContext, leg: str, order: Order, entry_id: str) -> OrderRecord:
        return OrderRecord(
            order=order,
            tenant_id=self.spec.tenant_id,
            strategy_id=self.spec.strategy_id,
            decision_id=ctx.decision_id,
            leg=leg,
            venue=self.instrument.venue,
            group_id=entry_id,
            oco_group=f"{entry_id}.oco",
        )

    def protection_records(
        self,
        ctx: PlanContext,
        *,
        entry_id: str,
        stop: float | None,
        target: float | None,
        suffix: str = "",
    ) -> list[OrderRecord]:
        """The stop (first) and target legs protecting the held position."""
        position = self.book.position
        if position == 0:
            return []
        direction = Direction.LONG if position > 0 else Direction.SHORT
        side = Side.SELL if position > 0 else Side.BUY
        quantity = abs(position)
        reduce_only = self.capabilities.reduce_only
        records: list[OrderRecord] = []
        if stop is not None and math.isfinite(stop) and stop > 0:
            leg = f"stop{suffix}"
            order = Order(
                client_order_id=ctx.client_id(leg),
                instrument_id=self.instrument.id,
                side=side,
                order_type=OrderType.STOP,
                quantity=quantity,
                created_at=ctx.now,
                stop_price=round_stop(self.instrument, stop, direction),
                reduce_only=reduce_only,
            )
            records.append(self._leg(ctx, leg, order, entry_id))
        if target is not None and math.isfinite(target) and target > 0:
            leg = f"target{suffix}"
            rounding = Rounding.DOWN if position > 0 else Rounding.UP  # towards the entry
            order = Order(
                client_order_id=ctx.client_id(leg),
                instrument_id=self.instrument.id,
                side=side,
                order_type=OrderType.LIMIT,
                quantity=quantity,
                created_at=ctx.now,
                price=self.instrument.round_price(target, rounding),
                reduce_only=reduce_only,
            )
            records.append(self._leg(ctx, leg, order, entry_id))
        return records

    def place_protection(self, records: list[OrderRecord]) -> tuple[str, ...]:
        if not records:
            return ()
        placement = self.orders.place(records, risk_increasing=False)
        return tuple(r.client_order_id for r in placement.records)

    def working_legs(self) -> list[OrderRecord]:
        return [r for r in self.book.working() if leg_base(r.leg) in PROTECTION]


__all__ = ["PROTECTION", "OrderActions", "Outcome", "leg_base", "price"]
