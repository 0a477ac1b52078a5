"""Order test kit: a faithful in-memory ``OrderStore`` and builders for orders and fills.

``InMemoryOrderStore`` behaves like ``tradegraph.persistence.orders.SqlOrderStore`` (both
pass ``tradegraph.testing.order_store_contract.OrderStoreContract``): ``add`` is idempotent
on the client order id, ``update`` checks versions and fill trade ids and writes all or
nothing, and every change is journalled (``journal``) with the kinds and payloads the SQL
store writes to the audit journal (one set of rules: ``persistence.order_journal``).
Several stores can share one backend (``for_tenant``) to test tenant isolation.
Thread-safe: one lock guards all state.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    IntegrityError,
    NotFoundError,
    PersistenceError,
    StaleStateError,
    ValidationError,
)
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Liquidity, OrderType, Side, TimeInForce
from tradegraph.model.fill import Fill
from tradegraph.model.order import (
    Filled,
    Order,
    OrderEvent,
    OrderStatus,
)
from tradegraph.model.tenant import check_tenant_id
from tradegraph.persistence.order_journal import (
    check_records,
    created_entry,
    update_entries,
)
from tradegraph.testing.risk import T0

_MAX_LIMIT = 100_000  # as SqlOrderStore

# --- the fake store -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderJournalEntry:
    """One journal entry as the fake store recorded it."""

    tenant_id: str
    kind: str
    payload: Mapping[str, JSONValue]
    time: datetime


@dataclass(slots=True)
class _StoredFill:
    seq: int
    venue: str
    fill: Fill


@dataclass(slots=True)
class _Backend:
    """State shared by the stores of all tenants (one "database")."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    orders: dict[tuple[str, str], tuple[int, OrderRecord]] = field(default_factory=dict)
    fills: dict[str, list[_StoredFill]] = field(default_factory=dict)
    trade_ids: set[tuple[str, str, str]] = field(default_factory=set)
    journal: list[OrderJournalEntry] = field(default_factory=list)
    seq: int = 0
    fail_next_write: bool = False

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class InMemoryOrderStore:
    """A dict-backed ``OrderStore`` for one tenant; ``journal`` lists its audit entries.

    Set ``fail_next_write`` to make the next ``add``/``update`` (of any tenant sharing
    the backend) raise ``PersistenceError`` before changing anything.
    """

    def __init__(self, tenant_id: str, clock: Clock, *, _backend: _Backend | None = None) -> None:
        self._tenant_id = check_tenant_id(tenant_id)
        self._clock = clock
        self._backend = _backend if _backend is not None else _Backend()

    def for_tenant(self, tenant_id: str) -> InMemoryOrderStore:
        """A store of another tenant on the same backend."""
        return InMemoryOrderStore(tenant_id, self._clock, _backend=self._backend)

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    @property
    def fail_next_write(self) -> bool:
        return self._backend.fail_next_write

    @fail_next_write.setter
    def fail_next_write(self, value: bool) -> None:
        with self._backend.lock:
            self._backend.fail_next_write = value

    def _maybe_fail(self) -> None:
        if self._backend.fail_next_write:
            self._backend.fail_next_write = False
            raise PersistenceError(
                "InMemoryOrderStore: injected write failure.", hint="Set by the test."
            )

    def _journal(self, entries: list[tuple[str, dict[str, JSONValue]]]) -> None:
        now = self._clock.now()
        self._backend.journal.extend(
            OrderJournalEntry(self._tenant_id, kind, payload, now) for kind, payload in entries
        )

    # -- writing -----------------------------------------------------------------------------

    def add(self, records: Sequence[OrderRecord]) -> list[OrderRecord]:
        check_records(self._tenant_id, records, "add")
        backend = self._backend
        with backend.lock:
            self._maybe_fail()
            result: list[OrderRecord] = []
            entries: list[tuple[str, dict[str, JSONValue]]] = []
            for record in records:
                key = (self._tenant_id, record.client_order_id)
                existing = backend.orders.get(key)
                if existing is not None:
                    result.append(existing[1])
                    continue
                stored = replace(record, version=0)
                backend.orders[key] = (backend.next_seq(), stored)
                entries.append(created_entry(stored))
                result.append(stored)
            self._journal(entries)
            return result

    def update(self, updates: Sequence[OrderUpdate]) -> list[OrderRecord]:
        check_records(self._tenant_id, [u.record for u in updates], "update")
        backend = self._backend
        with backend.lock:
            self._maybe_fail()
            working: dict[str, tuple[int, OrderRecord]] = {}
            new_trade_ids: set[tuple[str, str, str]] = set()
            results: list[OrderRecord] = []
            entries: list[tuple[str, dict[str, JSONValue]]] = []
            for update in updates:
                coid = update.record.client_order_id
                current = working.get(coid) or backend.orders.get((self._tenant_id, coid))
                if current is None:
                    raise NotFoundError(
                        f"Cannot update order {coid!r}: tenant {self._tenant_id!r} has no "
                        "such order.",
                        hint="add() the order before updating it.",
                    )
                seq, stored = current
                if stored.version != update.record.version:
                    raise StaleStateError(
                        f"Order {coid!r} was changed by another writer: the update is based "
                        f"on version {update.record.version}, the stored one is "
                        f"{stored.version}.",
                        hint="Re-read the order with get() and apply the change again.",
                    )
                for fill in update.fills:
                    key = (self._tenant_id, update.record.venue, fill.trade_id)
                    if key in backend.trade_ids or key in new_trade_ids:
                        raise IntegrityError(
                            f"Fill {fill.trade_id!r} of venue {update.record.venue!r} is "
                            f"already stored (order {coid!r}); nothing was written.",
                            hint="Drop fills whose trade id known_trade_ids() reports.",
                        )
                    new_trade_ids.add(key)
                written = replace(update.record, version=stored.version + 1)
                working[coid] = (seq, written)
                results.append(written)
                entries.extend(update_entries(written, update))
            # every check passed: write it all
            for coid, current in working.items():
                backend.orders[(self._tenant_id, coid)] = current
            tenant_fills = backend.fills.setdefault(self._tenant_id, [])
            for update in updates:
                for fill in update.fills:
                    tenant_fills.append(_StoredFill(backend.next_seq(), update.record.venue, fill))
            backend.trade_ids |= new_trade_ids
            self._journal(entries)
            return results

    # -- reading -----------------------------------------------------------------------------

    def get(self, client_order_id: str) -> OrderRecord | None:
        with self._backend.lock:
            found = self._backend.orders.get((self._tenant_id, client_order_id))
        return None if found is None else found[1]

    def find(
        self,
        *,
        statuses: Collection[OrderStatus] | None = None,
        strategy_id: str | None = None,
        instrument_id: str | None = None,
        oco_groups: Collection[str] | None = None,
        limit: int = 1000,
    ) -> list[OrderRecord]:
        if not 1 <= limit <= _MAX_LIMIT:
            raise ValidationError(
                f"limit must be between 1 and {_MAX_LIMIT}, got {limit}.",
                hint="Narrow the query with statuses/strategy_id/instrument_id.",
            )
        wanted = None if statuses is None else frozenset(statuses)
        groups = None if oco_groups is None else frozenset(oco_groups)
        with self._backend.lock:
            rows = [v for (t, _), v in self._backend.orders.items() if t == self._tenant_id]
        matches = [
            (record.order.created_at, seq, record)
            for seq, record in rows
            if (wanted is None or record.status in wanted)
            and (strategy_id is None or record.strategy_id == strategy_id)
            and (instrument_id is None or record.order.instrument_id == instrument_id)
            and (groups is None or record.oco_group in groups)
        ]
        matches.sort(key=lambda m: (m[0], m[1]))
        return [record for _, _, record in matches[:limit]]

    def _fills(self) -> list[_StoredFill]:
        with self._backend.lock:
            return list(self._backend.fills.get(self._tenant_id, ()))

    def fills(
        self, *, client_order_id: str | None = None, instrument_id: str | None = None
    ) -> list[Fill]:
        chosen = [
            stored
            for stored in self._fills()
            if (client_order_id is None or stored.fill.client_order_id == client_order_id)
            and (instrument_id is None or stored.fill.instrument_id == instrument_id)
        ]
        chosen.sort(key=lambda s: (s.fill.time, s.seq))
        return [stored.fill for stored in chosen]

    def known_trade_ids(self, venue: str, trade_ids: Collection[str]) -> set[str]:
        with self._backend.lock:
            known = self._backend.trade_ids
            return {t for t in trade_ids if (self._tenant_id, venue, t) in known}

    def last_fill_time(self, venue: str, instrument_id: str) -> datetime | None:
        times = [
            s.fill.time
            for s in self._fills()
            if s.venue == venue and s.fill.instrument_id == instrument_id
        ]
        return max(times, default=None)

    def net_positions(self, venue: str) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for stored in self._fills():
            if stored.venue == venue:
                iid = stored.fill.instrument_id
                totals[iid] = totals.get(iid, Decimal(0)) + stored.fill.signed_quantity
        return {iid: qty for iid, qty in totals.items() if qty != 0}

    # -- the journal -------------------------------------------------------------------------

    @property
    def journal(self) -> list[OrderJournalEntry]:
        """This tenant's journal entries, oldest first."""
        with self._backend.lock:
            return [e for e in self._backend.journal if e.tenant_id == self._tenant_id]


