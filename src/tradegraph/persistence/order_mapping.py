"""Mapping between order rows and domain values, for ``SqlOrderStore``.

``orders`` rows become ``OrderRecord`` values and ``order_fills`` rows ``Fill`` values
(enums from their text, decimals exact, times UTC-aware); nothing else sees a row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row

from tradegraph.execution.store import OrderRecord
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.order import Order, OrderStatus
from tradegraph.persistence.rows import OrderFillRow, OrderRow

AnyRow: TypeAlias = Row[*tuple[Any, ...]]

ORDER_COLUMNS = (
    OrderRow.client_order_id,
    OrderRow.strategy_id,
    OrderRow.decision_id,
    OrderRow.leg,
    OrderRow.venue,
    OrderRow.group_id,
    OrderRow.oco_group,
    OrderRow.parent_id,
    OrderRow.replaces,
    OrderRow.send_attempts,
    OrderRow.version,
    OrderRow.instrument_id,
    OrderRow.side,
    OrderRow.order_type,
    OrderRow.quantity,
    OrderRow.price,
    OrderRow.stop_price,
    OrderRow.time_in_force,
    OrderRow.reduce_only,
    OrderRow.status,
    OrderRow.filled_quantity,
    OrderRow.average_fill_price,
    OrderRow.venue_order_id,
    OrderRow.order_created_at,
    OrderRow.order_updated_at,
    OrderRow.last_reason,
)
FILL_COLUMNS = (
    OrderFillRow.trade_id,
    OrderFillRow.client_order_id,
    OrderFillRow.instrument_id,
    OrderFillRow.side,
    OrderFillRow.quantity,
    OrderFillRow.price,
    OrderFillRow.time,
    OrderFillRow.fee,
    OrderFillRow.fee_currency,
    OrderFillRow.liquidity,
)


def order_values(record: OrderRecord, *, key: bool = True) -> dict[str, Any]:
    """Column values of ``record``; without the client order id when ``key`` is False."""
    order = record.order
    values = {
        "strategy_id": record.strategy_id,
        "decision_id": record.decision_id,
        "leg": record.leg,
        "venue": record.venue,
        "group_id": record.group_id,
        "oco_group": record.oco_group,
        "parent_id": record.parent_id,
        "replaces": record.replaces,
        "send_attempts": record.send_attempts,
        "version": record.version,
        "instrument_id": order.instrument_id,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": order.quantity,
        "price": order.price,
        "stop_price": order.stop_price,
        "time_in_force": order.time_in_force.value,
        "reduce_only": order.reduce_only,
        "status": order.status.value,
        "filled_quantity": order.filled_quantity,
        "average_fill_price": order.average_fill_price,
        "venue_order_id": order.venue_order_id,
        "order_created_at": order.created_at,
        "order_updated_at": order.updated_at,
        "last_reason": order.last_reason,
    }
    if key:
        values["client_order_id"] = order.client_order_id
    return values


def record_from_row(tenant_id: str, row: AnyRow) -> OrderRecord:
    """The ``OrderRecord`` of a row selected with ``ORDER_COLUMNS``."""
    order = Order(
        client_order_id=row.client_order_id,
        instrument_id=row.instrument_id,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        created_at=row.order_created_at,
        price=row.price,
        stop_price=row.stop_price,
        time_in_force=TimeInForce(row.time_in_force),
        reduce_only=bool(row.reduce_only),
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        average_fill_price=row.average_fill_price,
        venue_order_id=row.venue_order_id,
        updated_at=row.order_updated_at,
        last_reason=row.last_reason,
    )
    return OrderRecord(
        order=order,
        tenant_id=tenant_id,
        strategy_id=row.strategy_id,
        decision_id=row.decision_id,
        leg=row.leg,
        venue=row.venue,
        group_id=row.group_id,
        oco_group=row.oco_group,
        parent_id=row.parent_id,
        replaces=row.replaces,
        send_attempts=row.send_attempts,
        version=row.version,
    )


def fill_values(
    fill: Fill, tenant_id: str, venue: str, now: datetime, actor: str
) -> dict[str, Any]:
    """Column values of a new ``order_fills`` row."""
    return {
        "tenant_id": tenant_id,
        "venue": venue,
        "trade_id": fill.trade_id,
        "client_order_id": fill.client_order_id,
        "instrument_id": fill.instrument_id,
        "side": fill.side.value,
        "quantity": fill.quantity,
        "price": fill.price,
        "fee": fill.fee,
        "fee_currency": fill.fee_currency,
        "liquidity": fill.liquidity.value,
        "time": fill.time,
        "created_at": now,
        "updated_at": now,
        "created_by": actor,
    }


def fill_from_row(row: AnyRow) -> Fill:
    """The ``Fill`` of a row selected with ``FILL_COLUMNS``."""
    return Fill(
        trade_id=row.trade_id,
        client_order_id=row.client_order_id,
        instrument_id=row.instrument_id,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        time=row.time,
        fee=row.fee,
        fee_currency=row.fee_currency,
        liquidity=Liquidity(row.liquidity),
    )


__all__ = [
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "AnyRow",
    "fill_from_row",
    "fill_values",
    "order_values",
    "record_from_row",
]
