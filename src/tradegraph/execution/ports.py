"""The ``ExecutionClient`` port: what every venue (simulated, ccxt, IBKR) must do.

Venue answers are values (``VenueOrder`` snapshots, ``Fill`` executions); a rejection is a
``VenueOrder`` with status REJECTED and a reason, not an exception. Exceptions are only
for transport outcomes, and they say whether the request may have reached the venue:

- ``OrderStateUnknownError``: the request may or may not have been executed (timeout,
  dropped connection, 5xx, the venue's own timeout code). The caller must resolve it by
  ``query_order(client_order_id)``; it must never re-send blindly.
- ``VenueUnavailableError``: the request certainly did not execute (connection refused
  before sending, circuit open, rate limited before sending). Safe to retry later.
- ``NotFoundError``: the venue does not know the order (cancel/modify of an unknown id).

Every implementation passes ``tradegraph.testing.execution_contract.ExecutionClientContract``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tradegraph.core.errors import ValidationError
from tradegraph.model.enums import OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.order import Order, OrderStatus

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What is sent to a venue for one order. ``client_order_id`` is the idempotency key."""

    client_order_id: str
    instrument_id: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False

    def __post_init__(self) -> None:
        if not self.client_order_id:
            raise ValidationError("OrderRequest needs a client_order_id.", hint="See client_ids.")
        if not self.quantity.is_finite() or self.quantity <= 0:
            raise ValidationError(
                f"OrderRequest {self.client_order_id!r}: quantity must be positive, "
                f"got {self.quantity}.",
                hint="Express direction with side, not a negative quantity.",
            )

    @classmethod
    def from_order(cls, order: Order) -> OrderRequest:
        return cls(
            client_order_id=order.client_order_id,
            instrument_id=order.instrument_id,
            side=order.side,
            order_type=order.order_type,
            quantity=order.quantity,
            price=order.price,
            stop_price=order.stop_price,
            time_in_force=order.time_in_force,
            reduce_only=order.reduce_only,
        )


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """The venue's view of one order at one moment.

    ``status`` is never NEW, SUBMITTED or UNKNOWN: a venue knows an order as ACCEPTED
    (working), PARTIALLY_FILLED, FILLED, CANCELED, REJECTED or EXPIRED.
    """

    client_order_id: str
    venue_order_id: str
    instrument_id: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    status: OrderStatus
    updated_at: datetime
    filled_quantity: Decimal = _ZERO
    average_price: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status in (OrderStatus.NEW, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN):
            raise ValidationError(
                f"VenueOrder {self.client_order_id!r}: a venue cannot report status "
                f"{self.status.value}.",
                hint="Map the venue's status to accepted/partially_filled/filled/canceled/"
                "rejected/expired.",
            )

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity


@dataclass(frozen=True, slots=True)
class VenuePosition:
    """Net position the venue reports for an instrument (signed: negative is short)."""

    instrument_id: str
    quantity: Decimal
    average_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    currency: str
    total: Decimal
    free: Decimal


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a venue supports; the OMS emulates what is missing (e.g. OCO brackets when
    ``native_oco`` is False; when True, ``ExecutionClient.submit_oco`` places them)."""

    order_types: frozenset[OrderType] = field(
        default_factory=lambda: frozenset(OrderType)
    )
    time_in_force: frozenset[TimeInForce] = field(
        default_factory=lambda: frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})
    )
    native_oco: bool = False
    reduce_only: bool = False
    native_modify: bool = False
    """True when the venue amends in place; otherwise ``modify`` is cancel + new."""
    reports_positions: bool = False
    """True for derivatives venues; spot positions are derived from balances and fills."""
    client_order_id_max_length: int = 36

    def supports(self, order_type: OrderType) -> bool:
        return order_type in self.order_types


@runtime_checkable
class ExecutionClient(Protocol):
    """A trading venue as the OMS sees it. All calls are synchronous and may block."""

    @property
    def venue(self) -> str:
        """The venue name instruments use (``Instrument.venue``)."""
        ...

    @property
    def capabilities(self) -> Capabilities: ...

    def submit(self, request: OrderRequest) -> VenueOrder:
        """Place an order. A client id that names a working order makes no second order:
        the answer is that working order's snapshot (never a REJECTED that the caller
        could mistake for its own order's fate). Once the order is terminal, venues may
        accept the id again (Binance does), which is why the OMS queries before any
        re-send."""
        ...

    def submit_oco(self, stop: OrderRequest, target: OrderRequest) -> tuple[VenueOrder, VenueOrder]:
        """Place a native one-cancels-other pair: ``stop`` (STOP or STOP_LIMIT) and
        ``target`` (LIMIT), both reducing the position (same side, same quantity). When
        one leg fills (or the stop triggers), the venue closes the other. Answers the
        (stop, target) snapshots. Venues whose ``capabilities.native_oco`` is False raise
        ``ConfigurationError``. Ambiguity as ``submit``: ``OrderStateUnknownError`` when
        the pair may have been placed — resolve each leg by ``query_order``."""
        ...

    def cancel(self, client_order_id: str, instrument_id: str) -> VenueOrder:
        """Cancel; a terminal order's snapshot is returned unchanged (idempotent)."""
        ...

    def modify(
        self,
        client_order_id: str,
        instrument_id: str,
        *,
        new_client_order_id: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
    ) -> VenueOrder:
        """Cancel/replace: returns the replacement order (``new_client_order_id``)."""
        ...

    def query_order(self, client_order_id: str, instrument_id: str) -> VenueOrder | None:
        """The order's snapshot, or None when the venue never received it."""
        ...

    def open_orders(self, instrument_id: str | None = None) -> Sequence[VenueOrder]: ...

    def fills(self, instrument_id: str, since: datetime | None = None) -> Sequence[Fill]:
        """Executions for the instrument at or after ``since``, oldest first.
        ``Fill.client_order_id`` names the order; ``Fill.trade_id`` is unique per venue."""
        ...

    def positions(self) -> Sequence[VenuePosition]: ...

    def balances(self) -> Sequence[Balance]: ...


__all__ = [
    "Balance",
    "Capabilities",
    "ExecutionClient",
    "OrderRequest",
    "VenueOrder",
    "VenuePosition",
]
