"""Order use cases shared by the CLI and the API: list, show, cancel, halt, reconcile.

Reads go to the ``OrderStore`` (orders and fills) and an ``OrderHistory`` (the audit
journal's ``order.*`` entries of one order). Everything that touches a venue goes
through an ``OrderManager`` — never around it — opened per venue by an ``OmsOpener``
that the composition root provides (``tradegraph.bootstrap.execution.oms_opener``), so
the CLI gets the same guarantees as a session: the store is written before and after
every venue call, an ambiguous cancel is resolved by a query, fills are de-duplicated.

An opener raises ``VenueUnavailableError`` when another process holds the venue (a
running paper session owns its simulated venue's journal). Multi-venue operations record
that as a value (``VenueOutcome.busy``) and go on with the other venues; for ``halt`` the
holder is a session that checks the durable halt before each bar
(``services.trading.enforce_halt``) and cancels its own orders then.

Expected outcomes are values: a position mismatch found by ``reconcile`` is a
``VenueOutcome`` with ``mismatch`` set (and the strategies trading there are halted,
durably), not an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Protocol, runtime_checkable

from tradegraph.core.errors import (
    NotFoundError,
    ReconciliationError,
    TradegraphError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.execution.oms import OrderManager
from tradegraph.execution.reports import CancelReport, ReconcileReport
from tradegraph.execution.store import AUDIT_KIND_PREFIX, OrderRecord, OrderStore
from tradegraph.execution.transitions import OPEN
from tradegraph.model.audit import AuditEntry
from tradegraph.model.fill import Fill
from tradegraph.model.order import OrderStatus
from tradegraph.risk.guard import DrawdownGuard, GuardUpdate
from tradegraph.risk.store import RiskStateStore
from tradegraph.services.trading import halt_strategy, trip_if_halted

SCAN_LIMIT = 100_000
"""The most orders one query reads (the SQL store's page limit)."""
DEFAULT_LIST_LIMIT = 50

EMPTY_HINT = (
    "No orders yet — orders appear when a paper session or `tradegraph paper start` places them."
)
"""What ``orders list`` says when the store holds no order at all."""

OmsOpener = Callable[[str], AbstractContextManager[OrderManager]]
"""Opens the ``OrderManager`` of the venue named by its argument for a ``with`` block;
raises ``VenueUnavailableError`` when another process holds the venue."""


@runtime_checkable
class OrderHistory(Protocol):
    """The audit-journal entries of one order (``order.*`` kinds), oldest first."""

    def order_history(self, client_order_id: str) -> Sequence[AuditEntry]: ...


def is_order_entry(entry: AuditEntry, client_order_id: str) -> bool:
    """Whether a journal entry is a state change of the order ``client_order_id``."""
    return (
        entry.kind.startswith(AUDIT_KIND_PREFIX)
        and entry.payload.get("client_order_id") == client_order_id
    )


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderListing:
    """What ``list_orders`` found: the newest ``limit`` matches, oldest first."""

    records: tuple[OrderRecord, ...]
    matched: int
    """How many orders matched before the limit."""
    open_only: bool
    any_orders: bool
    """Whether the store holds any order at all (for the empty state)."""

    @property
    def truncated(self) -> bool:
        return self.matched > len(self.records)


def parse_status(text: str) -> OrderStatus:
    """An ``OrderStatus`` from user input (``accepted``, ``PARTIALLY_FILLED``, ...)."""
    try:
        return OrderStatus(text.strip().lower().replace("-", "_"))
    except ValueError as exc:
        raise ValidationError(
            f"Unknown order status {text!r}.",
            hint="Use one of: " + ", ".join(s.value for s in OrderStatus) + ".",
        ) from exc


def list_orders(
    store: OrderStore,
    *,
    statuses: Collection[OrderStatus] | None = None,
    strategy_id: str | None = None,
    instrument_id: str | None = None,
    include_closed: bool = False,
    limit: int = DEFAULT_LIST_LIMIT,
) -> OrderListing:
    """Orders matching the filters. By default only open ones (NEW — bracket legs waiting
    for their entry, the outbox — and working ones); ``statuses`` picks exact statuses,
    ``include_closed`` every status."""
    if limit < 1:
        raise ValidationError(f"limit must be at least 1, got {limit}.", hint="Use e.g. 50.")
    open_only = statuses is None and not include_closed
    wanted: Collection[OrderStatus] | None = statuses
    if open_only:
        wanted = OPEN
    found = store.find(
        statuses=wanted, strategy_id=strategy_id, instrument_id=instrument_id, limit=SCAN_LIMIT
    )
    any_orders = bool(found) or bool(store.find(limit=1))
    shown = found[-limit:]
    return OrderListing(tuple(shown), len(found), open_only, any_orders)


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """One order: its record, its stored fills and its journal history."""

    record: OrderRecord
    fills: tuple[Fill, ...]
    history: tuple[AuditEntry, ...]


def get_order(store: OrderStore, client_order_id: str) -> OrderRecord:
    record = store.get(client_order_id)
    if record is None:
        raise NotFoundError(
            f"No order {client_order_id!r} for tenant {store.tenant_id!r}.",
            hint="List orders with `tradegraph orders list --all` and copy the client order id.",
        )
    return record


def show_order(store: OrderStore, history: OrderHistory, client_order_id: str) -> OrderDetail:
    record = get_order(store, client_order_id)
    fills = store.fills(client_order_id=client_order_id)
    entries = history.order_history(client_order_id)
    return OrderDetail(record, tuple(fills), tuple(entries))


# --- per-venue outcomes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VenueOutcome:
    """What one venue did in a multi-venue operation.

    Exactly one of: ``cancels`` / ``reconcile`` (it ran), ``busy`` (another process holds
    the venue), ``mismatch`` (reconcile found positions that disagree), ``error``.
    """

    venue: str
    cancels: CancelReport | None = None
    reconcile: ReconcileReport | None = None
    busy: str = ""
    mismatch: str = ""
    error: str = ""
    kill_switch: str = ""
    """Why the OMS's kill switch was tripped for this run (a HALTED strategy), if it was."""
    halted: tuple[str, ...] = ()
    """After a mismatch: the strategies with orders on this venue, all HALTED now."""

    @property
    def ok(self) -> bool:
        if self.busy or self.mismatch or self.error:
            return False
        if self.cancels is not None and not self.cancels.ok:
            return False
        return self.reconcile is None or self.reconcile.ok


def _on_venue(
    open_oms: OmsOpener, venue: str, run: Callable[[OrderManager], VenueOutcome]
) -> VenueOutcome:
    """``run`` on the venue's OMS; a venue that cannot be opened (held by another
    process, misconfigured, a damaged journal) or fails is an outcome, not an error, so
    one venue never stops the others."""
    with ExitStack() as stack:
        try:
            oms = stack.enter_context(open_oms(venue))
        except VenueUnavailableError as exc:
            return VenueOutcome(venue, busy=exc.message)
        except TradegraphError as exc:
            return VenueOutcome(venue, error=exc.message)
        try:
            return run(oms)
        except TradegraphError as exc:
            return VenueOutcome(venue, error=f"{type(exc).__name__}: {exc.message}")
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack does not swallow


def _open_strategies(store: OrderStore) -> dict[str, set[str]]:
    """Venue → strategies with open orders there."""
    result: dict[str, set[str]] = {}
    for record in store.find(statuses=OPEN, limit=SCAN_LIMIT):
        result.setdefault(record.venue, set()).add(record.strategy_id)
    return result


def order_venues(store: OrderStore) -> dict[str, set[str]]:
    """Venue → strategies, over every stored order (up to ``SCAN_LIMIT``)."""
    result: dict[str, set[str]] = {}
    for record in store.find(limit=SCAN_LIMIT):
        result.setdefault(record.venue, set()).add(record.strategy_id)
    return result


# --- cancel ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderCancel:
    """``cancel_order``: the record afterwards; ``was_open`` False when it had already
    ended (nothing was sent). The record may still be working when the venue has not
    confirmed the cancel yet (the next sync closes it)."""

    record: OrderRecord
    was_open: bool


def cancel_order(
    store: OrderStore,
    open_oms: OmsOpener,
    client_order_id: str,
    *,
    risk_store: RiskStateStore | None = None,
) -> OrderCancel:
    """Cancel one order through its venue's OMS."""
    record = get_order(store, client_order_id)
    if record.status.is_terminal:
        return OrderCancel(record, was_open=False)
    with open_oms(record.venue) as oms:
        if risk_store is not None:
            trip_if_halted(risk_store, oms, store.tenant_id, [record.strategy_id])
        return OrderCancel(oms.cancel(client_order_id), was_open=True)


@dataclass(frozen=True, slots=True)
class VenueReports:
    """Per-venue outcomes of ``cancel_all_orders``, ``halt_trading`` or ``reconcile``."""

    venues: tuple[VenueOutcome, ...] = ()

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.venues)

    @property
    def canceled(self) -> tuple[str, ...]:
        return tuple(c for v in self.venues if v.cancels for c in v.cancels.canceled)

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(c for v in self.venues if v.cancels for c in v.cancels.pending)

    @property
    def failed(self) -> tuple[tuple[str, str], ...]:
        return tuple(f for v in self.venues if v.cancels for f in v.cancels.failed)

    @property
    def mismatched(self) -> tuple[VenueOutcome, ...]:
        return tuple(v for v in self.venues if v.mismatch)


