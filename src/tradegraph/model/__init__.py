"""Domain model (layer 1): immutable values shared by every other package.

Boundary: imports only ``tradegraph.core`` and the standard library. No I/O, no pandas,
no persistence concerns; ORM rows are mapped to these values in ``persistence``.
"""

from tradegraph.model.audit import AuditEntry, AuditVerification
from tradegraph.model.bar import Bar
from tradegraph.model.enums import AssetClass, Direction, Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.instrument import Instrument
from tradegraph.model.intent import Intent, Signal
from tradegraph.model.order import Order, OrderEvent, OrderStatus
from tradegraph.model.position import Position
from tradegraph.model.tenant import DEFAULT_TENANT_ID, Tenant
from tradegraph.model.timeframe import Timeframe
from tradegraph.model.trade import ExitReason, Trade

__all__ = [
    "DEFAULT_TENANT_ID",
    "AssetClass",
    "AuditEntry",
    "AuditVerification",
    "Bar",
    "Direction",
    "ExitReason",
    "Fill",
    "Instrument",
    "Intent",
    "Liquidity",
    "Order",
    "OrderEvent",
    "OrderStatus",
    "OrderType",
    "Position",
    "Side",
    "Signal",
    "Tenant",
    "TimeInForce",
    "Timeframe",
    "Trade",
]
