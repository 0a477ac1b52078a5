"""Execution: order lifecycle, the ``ExecutionClient`` port, the OMS and the simulated venue.

Boundary: pure domain code over ports. ``ports.py`` defines what a venue must do
(``ExecutionClient``) and what order storage must do (``OrderStore``); the OMS in
``oms.py`` drives orders through them under the reliability rules of DESIGN.md §4:
persist first, then send; a timeout is UNKNOWN and is resolved by querying the venue;
a submit is never re-sent blindly. Concrete venues live in ``tradegraph.adapters.brokers``
(ccxt) and ``tradegraph.execution.simulated`` (paper); storage in ``tradegraph.persistence``.
Nothing here imports sqlalchemy, ccxt or does network I/O.
"""

from tradegraph.execution.breaker import BreakerStatus
from tradegraph.execution.client_ids import client_order_id, replacement_leg
from tradegraph.execution.config import OmsConfig
from tradegraph.execution.oms import IntentOrder, OrderManager
from tradegraph.execution.ports import (
    Balance,
    Capabilities,
    ExecutionClient,
    OrderRequest,
    VenueOrder,
    VenuePosition,
)
from tradegraph.execution.reports import (
    CancelReport,
    HaltReport,
    OmsStatus,
    Placement,
    PositionCheck,
    ReconcileReport,
    SyncReport,
)
from tradegraph.execution.store import OrderRecord, OrderStore, OrderUpdate
from tradegraph.execution.throttle import KillSwitch, KillSwitchStatus

__all__ = [
    "Balance",
    "BreakerStatus",
    "CancelReport",
    "Capabilities",
    "ExecutionClient",
    "HaltReport",
    "IntentOrder",
    "KillSwitch",
    "KillSwitchStatus",
    "OmsConfig",
    "OmsStatus",
    "OrderManager",
    "OrderRecord",
    "OrderRequest",
    "OrderStore",
    "OrderUpdate",
    "Placement",
    "PositionCheck",
    "ReconcileReport",
    "SyncReport",
    "VenueOrder",
    "VenuePosition",
    "client_order_id",
    "replacement_leg",
]