def _cancel_venue(
    open_oms: OmsOpener, venue: str, action: Callable[[OrderManager], CancelReport]
) -> VenueOutcome:
    return _on_venue(open_oms, venue, lambda oms: VenueOutcome(venue, cancels=action(oms)))


def cancel_all_orders(
    store: OrderStore, open_oms: OmsOpener, *, strategy_id: str | None = None
) -> VenueReports:
    """Cancel every open order (of ``strategy_id`` if given) on every venue that has one."""
    venues = _open_strategies(store)
    outcomes = []
    for venue in sorted(venues):
        if strategy_id is not None and strategy_id not in venues[venue]:
            continue
        outcomes.append(_cancel_venue(open_oms, venue, lambda oms: oms.cancel_all(strategy_id)))
    return VenueReports(tuple(outcomes))


# --- halt -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HaltOutcome:
    """``halt_trading``: the strategies now HALTED and what each venue canceled."""

    strategies: tuple[tuple[str, GuardUpdate], ...]
    cancels: VenueReports = field(default_factory=VenueReports)

    @property
    def newly_halted(self) -> tuple[str, ...]:
        return tuple(s for s, update in self.strategies if update.transitions)

    @property
    def ok(self) -> bool:
        return self.cancels.ok


def halt_trading(
    store: OrderStore,
    risk_store: RiskStateStore,
    guard: DrawdownGuard,
    open_oms: OmsOpener,
    *,
    now: datetime,
    reason: str,
    actor: str,
    extra_strategies: Iterable[str] = (),
) -> HaltOutcome:
    """The kill switch: first make the halt durable — every strategy with risk state or
    orders (and ``extra_strategies``) goes HALTED in the risk store — then cancel every
    open order through each venue's OMS (``OrderManager.halt``)."""
    if not reason.strip():
        raise ValidationError("A halt needs a reason.", hint="Pass --reason 'why'.")
    tenant = store.tenant_id
    strategies = set(risk_store.strategies(tenant)) | set(extra_strategies)
    for names in order_venues(store).values():
        strategies |= names
    halted = tuple(
        (name, halt_strategy(risk_store, guard, tenant, name, now, actor=actor, note=reason))
        for name in sorted(strategies)
    )
    outcomes = tuple(
        _cancel_venue(open_oms, venue, lambda oms: oms.halt(reason).cancels)
        for venue in sorted(_open_strategies(store))
    )
    return HaltOutcome(halted, VenueReports(outcomes))


