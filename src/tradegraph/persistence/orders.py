"""Database-backed ``OrderStore``: the orders table is the OMS outbox (SQLite or PostgreSQL).

Every call is one unit of work. ``add`` inserts the records whose client ids are new and
journals them. ``update`` refuses already-stored trade ids first, then writes the new
states with one ``UPDATE ... WHERE version = :v`` per record (one executemany, rows taken
in client-id order so concurrent writers cannot deadlock), inserts the fills and appends
the journal entries, all in the same transaction. If the UPDATE matched fewer rows than
records (a stale version, a missing order, a concurrent writer), the transaction is
rolled back and the reason is read back and raised (``StaleStateError`` or
``NotFoundError``): nothing is written. Batches use bulk statements and
``AuditJournal.append_many_in`` (one head read and write), so a call with many orders
costs little more than one. Rows never leave ``persistence`` (``order_mapping`` turns them
into ``OrderRecord`` and ``Fill`` values). Lock conflicts, deadlocks and unique-key races
with a concurrent writer are retried (``Database.run``); the retry re-checks and raises
cleanly.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TypeVar, cast

from sqlalchemy import BindParameter, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    IntegrityError,
    NotFoundError,
    StaleStateError,
    TradegraphError,
    ValidationError,
)
from tradegraph.execution.store import OrderRecord, OrderUpdate
from tradegraph.model.audit import JSONValue
from tradegraph.model.enums import Side
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus
from tradegraph.model.tenant import DEFAULT_TENANT_ID, check_tenant_id
from tradegraph.persistence.audit import AuditJournal
from tradegraph.persistence.database import Database
from tradegraph.persistence.failures import is_unique_violation
from tradegraph.persistence.order_journal import (
    JOURNAL_ACTOR,
    check_records,
    created_entry,
    update_entries,
)
from tradegraph.persistence.order_mapping import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    fill_from_row,
    fill_values,
    order_values,
    record_from_row,
)
from tradegraph.persistence.rows import OrderFillRow, OrderRow

T = TypeVar("T")

_ORDERS = cast(Table, OrderRow.__table__)
_FILLS = cast(Table, OrderFillRow.__table__)
_CHUNK = 500  # ids per IN (...) list: far below every backend's parameter limit
_MAX_LIMIT = 100_000

# one version-checked UPDATE, executed once per record (executemany); the SET clause is
# every other key of the parameters (all order columns but the key, and updated_at)
_UPDATE_ORDER = update(_ORDERS).where(
    _ORDERS.c.tenant_id == bindparam("b_tenant"),
    _ORDERS.c.client_order_id == bindparam("b_client_order_id"),
    _ORDERS.c.version == bindparam("b_version"),
    _ORDERS.c.deleted_at.is_(None),
)


_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_TENANT: BindParameter[str] = bindparam("tenant_id")

# the stored ids (and whether deleted) among some client ids
_EXISTING_IDS = select(OrderRow.client_order_id, OrderRow.deleted_at).where(
    OrderRow.tenant_id == _TENANT, OrderRow.client_order_id.in_(_IDS)
)
# full rows of some live orders
_LIVE_ORDERS = select(*ORDER_COLUMNS).where(
    OrderRow.tenant_id == _TENANT,
    OrderRow.client_order_id.in_(_IDS),
    OrderRow.deleted_at.is_(None),
)
_VERSIONS = select(OrderRow.client_order_id, OrderRow.version).where(
    OrderRow.tenant_id == _TENANT,
    OrderRow.client_order_id.in_(_IDS),
    OrderRow.deleted_at.is_(None),
)
_KNOWN_TRADE_IDS = select(OrderFillRow.trade_id).where(
    OrderFillRow.tenant_id == _TENANT,
    OrderFillRow.venue == bindparam("venue"),
    OrderFillRow.trade_id.in_(_IDS),
)
_INSERT_ORDERS = insert(_ORDERS)
_INSERT_FILLS = insert(_FILLS)


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class _VersionMismatch(Exception):  # noqa: N818 - internal signal, never escapes
    """An UPDATE matched fewer rows than expected; ``update`` explains it after rollback."""


def _retry_on_unique(exc: Exception) -> bool:
    return is_unique_violation(exc.__cause__)


class SqlOrderStore:
    """``OrderStore`` of one tenant on the tradegraph database (SQLite or PostgreSQL)."""

    def __init__(
        self,
        database: Database,
        journal: AuditJournal,
        clock: Clock,
        tenant_id: str = DEFAULT_TENANT_ID,
        *,
        actor: str = JOURNAL_ACTOR,
    ) -> None:
        self._database = database
        self._journal = journal
        self._clock = clock
        self._tenant_id = check_tenant_id(tenant_id)
        self._actor = actor

    @property
    def tenant_id(self) -> str:
        return self._tenant_id

    def _write(self, work: Callable[[Session], T]) -> T:
        return self._database.run(work, retry_if=_retry_on_unique)

    # -- add ---------------------------------------------------------------------------------

    def add(self, records: Sequence[OrderRecord]) -> list[OrderRecord]:
        check_records(self._tenant_id, records, "add")
        if not records:
            return []
        return self._write(lambda session: self._add_in(session, records))

    def _add_in(self, session: Session, records: Sequence[OrderRecord]) -> list[OrderRecord]:
        connection = session.connection()
        ids = list(dict.fromkeys(r.client_order_id for r in records))
        existing: list[str] = []
        for chunk in _chunks(ids):
            for coid, deleted_at in connection.execute(
                _EXISTING_IDS, {"tenant_id": self._tenant_id, "ids": chunk}
            ):
                if deleted_at is not None:
                    raise IntegrityError(
                        f"Order {coid!r} of tenant {self._tenant_id!r} was deleted; its "
                        "client order id cannot be used again.",
                        hint="Client order ids are unique forever: derive a new one.",
                    )
                existing.append(coid)
        stored = self._load(session, existing) if existing else {}
        fresh: dict[str, OrderRecord] = {}
        for record in records:
            coid = record.client_order_id
            if coid not in stored and coid not in fresh:
                fresh[coid] = record if record.version == 0 else replace(record, version=0)
        if fresh:
            now = self._clock.now()
            row_audit = {
                "tenant_id": self._tenant_id,
                "created_at": now,
                "updated_at": now,
                "created_by": self._actor,
            }
            connection.execute(
                _INSERT_ORDERS, [{**order_values(r), **row_audit} for r in fresh.values()]
            )
            self._journal.append_many_in(
                session,
                self._actor,
                [created_entry(r) for r in fresh.values()],
                self._tenant_id,
                returning=False,
            )
        return [stored.get(r.client_order_id) or fresh[r.client_order_id] for r in records]

    def _load(self, session: Session, ids: Sequence[str]) -> dict[str, OrderRecord]:
        """The live (not deleted) records among ``ids``."""
        connection = session.connection()
        found: dict[str, OrderRecord] = {}
        for chunk in _chunks(ids):
            for row in connection.execute(
                _LIVE_ORDERS, {"tenant_id": self._tenant_id, "ids": chunk}
            ):
                found[row.client_order_id] = record_from_row(self._tenant_id, row)
        return found

    # -- update ------------------------------------------------------------------------------

    def update(self, updates: Sequence[OrderUpdate]) -> list[OrderRecord]:
        check_records(self._tenant_id, [u.record for u in updates], "update")
        if not updates:
            return []
        try:
            return self._write(lambda session: self._update_in(session, updates))
        except _VersionMismatch:
            raise self._mismatch_error(updates) from None

    def _update_in(self, session: Session, updates: Sequence[OrderUpdate]) -> list[OrderRecord]:
        connection = session.connection()
        self._check_fills(session, updates)
        written = [replace(u.record, version=u.record.version + 1) for u in updates]
        now = self._clock.now()
        params = [
            {
                **order_values(record, key=False),
                "updated_at": now,
                "b_tenant": self._tenant_id,
                "b_client_order_id": record.client_order_id,
                "b_version": record.version - 1,
            }
            for record in written
        ]
        # a stable sort by id: every writer takes the row locks in one order (no deadlock),
        # and successive updates of one order keep their order
        params.sort(key=lambda p: p["b_client_order_id"])
        result = connection.execute(_UPDATE_ORDER, params)
        if result.rowcount != len(params):
            raise _VersionMismatch  # rolls the unit of work back
        fill_rows = [
            fill_values(fill, self._tenant_id, update_.record.venue, now, self._actor)
            for update_ in updates
            for fill in update_.fills
        ]
        if fill_rows:
            connection.execute(_INSERT_FILLS, fill_rows)
        entries: list[tuple[str, dict[str, JSONValue]]] = []
        for record, update_ in zip(written, updates, strict=True):
            entries.extend(update_entries(record, update_))
        self._journal.append_many_in(
            session, self._actor, entries, self._tenant_id, returning=False
        )
        return written

    def _mismatch_error(self, updates: Sequence[OrderUpdate]) -> TradegraphError:
        """Why an update matched fewer rows than it had records: a missing order or a
        stale version (read after the rollback, replaying the updates in order)."""
        ids = list(dict.fromkeys(u.record.client_order_id for u in updates))
        versions: dict[str, int] = {}
        with self._database.session(read_only=True) as session:
            connection = session.connection()
            for chunk in _chunks(ids):
                rows = connection.execute(_VERSIONS, {"tenant_id": self._tenant_id, "ids": chunk})
                versions.update((coid, version) for coid, version in rows)
        for update_ in updates:
            coid = update_.record.client_order_id
            if coid not in versions:
                return NotFoundError(
                    f"Cannot update order {coid!r}: tenant {self._tenant_id!r} has no such "
                    "order; nothing was written.",
                    hint="add() the order before updating it.",
                )
            if versions[coid] != update_.record.version:
                return StaleStateError(
                    f"Order {coid!r} was changed by another writer: the update is based on "
                    f"version {update_.record.version}, the stored one is {versions[coid]}; "
                    "nothing was written.",
                    hint="Re-read the order with get() and apply the change again.",
                )
            versions[coid] += 1
        return StaleStateError(  # the orders changed again since the failed attempt
            f"{len(updates)} order update(s) raced with a concurrent writer; nothing was written.",
            hint="Re-read the orders with get() and apply the changes again.",
        )

    def _check_fills(self, session: Session, updates: Sequence[OrderUpdate]) -> None:
        """Raise ``IntegrityError`` for a trade id stored already or twice in this call."""
        by_venue: dict[str, list[tuple[str, str]]] = {}
        seen: set[tuple[str, str]] = set()
        for update_ in updates:
            venue = update_.record.venue
            for fill in update_.fills:
                key = (venue, fill.trade_id)
                if key in seen:
                    self._duplicate(fill.trade_id, venue, update_.record.client_order_id)
                seen.add(key)
                by_venue.setdefault(venue, []).append(
                    (fill.trade_id, update_.record.client_order_id)
                )
        for venue, pairs in by_venue.items():
            owners = dict(pairs)
            known = self._known(session, venue, list(owners))
            if known:
                trade_id = next(t for t, _ in pairs if t in known)
                self._duplicate(trade_id, venue, owners[trade_id])

    def _duplicate(self, trade_id: str, venue: str, coid: str) -> None:
        raise IntegrityError(
            f"Fill {trade_id!r} of venue {venue!r} is already stored (order {coid!r}); "
            "nothing was written.",
            hint="Drop fills whose trade id known_trade_ids() reports.",
        )

    def _known(self, session: Session, venue: str, trade_ids: Sequence[str]) -> set[str]:
        connection = session.connection()
        known: set[str] = set()
        for chunk in _chunks(trade_ids):
            known.update(
                connection.execute(
                    _KNOWN_TRADE_IDS, {"tenant_id": self._tenant_id, "venue": venue, "ids": chunk}
                ).scalars()
            )
        return known

    # -- reading -----------------------------------------------------------------------------

    def get(self, client_order_id: str) -> OrderRecord | None:
        with self._database.session(read_only=True) as session:
            return self._load(session, [client_order_id]).get(client_order_id)

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
        query = select(*ORDER_COLUMNS).where(
            OrderRow.tenant_id == self._tenant_id, OrderRow.deleted_at.is_(None)
        )
        if statuses is not None:
            wanted = sorted({OrderStatus(s).value for s in statuses})
            if not wanted:
                return []
            query = query.where(OrderRow.status.in_(wanted))
        if strategy_id is not None:
            query = query.where(OrderRow.strategy_id == strategy_id)
        if instrument_id is not None:
            query = query.where(OrderRow.instrument_id == instrument_id)
        if oco_groups is not None:
            groups = sorted(set(oco_groups))
            if not groups:
                return []
            query = query.where(OrderRow.oco_group.in_(groups))
        query = query.order_by(OrderRow.order_created_at, OrderRow.id).limit(limit)
        with self._database.session(read_only=True) as session:
            return [record_from_row(self._tenant_id, row) for row in session.execute(query)]

    def fills(
        self, *, client_order_id: str | None = None, instrument_id: str | None = None
    ) -> list[Fill]:
        query = select(*FILL_COLUMNS).where(OrderFillRow.tenant_id == self._tenant_id)
        if client_order_id is not None:
            query = query.where(OrderFillRow.client_order_id == client_order_id)
        if instrument_id is not None:
            query = query.where(OrderFillRow.instrument_id == instrument_id)
        query = query.order_by(OrderFillRow.time, OrderFillRow.id)
        with self._database.session(read_only=True) as session:
            return [fill_from_row(row) for row in session.execute(query)]

    def known_trade_ids(self, venue: str, trade_ids: Collection[str]) -> set[str]:
        wanted = list(dict.fromkeys(trade_ids))
        if not wanted:
            return set()
        with self._database.session(read_only=True) as session:
            return self._known(session, venue, wanted)

    def last_fill_time(self, venue: str, instrument_id: str) -> datetime | None:
        query = select(func.max(OrderFillRow.time)).where(
            OrderFillRow.tenant_id == self._tenant_id,
            OrderFillRow.venue == venue,
            OrderFillRow.instrument_id == instrument_id,
        )
        with self._database.session(read_only=True) as session:
            value: datetime | None = session.scalar(query)
        return value

    def net_positions(self, venue: str) -> dict[str, Decimal]:
        # exact sums in Python: SQLite keeps decimals as text and cannot add them exactly
        query = select(OrderFillRow.instrument_id, OrderFillRow.side, OrderFillRow.quantity).where(
            OrderFillRow.tenant_id == self._tenant_id, OrderFillRow.venue == venue
        )
        with self._database.session(read_only=True) as session:
            rows = session.execute(query).all()
        totals: dict[str, Decimal] = {}
        for instrument_id, side, quantity in rows:
            signed = quantity if side == Side.BUY.value else -quantity
            totals[instrument_id] = totals.get(instrument_id, Decimal(0)) + signed
        return {iid: qty for iid, qty in totals.items() if qty != 0}


__all__ = ["SqlOrderStore"]