# --- builders -------------------------------------------------------------------------------


def make_order(
    client_order_id: str = "o-1",
    *,
    instrument_id: str = "BTC/USDT",
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.LIMIT,
    quantity: Decimal | str = "1",
    price: Decimal | str | None = "100",
    stop_price: Decimal | str | None = None,
    time_in_force: TimeInForce = TimeInForce.GTC,
    reduce_only: bool = False,
    created_at: datetime = T0,
) -> Order:
    """A NEW order; numbers may be given as strings (exact)."""
    return Order(
        client_order_id=client_order_id,
        instrument_id=instrument_id,
        side=side,
        order_type=order_type,
        quantity=Decimal(quantity),
        created_at=created_at,
        price=None if price is None or not order_type.needs_price else Decimal(price),
        stop_price=None if stop_price is None else Decimal(stop_price),
        time_in_force=time_in_force,
        reduce_only=reduce_only,
    )


def make_record(
    order: Order | None = None,
    *,
    tenant_id: str = "default",
    strategy_id: str = "s1",
    decision_id: str = "d1",
    leg: str = "entry",
    venue: str = "test",
    group_id: str | None = None,
    oco_group: str | None = None,
    parent_id: str | None = None,
    replaces: str | None = None,
    send_attempts: int = 0,
) -> OrderRecord:
    """An ``OrderRecord`` of ``order`` (default ``make_order()``)."""
    return OrderRecord(
        order=order if order is not None else make_order(),
        tenant_id=tenant_id,
        strategy_id=strategy_id,
        decision_id=decision_id,
        leg=leg,
        venue=venue,
        group_id=group_id,
        oco_group=oco_group,
        parent_id=parent_id,
        replaces=replaces,
        send_attempts=send_attempts,
    )


