"""What the order stores journal: the audit entries of added and updated orders.

Pure rules (no database access) shared by ``SqlOrderStore`` and the in-memory fake in
``tradegraph.testing.orders``, so both journal exactly the same kinds and payloads:

- ``add``: one ``order.created`` per inserted record (none for an id already stored);
- ``update``: one ``order.<event>`` per event (``submitted``, ``accepted``, ``rejected``,
  ``filled``, ``canceled``, ``expired``, ``unknown``), or one ``order.updated`` when the
  update has no event (a re-send, a note). Payloads name the order (client id, strategy,
  decision, leg, venue, instrument), its status and filled quantity right after the event,
  the version written and the event's facts (venue order id, reason, trade id, price).
  Decimals are strings, so they stay exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradegraph.core.errors import ValidationError
from tradegraph.execution.store import AUDIT_KIND_PREFIX, OrderRecord, OrderUpdate
from tradegraph.model.audit import JSONValue
from tradegraph.model.order import (
    Accepted,
    Canceled,
    Expired,
    Filled,
    MarkedUnknown,
    OrderEvent,
    OrderStatus,
    Rejected,
    Submitted,
)

JOURNAL_ACTOR = "oms"
"""The actor of order journal entries."""

CLIENT_ORDER_ID_MAX_LENGTH = 64
"""The longest client order id a store accepts (the SQL column width)."""

_KINDS: dict[type[OrderEvent], str] = {
    Submitted: "submitted",
    Accepted: "accepted",
    Rejected: "rejected",
    Filled: "filled",
    Canceled: "canceled",
    Expired: "expired",
    MarkedUnknown: "unknown",
}


# --- journal entries (the same rules as tradegraph.persistence.orders) ----------------------


def _base_payload(record: OrderRecord) -> dict[str, JSONValue]:
    order = record.order
    return {
        "client_order_id": order.client_order_id,
        "strategy_id": record.strategy_id,
        "decision_id": record.decision_id,
        "leg": record.leg,
        "venue": record.venue,
        "instrument_id": order.instrument_id,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": str(order.quantity),
        "status": order.status.value,
        "filled_quantity": str(order.filled_quantity),
        "send_attempts": record.send_attempts,
        "version": record.version,
    }


def created_entry(record: OrderRecord) -> tuple[str, dict[str, JSONValue]]:
    """The ``order.created`` journal entry of a newly added record."""
    order = record.order
    payload = _base_payload(record)
    payload.update(
        {
            "price": None if order.price is None else str(order.price),
            "stop_price": None if order.stop_price is None else str(order.stop_price),
            "time_in_force": order.time_in_force.value,
            "reduce_only": order.reduce_only,
            "group_id": record.group_id,
            "oco_group": record.oco_group,
            "parent_id": record.parent_id,
            "replaces": record.replaces,
        }
    )
    return AUDIT_KIND_PREFIX + "created", payload


def _event_fields(event: OrderEvent) -> dict[str, JSONValue]:
    fields: dict[str, JSONValue] = {"event_time": event.time.isoformat()}
    if isinstance(event, Accepted):
        fields["venue_order_id"] = event.venue_order_id
    elif isinstance(event, Rejected | Canceled | MarkedUnknown):
        fields["reason"] = event.reason
    elif isinstance(event, Filled):
        fields.update(
            trade_id=event.trade_id,
            fill_quantity=str(event.quantity),
            fill_price=str(event.price),
        )
    return fields


def update_entries(
    stored: OrderRecord, update: OrderUpdate
) -> list[tuple[str, dict[str, JSONValue]]]:
    """The journal entries of one applied update: one ``order.<event>`` per event, or one
    ``order.updated`` when the update carries no event (e.g. a re-send or a note).

    ``stored`` is the record as written (version bumped). Each entry's ``status`` and
    ``filled_quantity`` are those right after its event; the last entry's are the record's.
    """
    order = stored.order
    note: dict[str, JSONValue] = {"note": update.note} if update.note else {}
    if not update.events:
        payload = {**_base_payload(stored), **note}
        if update.fills:
            payload["trade_ids"] = [fill.trade_id for fill in update.fills]
        return [(AUDIT_KIND_PREFIX + "updated", payload)]
    # walk back from the final state to the filled quantity right after each event
    filled_after: list[Decimal] = []
    filled = order.filled_quantity
    for event in reversed(update.events):
        filled_after.append(filled)
        if isinstance(event, Filled):
            filled -= event.quantity
    filled_after.reverse()
    entries: list[tuple[str, dict[str, JSONValue]]] = []
    last = len(update.events) - 1
    for index, event in enumerate(update.events):
        payload = _base_payload(stored)
        if index != last:
            payload["status"] = _status_after(event, filled_after[index], order.quantity).value
            payload["filled_quantity"] = str(filled_after[index])
        payload.update(_event_fields(event))
        payload.update(note)
        entries.append((AUDIT_KIND_PREFIX + _KINDS[type(event)], payload))
    return entries


def _status_after(event: OrderEvent, filled: Decimal, quantity: Decimal) -> OrderStatus:
    if isinstance(event, Filled):
        return OrderStatus.FILLED if filled >= quantity else OrderStatus.PARTIALLY_FILLED
    if isinstance(event, Accepted):
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED
    return {
        Submitted: OrderStatus.SUBMITTED,
        Rejected: OrderStatus.REJECTED,
        Canceled: OrderStatus.CANCELED,
        Expired: OrderStatus.EXPIRED,
        MarkedUnknown: OrderStatus.UNKNOWN,
    }[type(event)]


def check_records(tenant_id: str, records: Sequence[OrderRecord], what: str) -> None:
    """Refuse records of another tenant or with an unstorable client id."""
    for record in records:
        if record.tenant_id != tenant_id:
            raise ValidationError(
                f"Cannot {what} order {record.client_order_id!r} of tenant "
                f"{record.tenant_id!r} in the order store of tenant {tenant_id!r}.",
                hint="Use the store of the record's tenant.",
            )
        if len(record.client_order_id) > CLIENT_ORDER_ID_MAX_LENGTH:
            raise ValidationError(
                f"Client order id {record.client_order_id!r} is longer than "
                f"{CLIENT_ORDER_ID_MAX_LENGTH} characters.",
                hint="Build ids with tradegraph.execution.client_ids.client_order_id.",
            )


__all__ = [
    "CLIENT_ORDER_ID_MAX_LENGTH",
    "JOURNAL_ACTOR",
    "check_records",
    "created_entry",
    "update_entries",
]
