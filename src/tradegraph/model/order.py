"""Order and its explicit state machine.

States::

    NEW ──submit──▶ SUBMITTED ──accept──▶ ACCEPTED ──fill──▶ PARTIALLY_FILLED ──fill──▶ FILLED
     │                  │  ╲                  │                     │
     │cancel/reject     │   ╲ timeout/drop   │cancel/expire        │cancel/expire
     ▼                  ▼    ▼                ▼                     ▼
    CANCELED        REJECTED  UNKNOWN ──(resolved by querying the venue)──▶ any venue outcome

``UNKNOWN`` means the venue may or may not have the order (a timeout, a dropped
connection, a 5xx). It is resolved by querying the venue by client order id, never by
resending. FILLED, CANCELED, REJECTED and EXPIRED are terminal.

Orders are immutable: ``order.apply(event)`` returns the next order or raises
``IllegalTransitionError`` and leaves the original untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradegraph.core.errors import IllegalTransitionError, ValidationError
from tradegraph.model.enums import OrderType, Side, TimeInForce


class OrderStatus(StrEnum):
    NEW = "new"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_working(self) -> bool:
        """The order may still execute at the venue (or might, when UNKNOWN)."""
        return not self.is_terminal and self is not OrderStatus.NEW


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submitted:
    """The order was handed to the venue (after its row was committed)."""

    time: datetime


@dataclass(frozen=True, slots=True)
class Accepted:
    time: datetime
    venue_order_id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    time: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Filled:
    """A (partial) execution. ``trade_id`` is the venue's execution id, for de-duplication."""

    time: datetime
    quantity: Decimal
    price: Decimal
    trade_id: str


@dataclass(frozen=True, slots=True)
class Canceled:
    time: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Expired:
    time: datetime


@dataclass(frozen=True, slots=True)
class MarkedUnknown:
    """The outcome of a venue call is unconfirmed (timeout, drop, 5xx)."""

    time: datetime
    reason: str


OrderEvent = Submitted | Accepted | Rejected | Filled | Canceled | Expired | MarkedUnknown

_S = OrderStatus
_ALLOWED: dict[type[OrderEvent], frozenset[OrderStatus]] = {  # event -> states it may come from
    Submitted: frozenset({_S.NEW}),
    Accepted: frozenset({_S.SUBMITTED, _S.UNKNOWN}),
    Rejected: frozenset({_S.NEW, _S.SUBMITTED, _S.UNKNOWN}),
    Filled: frozenset({_S.SUBMITTED, _S.ACCEPTED, _S.PARTIALLY_FILLED, _S.UNKNOWN}),
    Canceled: frozenset({_S.NEW, _S.SUBMITTED, _S.ACCEPTED, _S.PARTIALLY_FILLED, _S.UNKNOWN}),
    Expired: frozenset({_S.SUBMITTED, _S.ACCEPTED, _S.PARTIALLY_FILLED, _S.UNKNOWN}),
    MarkedUnknown: frozenset({_S.SUBMITTED, _S.ACCEPTED, _S.PARTIALLY_FILLED}),
}


