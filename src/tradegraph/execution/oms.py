"""``OrderManager``: the order management system over one venue.

Intent + ``RiskDecision`` → planned orders (``planning``) → persisted, then sent
(``flow``) → kept in step with the venue (``resolution``, ``syncing``, ``brackets``) →
reconciled (``reconciliation``), under the rules of DESIGN.md §4: the order row is
committed before the venue call; a timeout is UNKNOWN and is resolved by querying the
venue by client order id; a submit is re-sent (same id) only after the venue confirmed it
never received it; reads are retried with jitter, writes never; a per-venue circuit
breaker stops calls to a failing venue; fills are de-duplicated by trade id.

Safety: a token bucket per strategy throttles new orders, and the ``KillSwitch`` (shared
with whoever may halt trading) refuses risk-increasing placements; ``halt`` trips it
and cancels every open order. Placements refused by the kill switch are decided
*before* taking the OMS lock, so a runaway loop cannot starve ``halt``.

Thread-safety: every operation that changes orders runs under one re-entrant lock; the
store and the venue client are only used under it (``status`` reads without it).
Run one ``OrderManager`` per (tenant, venue) process: the lock is not shared across
processes (the store's optimistic versions still refuse conflicting writes).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    ExecutionError,
    NotFoundError,
    TradingHaltedError,
    ValidationError,
)
from tradegraph.execution.amend import replace_order
from tradegraph.execution.brackets import activate_children
from tradegraph.execution.breaker import BreakerStatus
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.flow import Checkpoint, OrderFlow
from tradegraph.execution.gateway import VenueGateway
from tradegraph.execution.planning import PlanContext, plan_intent
from tradegraph.execution.ports import ExecutionClient
from tradegraph.execution.reconciliation import reconcile_venue
from tradegraph.execution.reports import (
    CancelReport,
    HaltReport,
    OmsStatus,
    Placement,
    ReconcileReport,
    SyncReport,
)
from tradegraph.execution.resolution import resolve_orders
from tradegraph.execution.store import OrderRecord, OrderStore
from tradegraph.execution.syncing import sync_orders
from tradegraph.execution.throttle import KillSwitch, KillSwitchStatus, OrderThrottle
from tradegraph.execution.transitions import OPEN
from tradegraph.model.enums import OrderType, TimeInForce
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import OrderStatus
from tradegraph.risk.decision import RiskDecision

DEFAULT_CONFIG = OmsConfig()


@dataclass(frozen=True, slots=True)
class IntentOrder:
    """One decision to place: the batch item of ``submit_intents``."""

    intent: Intent
    decision: RiskDecision
    strategy_id: str
    decision_id: str
    order_type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.GTC


class OrderManager:
    """The OMS for one tenant (the store's) on one venue (the client's)."""

    def __init__(
        self,
        store: OrderStore,
        client: ExecutionClient,
        clock: Clock,
        *,
        instruments: Mapping[str, Instrument],
        config: OmsConfig = DEFAULT_CONFIG,
        checkpoint: Checkpoint | None = None,
        kill_switch: KillSwitch | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._config = config
        self._instruments: Mapping[str, Instrument] = MappingProxyType(dict(instruments))
        self._kill = kill_switch if kill_switch is not None else KillSwitch()
        self._gateway = VenueGateway(
            client, clock, breaker=config.breaker, retry=config.read_retry, sleep=sleep, rng=rng
        )
        self._flow = OrderFlow(
            store,
            self._gateway,
            clock,
            config=config,
            kill_switch=self._kill,
            checkpoint=checkpoint,
        )
        self._throttle = OrderThrottle(config.max_orders_per_second, config.order_burst, clock)
        self._lock = threading.RLock()
        self._synced_once = False

    # --- properties ------------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._gateway.venue

    @property
    def store(self) -> OrderStore:
        return self._flow.store

    @property
    def config(self) -> OmsConfig:
        return self._config

    @property
    def kill_switch(self) -> KillSwitch:
        return self._kill

    @property
    def breaker_status(self) -> BreakerStatus:
        return self._gateway.breaker.status

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        return self._instruments

    # --- placing ---------------------------------------------------------------------------

    def submit_intent(
        self,
        intent: Intent,
        decision: RiskDecision,
        *,
        strategy_id: str,
        decision_id: str,
        order_type: OrderType = OrderType.MARKET,
        time_in_force: TimeInForce = TimeInForce.GTC,
    ) -> Placement:
        """Plan ``intent`` sized by ``decision`` (entry + bracket legs) and place it."""
        item = IntentOrder(intent, decision, strategy_id, decision_id, order_type, time_in_force)
        return self.submit_intents([item])[0]

    def submit_intents(self, items: Sequence[IntentOrder]) -> list[Placement]:
        """The batch form of ``submit_intent``: all orders cost three store transactions."""
        now = self._clock.now()
        tenant = self._flow.store.tenant_id
        capabilities = self._gateway.capabilities
        results: list[Placement | None] = []
        groups: list[tuple[Sequence[OrderRecord], bool]] = []
        for item in items:
            plan = plan_intent(
                item.intent,
                item.decision,
                self._instrument(item.intent.instrument_id),
                PlanContext(tenant, item.strategy_id, item.decision_id, now),
                order_type=item.order_type,
                time_in_force=item.time_in_force,
                capabilities=capabilities,
            )
            if plan.planned:
                results.append(None)
                groups.append((plan.records, item.decision.risk_increasing))
            else:
                results.append(Placement((), plan.skipped_reason))
        placed = iter(self._place_groups(groups))
        return [result if result is not None else next(placed) for result in results]

    def place(self, records: Sequence[OrderRecord], *, risk_increasing: bool = True) -> Placement:
        """Persist ``records`` (one decision's orders) and send the top-level ones.

        Refused (nothing stored) when the kill switch is tripped and the orders increase
        risk, or when the strategy is over its order rate. Children (``parent_id``) wait
        for their entry and are sent by ``sync``.
        """
        return self._place_groups([(records, risk_increasing)])[0]

    def place_many(
        self, groups: Sequence[Sequence[OrderRecord]], *, risk_increasing: bool = True
    ) -> list[Placement]:
        """``place`` for many decisions at once: add all, claim all, send each, record all
        answers — three store transactions in total, each order committed before its send."""
        return self._place_groups([(records, risk_increasing) for records in groups])

    def _refusal(self, records: Sequence[OrderRecord], increasing: bool) -> str:
        if increasing and self._kill.tripped:
            return f"kill switch tripped: {self._kill.status.reason}"
        top = sum(1 for r in records if r.parent_id is None)
        strategy = records[0].strategy_id
        if not self._throttle.try_acquire(strategy, top):
            return (
                f"order rate limit: strategy {strategy!r} is over "
                f"{self._config.max_orders_per_second} orders/s"
            )
        return ""

    def _place_groups(
        self, groups: Sequence[tuple[Sequence[OrderRecord], bool]]
    ) -> list[Placement]:
        results: list[Placement | None] = [None] * len(groups)
        accepted: list[int] = []
        for index, (records, increasing) in enumerate(groups):
            self._check_records(records)
            if not records:
                results[index] = Placement((), "nothing to place")
                continue
            refusal = self._refusal(records, increasing)  # before the lock: see module doc
            if refusal:
                results[index] = Placement((), refusal)
            else:
                accepted.append(index)
        if accepted:
            with self._lock:
                self._place_locked(groups, accepted, results)
        return [r if r is not None else Placement((), "not placed") for r in results]

    def _place_locked(
        self,
        groups: Sequence[tuple[Sequence[OrderRecord], bool]],
        accepted: list[int],
        results: list[Placement | None],
    ) -> None:
        kill = self._kill
        chosen: list[int] = []
        for index in accepted:
            if groups[index][1] and kill.tripped:  # tripped while we waited for the lock
                results[index] = Placement((), f"kill switch tripped: {kill.status.reason}")
            else:
                chosen.append(index)
        if not chosen:
            return
        flow = self._flow
        stored = flow.store.add([r for index in chosen for r in groups[index][0]])
        flow.checkpoint("after_intent_commit")
        by_id = {r.client_order_id: r for r in stored}
        guarded = {
            r.client_order_id for index in chosen if groups[index][1] for r in groups[index][0]
        }
        sendable = [r for r in stored if r.status is OrderStatus.NEW and r.parent_id is None]
        for record in flow.send_new(sendable, guarded=guarded):
            by_id[record.client_order_id] = record
        for index in chosen:
            results[index] = Placement(tuple(by_id[r.client_order_id] for r in groups[index][0]))

    # --- keeping in step with the venue ----------------------------------------------------

    def resolve(self) -> list[OrderRecord]:
        """Settle unsent and unconfirmed orders by querying the venue (see ``resolution``)."""
        with self._lock:
            return resolve_orders(self._flow)

    def sync(self) -> SyncReport:
        """Pull fills, refresh working orders, drive brackets and OCO (see ``syncing``)."""
        with self._lock:
            full = not self._synced_once
            self._synced_once = True
            return sync_orders(self._flow, self._replace_quantity, full=full)

    def reconcile(self) -> ReconcileReport:
        """Start-up / periodic reconciliation; raises ``ReconciliationError`` (and trips the
        kill switch) on a position mismatch."""
        managed = {iid for iid, inst in self._instruments.items() if inst.venue == self.venue}
        with self._lock:
            self._synced_once = True
            return reconcile_venue(self._flow, self._replace_quantity, managed)

    # --- cancel / replace / halt -----------------------------------------------------------

    def cancel(self, client_order_id: str) -> OrderRecord:
        """Cancel one order (NEW ones locally); returns its record afterwards. The record
        may still be working when the venue has not confirmed yet (``sync`` closes it)."""
        with self._lock:
            record = self._get(client_order_id)
            report = self._flow.cancel_records([record], "canceled on request")
            if report.failed:
                raise ExecutionError(
                    f"Cancel of order {client_order_id!r} failed: {report.failed[0][1]}.",
                    hint="The order may still be working: retry the cancel, or run sync() / "
                    "resolve() to learn its state.",
                )
            activate_children(self._flow)  # an entry closed: resize or drop its legs
            return self._get(client_order_id)

    def cancel_all(self, strategy_id: str | None = None) -> CancelReport:
        """Cancel every open order of this venue (of ``strategy_id`` if given), including
        bracket legs still waiting for their entry."""
        with self._lock:
            records = self._flow.find(OPEN, strategy_id=strategy_id)
            return self._flow.cancel_records(records, "cancel all")

    def replace(
        self,
        client_order_id: str,
        *,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> OrderRecord:
        """Cancel/replace a working order; returns the replacement record (leg ``.rN``,
        ``replaces`` = the old id). Raises ``TradingHaltedError`` while halted."""
        if self._kill.tripped:
            raise TradingHaltedError(
                f"Cannot replace {client_order_id!r}: trading is halted "
                f"({self._kill.status.reason}).",
                hint="Cancel instead, or reset the kill switch once the cause is fixed.",
            )
        with self._lock:
            record = self._get(client_order_id)
            return replace_order(
                self._flow,
                record,
                instrument=self._instruments.get(record.order.instrument_id),
                quantity=quantity,
                price=price,
            )

    def halt(self, reason: str) -> HaltReport:
        """Trip the kill switch, then cancel every open order of this venue."""
        status = self._kill.trip(reason, self._clock.now())
        with self._lock:
            records = self._flow.find(OPEN)
            report = self._flow.cancel_records(records, f"halt: {reason}")
        return HaltReport(status, report)

    def reset_kill_switch(self) -> KillSwitchStatus:
        """Re-arm trading (operator action, after the cause of the halt is fixed)."""
        return self._kill.reset()

    def status(self) -> OmsStatus:
        counts = Counter(r.status for r in self._flow.find(None))
        return OmsStatus(
            venue=self.venue,
            breaker=self._gateway.breaker.status,
            kill_switch=self._kill.status,
            counts={status: counts.get(status, 0) for status in OrderStatus},
        )

    # --- helpers ---------------------------------------------------------------------------

    def _replace_quantity(self, record: OrderRecord, quantity: Decimal) -> OrderRecord:
        return replace_order(
            self._flow,
            record,
            instrument=self._instruments.get(record.order.instrument_id),
            quantity=quantity,
        )

    def _get(self, client_order_id: str) -> OrderRecord:
        record = self._flow.store.get(client_order_id)
        if record is None or record.venue != self.venue:
            raise NotFoundError(
                f"No order {client_order_id!r} on venue {self.venue!r} for tenant "
                f"{self._flow.store.tenant_id!r}.",
                hint="List orders with `tradegraph orders list` and use the client order id.",
            )
        return record

    def _instrument(self, instrument_id: str) -> Instrument:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            raise ValidationError(
                f"Instrument {instrument_id!r} is not managed by this OMS.",
                hint=f"Pass it in instruments=...; known: {sorted(self._instruments)}.",
            )
        if instrument.venue != self.venue:
            raise ValidationError(
                f"Instrument {instrument_id!r} trades on {instrument.venue!r}, not on this "
                f"OMS's venue {self.venue!r}.",
                hint="Use the OrderManager of the instrument's venue.",
            )
        return instrument

    def _check_records(self, records: Sequence[OrderRecord]) -> None:
        for record in records:
            if record.venue != self.venue:
                raise ValidationError(
                    f"Order {record.client_order_id!r} is for venue {record.venue!r}, not "
                    f"{self.venue!r}.",
                    hint="Place orders through the OrderManager of their venue.",
                )
            if record.status is not OrderStatus.NEW:
                raise ValidationError(
                    f"Order {record.client_order_id!r} is {record.status.value}; only NEW "
                    "orders can be placed.",
                    hint="Plan orders with tradegraph.execution.planning.",
                )
        if records and len({r.strategy_id for r in records}) > 1:
            raise ValidationError(
                "One placement must hold the orders of one strategy.",
                hint="Place each strategy's orders separately (place_many takes a list).",
            )


__all__ = ["DEFAULT_CONFIG", "IntentOrder", "OrderManager"]