def make_fill(
    trade_id: str,
    order: Order,
    *,
    quantity: Decimal | str | None = None,
    price: Decimal | str = "100",
    time: datetime = T0,
    fee: Decimal | str = "0",
    fee_currency: str = "USDT",
    liquidity: Liquidity = Liquidity.TAKER,
) -> Fill:
    """A fill of ``order`` (its whole remaining quantity unless ``quantity`` is given)."""
    return Fill(
        trade_id=trade_id,
        client_order_id=order.client_order_id,
        instrument_id=order.instrument_id,
        side=order.side,
        quantity=order.remaining_quantity if quantity is None else Decimal(quantity),
        price=Decimal(price),
        time=time,
        fee=Decimal(fee),
        fee_currency=fee_currency,
        liquidity=liquidity,
    )


def fill_update(record: OrderRecord, fills: Sequence[Fill], note: str = "") -> OrderUpdate:
    """The update that applies ``fills`` to ``record`` (one ``Filled`` event per fill)."""
    order = record.order
    events: list[OrderEvent] = []
    for fill in fills:
        event = Filled(fill.time, fill.quantity, fill.price, fill.trade_id)
        order = order.apply(event)
        events.append(event)
    return OrderUpdate(replace(record, order=order), tuple(events), tuple(fills), note)


def event_update(record: OrderRecord, *events: OrderEvent, note: str = "") -> OrderUpdate:
    """The update that applies ``events`` (none of them fills) to ``record``."""
    order = record.order
    for event in events:
        order = order.apply(event)
    return OrderUpdate(replace(record, order=order), tuple(events), (), note)


__all__ = [
    "InMemoryOrderStore",
    "OrderJournalEntry",
    "event_update",
    "fill_update",
    "make_fill",
    "make_order",
    "make_record",
]
