"""Order planning (pure): intent + risk decision + instrument → the orders to place.

``plan_intent`` turns an accepted ``RiskDecision`` into an entry order (market, or limit
at ``intent.entry``) and, when the intent has a stop and/or target, a bracket: a STOP leg
and a LIMIT target leg on the reducing side, both children of the entry
(``parent_id`` = entry id) that the OMS sends once the entry has filled, sharing an
``oco_group`` so that the fill of one cancels the other.

OCO is *native* where the venue reports ``Capabilities.native_oco`` (Binance spot): the
OMS places the stop + target pair with one ``ExecutionClient.submit_oco`` call and the
venue closes the sibling (``brackets``). Elsewhere (the simulated venue, perps) it is
*emulated* by the OMS (cancel or cut the sibling when a leg fills). ``OrderPlan.native_oco``
records whether the venue will place the bracket natively.

Client order ids are deterministic (``client_ids.client_order_id``) and scoped to the UTC
date of ``now``: re-planning the same decision the same day gives the same ids, which the
store and the venue de-duplicate. Prices snap to the tick grid in the direction that never
worsens the plan: a buy limit rounds down and a sell limit up; a stop rounds towards the
entry (less risk), a target towards the entry (no more reward than asked). Quantities come
from ``decision.quantity`` rounded down to the lot. A denied decision plans no orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.core.precision import Rounding
from tradegraph.execution.client_ids import client_order_id
from tradegraph.execution.ports import Capabilities
from tradegraph.execution.store import OrderRecord
from tradegraph.model.enums import Direction, OrderType, Side, TimeInForce
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent
from tradegraph.model.order import Order
from tradegraph.risk.decision import RiskDecision

ENTRY = "entry"
STOP = "stop"
TARGET = "target"
EXIT = "exit"


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """The orders planned for one decision (empty, with ``skipped_reason``, when none)."""

    records: tuple[OrderRecord, ...]
    skipped_reason: str = ""
    native_oco: bool = False
    """True when the venue could place the bracket as a native OCO (see module doc)."""

    @property
    def planned(self) -> bool:
        return bool(self.records)

    @property
    def entry(self) -> OrderRecord | None:
        return self.records[0] if self.records else None


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Who the orders belong to and when they are planned."""

    tenant_id: str
    strategy_id: str
    decision_id: str
    now: datetime

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValidationError(
                f"PlanContext.now must be timezone-aware UTC, got {self.now!r}.",
                hint="Pass clock.now().",
            )

    def client_id(self, leg: str) -> str:
        return client_order_id(
            self.tenant_id, self.strategy_id, self.decision_id, leg, self.now.astimezone(UTC).date()
        )


def _record(
    ctx: PlanContext,
    instrument: Instrument,
    leg: str,
    order: Order,
    *,
    group_id: str | None = None,
    oco_group: str | None = None,
    parent_id: str | None = None,
) -> OrderRecord:
    return OrderRecord(
        order=order,
        tenant_id=ctx.tenant_id,
        strategy_id=ctx.strategy_id,
        decision_id=ctx.decision_id,
        leg=leg,
        venue=instrument.venue,
        group_id=group_id,
        oco_group=oco_group,
        parent_id=parent_id,
    )


def _towards(side_of_entry: int) -> Rounding:
    """Rounding that moves a price towards an entry lying ``side_of_entry`` (+1 above)."""
    return Rounding.UP if side_of_entry > 0 else Rounding.DOWN


def _exit_price(
    instrument: Instrument, price: float, entry: Decimal | None, direction_sign: int, kind: str
) -> Decimal:
    """Round a stop (``kind`` "stop") or target towards the entry, never through it."""
    # A long stop lies below entry (entry above: +1); a long target lies above (entry below).
    entry_side = direction_sign if kind == STOP else -direction_sign
    rounded = instrument.round_price(price, _towards(entry_side))
    if entry is not None and (entry - rounded) * entry_side <= 0:
        rounded = instrument.round_price(price, _towards(-entry_side))
    if rounded <= 0:
        raise ValidationError(
            f"{kind} price {price} rounds to {rounded} on tick {instrument.tick_size}.",
            hint="Use a price at least one tick above zero.",
        )
    return rounded


