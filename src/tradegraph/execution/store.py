"""The ``OrderStore`` port: durable order state, the outbox, fills and their journal.

The orders table *is* the transactional outbox: an order is added as NEW (committed)
before anything is sent, and every later change goes through ``update`` which, in one
unit of work, checks the record's ``version`` (optimistic concurrency), writes the new
state, stores the fills and appends one audit-journal entry per event. A crash therefore
leaves either the old state or the new one, never half of it, and never a state change
without its journal entry.

Stores are scoped to one tenant at construction. Implementations:
``tradegraph.testing.orders.InMemoryOrderStore`` (fake) and
``tradegraph.persistence.orders.SqlOrderStore``; both pass
``tradegraph.testing.order_store_contract.OrderStoreContract``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tradegraph.model.fill import Fill
from tradegraph.model.order import Order, OrderEvent, OrderStatus

AUDIT_KIND_PREFIX = "order."
"""Journal kinds are ``order.created`` and ``order.<event>`` (``order.filled`` ...)."""


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order with where it came from and how the OMS tracks it."""

    order: Order
    tenant_id: str
    strategy_id: str
    decision_id: str
    leg: str
    """``entry``, ``stop``, ``target``, ``exit``, or a replacement such as ``entry.r1``."""
    venue: str
    group_id: str | None = None
    """Legs of one decision share a group (a bracket)."""
    oco_group: str | None = None
    """Working legs with the same oco_group cancel each other when one fills."""
    parent_id: str | None = None
    """A child waits (NEW, unsent) until this parent order has filled."""
    replaces: str | None = None
    """Cancel/replace: the client id of the order this one replaces."""
    send_attempts: int = 0
    """How many times a submit was sent (>1 only after the venue confirmed absence)."""
    version: int = 0
    """Bumped by the store on every update; ``update`` fails on a stale version."""

    @property
    def client_order_id(self) -> str:
        return self.order.client_order_id

    @property
    def status(self) -> OrderStatus:
        return self.order.status


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """One change to one stored order: its new state, the events that led there and the
    fills to store. ``record.version`` must be the version read before the change."""

    record: OrderRecord
    events: tuple[OrderEvent, ...] = ()
    fills: tuple[Fill, ...] = ()
    note: str = ""


@runtime_checkable
class OrderStore(Protocol):
    @property
    def tenant_id(self) -> str: ...

    def add(self, records: Sequence[OrderRecord]) -> list[OrderRecord]:
        """Insert NEW orders in one unit of work, journalled as ``order.created``.

        Idempotent on the client order id: a record whose id already exists is not
        changed and the stored record is returned in its place.
        """
        ...

    def get(self, client_order_id: str) -> OrderRecord | None: ...

    def update(self, updates: Sequence[OrderUpdate]) -> list[OrderRecord]:
        """Apply all updates atomically; return the stored records (versions bumped).

        Raises ``StaleStateError`` when any record's version is not the stored one
        (nothing is written), and ``IntegrityError`` when a fill's trade id is already
        stored for the venue (nothing is written).
        """
        ...

    def find(
        self,
        *,
        statuses: Collection[OrderStatus] | None = None,
        strategy_id: str | None = None,
        instrument_id: str | None = None,
        oco_groups: Collection[str] | None = None,
        limit: int = 1000,
    ) -> list[OrderRecord]:
        """Orders matching all given filters, oldest first (``oco_groups``: orders whose
        ``oco_group`` is one of these; an empty collection matches nothing)."""
        ...

    def fills(
        self, *, client_order_id: str | None = None, instrument_id: str | None = None
    ) -> list[Fill]:
        """Stored fills, oldest first."""
        ...

    def known_trade_ids(self, venue: str, trade_ids: Collection[str]) -> set[str]:
        """The subset of ``trade_ids`` already stored for ``venue``."""
        ...

    def last_fill_time(self, venue: str, instrument_id: str) -> datetime | None: ...

    def net_positions(self, venue: str) -> dict[str, Decimal]:
        """Signed net quantity per instrument from the stored fills (zeros omitted)."""
        ...


__all__ = ["AUDIT_KIND_PREFIX", "OrderRecord", "OrderStore", "OrderUpdate"]
