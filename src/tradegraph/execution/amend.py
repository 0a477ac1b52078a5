"""Cancel/replace: a new order (leg ``<leg>.rN``, ``replaces`` = old id) through
``ExecutionClient.modify``, persisted first like any other order.

The replacement is added NEW and claimed (committed) before ``modify`` is called. Its
outcome is then handled like a submit's: unknown → UNKNOWN (``resolve`` queries it by
its id; if the venue never got it, the replacement is canceled locally and the original
stays as it is — a replacement is never re-sent on its own). The original is brought up
to date from a venue query afterwards (canceled once its last fills are stored).
An unsent (NEW) order is amended locally: the original is canceled first, then the
replacement added, so a crash in between leaves no order rather than two.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from decimal import Decimal

from tradegraph.core.errors import (
    ExecutionError,
    NotFoundError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.core.precision import Rounding
from tradegraph.execution.client_ids import client_order_id, replacement_leg
from tradegraph.execution.flow import OrderFlow
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.execution.transitions import (
    ACKED,
    ack_events,
    claim,
    local_cancel,
    unknown,
    update_with,
)
from tradegraph.model.enums import Side
from tradegraph.model.instrument import Instrument
from tradegraph.model.order import Order, OrderStatus


def generation(leg: str) -> int:
    """0 for an original leg, N for ``<leg>.rN``."""
    _, sep, suffix = leg.partition(".r")
    return int(suffix) if sep and suffix.isdigit() else 0


def root_of(flow: OrderFlow, record: OrderRecord) -> OrderRecord:
    """The original order of a replacement chain (``record`` itself if not a replacement)."""
    current = record
    seen = {record.client_order_id}
    while current.replaces is not None:
        previous = flow.store.get(current.replaces)
        if previous is None or previous.client_order_id in seen:
            break
        seen.add(previous.client_order_id)
        current = previous
    return current


def successor_id(record: OrderRecord, root: OrderRecord) -> str:
    """The client id the replacement of ``record`` has (or would have).

    Replacement ids are scoped to the *original* order's UTC date, not to the day of the
    replacement, so that the chain can be followed forward from any of its orders.
    """
    leg = replacement_leg(record.leg, generation(record.leg) + 1)
    day = root.order.created_at.astimezone(UTC).date()
    return client_order_id(record.tenant_id, record.strategy_id, record.decision_id, leg, day)


def chain_head(flow: OrderFlow, root: OrderRecord) -> tuple[OrderRecord, Decimal]:
    """The latest order of ``root``'s replacement chain and the quantity filled over the
    whole chain. Failed replacements (canceled locally) are part of the chain with no
    fills; the walk stops at the first order that is still open."""
    head = root
    filled = root.order.filled_quantity
    while head.status.is_terminal:  # a live order is the head, even if a replace failed
        successor = flow.store.get(successor_id(head, root))
        if successor is None:
            break
        head = successor
        filled += head.order.filled_quantity
    return head, filled


def _replacement(  # noqa: PLR0917 - private helper, called once
    record: OrderRecord,
    instrument: Instrument | None,
    quantity: Decimal | None,
    price: Decimal | None,
    flow: OrderFlow,
    previous: OrderRecord,
    root: OrderRecord,
) -> OrderRecord:
    """The NEW replacement of ``record``; its id follows ``previous`` (``record`` or the
    last failed replacement of it) in the chain of ``root``."""
    order = record.order
    if price is not None and not order.order_type.needs_price:
        raise ValidationError(
            f"Order {order.client_order_id!r} is a {order.order_type.value} order: it has no "
            "limit price to replace.",
            hint="Replace the quantity only, or cancel and place a new order.",
        )
    new_quantity = order.remaining_quantity if quantity is None else quantity
    new_price = order.price if price is None else price
    if instrument is not None:
        new_quantity = instrument.round_quantity(new_quantity)
        if price is not None:
            new_price = instrument.round_price(
                price, Rounding.DOWN if order.side is Side.BUY else Rounding.UP
            )
    if new_quantity <= 0:
        raise ValidationError(
            f"Replacement of {order.client_order_id!r}: quantity must be positive, got "
            f"{new_quantity}.",
            hint="Cancel the order instead of replacing it with nothing.",
        )
    now = flow.now()
    leg = replacement_leg(previous.leg, generation(previous.leg) + 1)
    new_id = successor_id(previous, root)
    new_order = Order(
        client_order_id=new_id,
        instrument_id=order.instrument_id,
        side=order.side,
        order_type=order.order_type,
        quantity=new_quantity,
        created_at=now,
        price=new_price,
        stop_price=order.stop_price,
        time_in_force=order.time_in_force,
        reduce_only=order.reduce_only,
    )
    return replace(
        record, order=new_order, leg=leg, replaces=order.client_order_id, send_attempts=0, version=0
    )


def replace_order(
    flow: OrderFlow,
    record: OrderRecord,
    *,
    instrument: Instrument | None = None,
    quantity: Decimal | None = None,
    price: Decimal | None = None,
) -> OrderRecord:
    """Replace ``record`` (NEW, or working at the venue); returns the replacement record."""
    status = record.status
    if status is not OrderStatus.NEW and status not in ACKED:
        raise ValidationError(
            f"Order {record.client_order_id!r} is {status.value}: only unsent or working "
            "orders acknowledged by the venue can be replaced.",
            hint="Resolve unknown orders first (resolve()); closed orders cannot change.",
        )
    root = root_of(flow, record)
    previous = record
    while (existing := flow.store.get(successor_id(previous, root))) is not None:
        if not existing.status.is_terminal:
            return existing  # a replacement is already under way
        previous = existing  # a failed replacement: take the next generation
    fresh = _replacement(record, instrument, quantity, price, flow, previous, root)
    new_id = fresh.client_order_id
    if status is OrderStatus.NEW:
        flow.write([local_cancel(record, f"replaced by {new_id}", flow.now())])
        return flow.store.add([fresh])[0]
    stored = flow.store.add([fresh])[0]
    flow.checkpoint("after_intent_commit")
    [claimed] = flow.store.update([claim(stored, flow.now())])
    flow.checkpoint("after_claim")
    old_id, instrument_id = record.client_order_id, record.order.instrument_id
    answer: OrderUpdate | None
    try:
        snapshot = flow.gateway.modify(
            old_id,
            instrument_id,
            new_client_order_id=new_id,
            quantity=fresh.order.quantity,
            price=None if price is None else fresh.order.price,
        )
    except VenueUnavailableError as exc:
        answer = local_cancel(
            claimed, f"replace not sent, venue unavailable: {exc.message}", flow.now()
        )
    except NotFoundError as exc:
        answer = local_cancel(claimed, f"replace refused: {exc.message}", flow.now())
    except Exception as exc:  # may have executed: resolve() queries the replacement
        answer = unknown(
            claimed, f"modify outcome unknown: {type(exc).__name__}: {exc}", flow.now()
        )
    else:
        events = ack_events(claimed.order, snapshot, flow.now())
        answer = update_with(claimed, events) if events else None
    flow.checkpoint("after_send_before_ack")
    result = flow.store.update([answer])[0] if answer is not None else claimed
    flow.checkpoint("after_ack_before_fill")
    refresh_original(flow, old_id)
    return flow.store.get(new_id) or result


def refresh_original(flow: OrderFlow, client_order_id: str) -> None:
    """Query an order and apply what the venue says (a replaced order is canceled)."""
    record = flow.store.get(client_order_id)
    if record is None or record.status.is_terminal:
        return
    try:
        snapshot = flow.gateway.query_order(client_order_id, record.order.instrument_id)
    except ExecutionError:
        return  # sync() will bring it up to date
    if snapshot is not None:
        flow.converge([(record, snapshot)])


__all__ = [
    "chain_head",
    "generation",
    "refresh_original",
    "replace_order",
    "root_of",
    "successor_id",
]