@dataclass(frozen=True, slots=True)
class Order:
    """An order and its current state. Quantities and prices are exact ``Decimal``."""

    client_order_id: str
    instrument_id: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    created_at: datetime
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    status: OrderStatus = OrderStatus.NEW
    filled_quantity: Decimal = Decimal(0)
    average_fill_price: Decimal | None = None
    venue_order_id: str | None = None
    updated_at: datetime | None = None
    last_reason: str = ""

    def __post_init__(self) -> None:
        where = f"Order {self.client_order_id!r}"
        if not self.client_order_id:
            raise ValidationError("Order needs a client_order_id.", hint="Use content_id(...).")
        if not self.quantity.is_finite() or self.quantity <= 0:
            raise ValidationError(
                f"{where}: quantity must be positive, got {self.quantity}.",
                hint="Express direction with side=Side.SELL, not a negative quantity.",
            )
        if self.order_type.needs_price and self.price is None:
            raise ValidationError(
                f"{where}: a {self.order_type.value} order needs a limit price.",
                hint="Pass price=Decimal(...).",
            )
        if self.order_type.needs_stop_price and self.stop_price is None:
            raise ValidationError(
                f"{where}: a {self.order_type.value} order needs a stop_price.",
                hint="Pass stop_price=Decimal(...).",
            )
        for name in ("price", "stop_price"):
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or value <= 0):
                raise ValidationError(
                    f"{where}: {name} must be positive, got {value}.", hint="Check the price."
                )
        if not Decimal(0) <= self.filled_quantity <= self.quantity:
            raise ValidationError(
                f"{where}: filled_quantity {self.filled_quantity} outside [0, {self.quantity}].",
                hint="This is a bug in the caller: fills cannot exceed the order quantity.",
            )

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity

    def can_apply(self, event: OrderEvent) -> bool:
        return self.status in _ALLOWED[type(event)]

    def apply(self, event: OrderEvent) -> Order:
        """The order after ``event``; raises ``IllegalTransitionError`` if not allowed."""
        if not self.can_apply(event):
            raise IllegalTransitionError(
                f"Order {self.client_order_id!r} cannot take {type(event).__name__} "
                f"in state {self.status.value}.",
                hint="Terminal orders never change; UNKNOWN orders are resolved by querying "
                "the venue, not by resending.",
            )
        if isinstance(event, Submitted):
            return replace(self, status=_S.SUBMITTED, updated_at=event.time)
        if isinstance(event, Accepted):
            status = _S.PARTIALLY_FILLED if self.filled_quantity > 0 else _S.ACCEPTED
            return replace(
                self, status=status, venue_order_id=event.venue_order_id, updated_at=event.time
            )
        if isinstance(event, Rejected):
            if self.filled_quantity > 0:
                raise IllegalTransitionError(
                    f"Order {self.client_order_id!r} has fills and cannot be rejected.",
                    hint="Cancel it instead.",
                )
            return replace(
                self, status=_S.REJECTED, updated_at=event.time, last_reason=event.reason
            )
        if isinstance(event, Filled):
            return self._fill(event)
        if isinstance(event, Canceled):
            return replace(
                self, status=_S.CANCELED, updated_at=event.time, last_reason=event.reason
            )
        if isinstance(event, Expired):
            return replace(self, status=_S.EXPIRED, updated_at=event.time)
        return replace(self, status=_S.UNKNOWN, updated_at=event.time, last_reason=event.reason)

    def _fill(self, event: Filled) -> Order:
        if not event.quantity.is_finite() or event.quantity <= 0:
            raise IllegalTransitionError(
                f"Order {self.client_order_id!r}: fill quantity must be positive, got "
                f"{event.quantity}.",
                hint="Drop empty fills before applying them.",
            )
        if not event.price.is_finite() or event.price <= 0:
            raise IllegalTransitionError(
                f"Order {self.client_order_id!r}: fill price must be positive, got {event.price}.",
                hint="Check the venue's execution report.",
            )
        filled = self.filled_quantity + event.quantity
        if filled > self.quantity:
            raise IllegalTransitionError(
                f"Order {self.client_order_id!r}: fill of {event.quantity} would overfill "
                f"({self.filled_quantity} of {self.quantity} already filled).",
                hint="De-duplicate fills by the venue's trade id.",
            )
        previous_value = (self.average_fill_price or Decimal(0)) * self.filled_quantity
        average = (previous_value + event.price * event.quantity) / filled
        status = _S.FILLED if filled == self.quantity else _S.PARTIALLY_FILLED
        return replace(
            self,
            status=status,
            filled_quantity=filled,
            average_fill_price=average,
            updated_at=event.time,
        )


__all__ = [
    "Accepted",
    "Canceled",
    "Expired",
    "Filled",
    "MarkedUnknown",
    "Order",
    "OrderEvent",
    "OrderStatus",
    "Rejected",
    "Submitted",
]