# --- reconcile ------------------------------------------------------------------------------


def reconcile_venues(
    store: OrderStore,
    risk_store: RiskStateStore,
    guard: DrawdownGuard,
    open_oms: OmsOpener,
    *,
    venues: Iterable[str],
    now: datetime,
    actor: str = "reconcile",
) -> VenueReports:
    """Run the OMS's reconciliation (the one a session runs at start-up) on each venue.

    A position mismatch fails closed: the OMS trips its kill switch and every strategy
    with orders on that venue is halted in the risk store (durable), so running and future
    sessions stop too. A strategy already HALTED trips the OMS's kill switch before the
    run, so its outbox orders are dropped rather than sent.
    """
    tenant = store.tenant_id
    by_venue = order_venues(store)

    def run(venue: str, strategies: set[str], oms: OrderManager) -> VenueOutcome:
        tripped = trip_if_halted(risk_store, oms, tenant, strategies) or ""
        try:
            report = oms.reconcile()
        except ReconciliationError as exc:
            halted = tuple(sorted(strategies))
            for name in halted:
                halt_strategy(risk_store, guard, tenant, name, now, actor=actor, note=exc.message)
            return VenueOutcome(venue, mismatch=exc.message, kill_switch=tripped, halted=halted)
        return VenueOutcome(venue, reconcile=report, kill_switch=tripped)

    outcomes = []
    for venue in sorted(set(venues) | set(by_venue)):
        strategies = by_venue.get(venue, set())
        outcomes.append(_on_venue(open_oms, venue, partial(run, venue, strategies)))
    return VenueReports(tuple(outcomes))


__all__ = [
    "DEFAULT_LIST_LIMIT",
    "EMPTY_HINT",
    "SCAN_LIMIT",
    "HaltOutcome",
    "OmsOpener",
    "OrderCancel",
    "OrderDetail",
    "OrderHistory",
    "OrderListing",
    "VenueOutcome",
    "VenueReports",
    "cancel_all_orders",
    "cancel_order",
    "get_order",
    "halt_trading",
    "is_order_entry",
    "list_orders",
    "order_venues",
    "parse_status",
    "reconcile_venues",
    "show_order",
]
