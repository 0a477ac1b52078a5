"""Pure rules that turn venue answers into order events and store updates.

The venue's snapshot of an order (``VenueOrder``) says where the order *is*; the local
``Order`` says where we last saw it. ``ack_events`` gives the non-fill events that move
the local order towards the snapshot. Fills never come from snapshots: they come from
``client.fills`` with their trade ids (de-duplicated, each counted once). A terminal
event (canceled/expired) is therefore only emitted once the local filled quantity has
caught up with the snapshot's — otherwise the order would be closed before its last fills
arrive and they could never be applied. The OMS pulls the fills and asks again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from tradegraph.execution.ports import VenueOrder
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.model.fill import Fill
from tradegraph.model.order import (
    Accepted,
    Canceled,
    Expired,
    Filled,
    MarkedUnknown,
    Order,
    OrderEvent,
    OrderStatus,
    Rejected,
    Submitted,
)

_S = OrderStatus
UNCONFIRMED = frozenset({_S.SUBMITTED, _S.UNKNOWN})
"""Sent (or maybe sent) without a venue answer: resolved by querying."""
ACKED = frozenset({_S.ACCEPTED, _S.PARTIALLY_FILLED})
"""Working at the venue, as far as we know."""
LIVE = UNCONFIRMED | ACKED
"""May execute at the venue."""
OPEN = LIVE | {_S.NEW}
"""Not terminal."""


def ack_events(order: Order, snapshot: VenueOrder, now: datetime) -> tuple[OrderEvent, ...]:
    """The non-fill events that bring ``order`` to ``snapshot``'s state (may be empty)."""
    status = order.status
    if status.is_terminal or status is _S.NEW:
        return ()
    venue_status = snapshot.status
    if venue_status is _S.REJECTED:
        if status in UNCONFIRMED and order.filled_quantity == 0:
            return (Rejected(now, snapshot.reason or "rejected by the venue"),)
        return ()
    events: list[OrderEvent] = []
    if status in UNCONFIRMED:
        events.append(Accepted(now, snapshot.venue_order_id))
    if order.filled_quantity >= snapshot.filled_quantity:
        if venue_status is _S.CANCELED:
            events.append(Canceled(now, snapshot.reason or "canceled at the venue"))
        elif venue_status is _S.EXPIRED:
            events.append(Expired(now))
    return tuple(events)


def fills_pending(order: Order, snapshot: VenueOrder) -> bool:
    """The venue reports more filled quantity than we have stored fills for."""
    return snapshot.filled_quantity > order.filled_quantity


def update_with(
    record: OrderRecord,
    events: Iterable[OrderEvent] = (),
    *,
    note: str = "",
    fills: tuple[Fill, ...] = (),
    send_attempts: int | None = None,
    order: Order | None = None,
) -> OrderUpdate:
    """The update applying ``events`` to ``record`` (or to ``order`` when it is given, e.g. a
    resized order). Raises ``IllegalTransitionError`` if an event is not allowed."""
    events = tuple(events)
    current = order if order is not None else record.order
    for event in events:
        current = current.apply(event)
    changed = OrderRecord(  # the constructor is several times faster than replace()
        order=current,
        tenant_id=record.tenant_id,
        strategy_id=record.strategy_id,
        decision_id=record.decision_id,
        leg=record.leg,
        venue=record.venue,
        group_id=record.group_id,
        oco_group=record.oco_group,
        parent_id=record.parent_id,
        replaces=record.replaces,
        send_attempts=record.send_attempts if send_attempts is None else send_attempts,
        version=record.version,
    )
    return OrderUpdate(changed, events, fills, note)


def claim(record: OrderRecord, now: datetime) -> OrderUpdate:
    """NEW → SUBMITTED, counting the send attempt (committed *before* the venue call)."""
    return update_with(record, (Submitted(now),), send_attempts=record.send_attempts + 1)


def reclaim(record: OrderRecord, now: datetime) -> OrderUpdate:
    """Count one more send attempt of an order the venue confirmed it never received."""
    order = replace(record.order, updated_at=now, last_reason="")
    return update_with(
        record,
        order=order,
        send_attempts=record.send_attempts + 1,
        note="re-sent after the venue confirmed absence",
    )


def noted(record: OrderRecord, reason: str, now: datetime) -> OrderUpdate:
    """Keep the state, record why (e.g. the venue was unavailable, nothing was sent)."""
    return update_with(
        record, order=replace(record.order, last_reason=reason, updated_at=now), note=reason
    )


def unknown(record: OrderRecord, reason: str, now: datetime) -> OrderUpdate:
    """The outcome of a send is unconfirmed: UNKNOWN (or stays UNKNOWN with the reason)."""
    event = MarkedUnknown(now, reason)
    if record.order.can_apply(event):
        return update_with(record, (event,), note=reason)
    return noted(record, reason, now)


def local_cancel(record: OrderRecord, reason: str, now: datetime) -> OrderUpdate:
    """Cancel an order the venue does not have (never sent, or confirmed absent)."""
    return update_with(record, (Canceled(now, reason),), note=reason)


def apply_fills(record: OrderRecord, fills: Iterable[Fill]) -> tuple[OrderUpdate | None, list[str]]:
    """The update storing ``fills`` (oldest first) on ``record``; fills the order cannot take
    (terminal order, overfill) are left out and described in the returned problems."""
    order = record.order
    events: list[OrderEvent] = []
    taken: list[Fill] = []
    problems: list[str] = []
    for fill in sorted(fills, key=lambda f: f.time):
        event = Filled(fill.time, fill.quantity, fill.price, fill.trade_id)
        if not order.can_apply(event) or order.filled_quantity + fill.quantity > order.quantity:
            problems.append(
                f"fill {fill.trade_id} ({fill.quantity} @ {fill.price}) of order "
                f"{order.client_order_id} cannot be applied in state {order.status.value} "
                f"(filled {order.filled_quantity} of {order.quantity})"
            )
            continue
        order = order.apply(event)
        events.append(event)
        taken.append(fill)
    if not events:
        return None, problems
    return OrderUpdate(replace(record, order=order), tuple(events), tuple(taken)), problems


def resized(record: OrderRecord, quantity: Decimal, now: datetime, why: str) -> OrderUpdate:
    """A NEW (unsent) order with a new quantity."""
    order = replace(record.order, quantity=quantity, updated_at=now)
    return update_with(record, order=order, note=why)


__all__ = [
    "ACKED",
    "LIVE",
    "OPEN",
    "UNCONFIRMED",
    "ack_events",
    "apply_fills",
    "claim",
    "fills_pending",
    "local_cancel",
    "noted",
    "reclaim",
    "resized",
    "unknown",
    "update_with",
]