def plan_intent(
    intent: Intent,
    decision: RiskDecision,
    instrument: Instrument,
    ctx: PlanContext,
    *,
    order_type: OrderType = OrderType.MARKET,
    time_in_force: TimeInForce = TimeInForce.GTC,
    capabilities: Capabilities | None = None,
) -> OrderPlan:
    """The entry (and bracket legs) for ``intent`` sized by ``decision``."""
    if intent.instrument_id != instrument.id:
        raise ValidationError(
            f"Intent is for {intent.instrument_id!r} but the instrument is {instrument.id!r}.",
            hint="Look the instrument up by intent.instrument_id.",
        )
    if order_type not in (OrderType.MARKET, OrderType.LIMIT):
        raise ValidationError(
            f"Entry order type must be market or limit, got {order_type.value}.",
            hint="Stops belong on the bracket's stop leg (intent.stop).",
        )
    if decision.denied:
        return OrderPlan((), f"risk denied: {decision.detail or ', '.join(decision.reasons)}")
    if intent.direction is Direction.FLAT:
        return OrderPlan((), "flat intent: close positions with plan_exit")
    quantity = instrument.round_quantity(decision.quantity)
    if quantity <= 0:
        return OrderPlan(
            (), f"quantity {decision.quantity} rounds to 0 on lot {instrument.lot_size}"
        )
    caps = capabilities or Capabilities()
    sign = intent.direction.sign
    side = Side.BUY if sign > 0 else Side.SELL
    entry_price: Decimal | None = None
    if order_type is OrderType.LIMIT:
        if intent.entry is None:
            raise ValidationError(
                f"A limit entry for {instrument.id} needs intent.entry.",
                hint="Set Intent.entry or use order_type=OrderType.MARKET.",
            )
        entry_price = instrument.round_price(
            intent.entry, Rounding.DOWN if side is Side.BUY else Rounding.UP
        )
    reference = entry_price
    if reference is None and intent.entry is not None:
        reference = instrument.round_price(intent.entry)
    entry_id = ctx.client_id(ENTRY)
    now = ctx.now
    bracket = intent.stop is not None or intent.target is not None
    entry = _record(
        ctx,
        instrument,
        ENTRY,
        Order(
            client_order_id=entry_id,
            instrument_id=instrument.id,
            side=side,
            order_type=order_type,
            quantity=quantity,
            created_at=now,
            price=entry_price,
            time_in_force=time_in_force,
        ),
        group_id=entry_id if bracket else None,
    )
    records = [entry]
    oco = f"{entry_id}.oco" if intent.stop is not None and intent.target is not None else None
    exit_side = side.opposite
    if intent.stop is not None:
        stop_price = _exit_price(instrument, intent.stop, reference, sign, STOP)
        records.append(
            _record(
                ctx,
                instrument,
                STOP,
                Order(
                    client_order_id=ctx.client_id(STOP),
                    instrument_id=instrument.id,
                    side=exit_side,
                    order_type=OrderType.STOP,
                    quantity=quantity,
                    created_at=now,
                    stop_price=stop_price,
                    reduce_only=caps.reduce_only,
                ),
                group_id=entry_id,
                oco_group=oco,
                parent_id=entry_id,
            )
        )
    if intent.target is not None:
        target_price = _exit_price(instrument, intent.target, reference, sign, TARGET)
        records.append(
            _record(
                ctx,
                instrument,
                TARGET,
                Order(
                    client_order_id=ctx.client_id(TARGET),
                    instrument_id=instrument.id,
                    side=exit_side,
                    order_type=OrderType.LIMIT,
                    quantity=quantity,
                    created_at=now,
                    price=target_price,
                    reduce_only=caps.reduce_only,
                ),
                group_id=entry_id,
                oco_group=oco,
                parent_id=entry_id,
            )
        )
    return OrderPlan(tuple(records), native_oco=oco is not None and caps.native_oco)


def plan_exit(
    instrument: Instrument,
    position: Decimal,
    ctx: PlanContext,
    *,
    capabilities: Capabilities | None = None,
) -> OrderPlan:
    """A market order (leg ``exit``) that closes the signed ``position``."""
    quantity = instrument.round_quantity(abs(position))
    if quantity <= 0:
        return OrderPlan((), f"no position to close in {instrument.id}")
    caps = capabilities or Capabilities()
    order = Order(
        client_order_id=ctx.client_id(EXIT),
        instrument_id=instrument.id,
        side=Side.SELL if position > 0 else Side.BUY,
        order_type=OrderType.MARKET,
        quantity=quantity,
        created_at=ctx.now,
        reduce_only=caps.reduce_only,
    )
    return OrderPlan((_record(ctx, instrument, EXIT, order),))


__all__ = [
    "ENTRY",
    "EXIT",
    "STOP",
    "TARGET",
    "OrderPlan",
    "PlanContext",
    "plan_exit",
    "plan_intent",
]
